from django.urls import path

from wegweiser.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
]
