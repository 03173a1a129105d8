from django.urls import path

from wegweiser.partners import views

app_name = "partners"

urlpatterns = [
    path("<str:token>/", views.invitation_accept, name="accept"),
]
