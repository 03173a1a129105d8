from django.urls import path

from wegweiser.partners import views

app_name = "partners"

urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept, name="accept"),
    path("review/<str:token>/", views.review_confirm, name="review"),
]
