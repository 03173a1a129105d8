from django.urls import path

from wegweiser.translations import views

app_name = "translations"

urlpatterns = [
    path("", views.coverage, name="coverage"),
]
