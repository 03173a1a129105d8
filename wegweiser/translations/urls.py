from django.urls import path

from wegweiser.translations import views

app_name = "translations"

urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("<slug:language>/", views.queue, name="queue"),
    path("<slug:kind>/<uuid:public_id>/<slug:language>/", views.edit, name="edit"),
]
