from django.urls import path

from wegweiser.partners import views

app_name = "partners_staff"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="revoke"),
]
