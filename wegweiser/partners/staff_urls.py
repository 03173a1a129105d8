from django.urls import path

from wegweiser.partners import views

app_name = "partners_staff"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="revoke"),
    path("organisations/<uuid:public_id>/trust/", views.organisation_trust, name="trust"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("requests/<uuid:public_id>/accept/", views.request_accept, name="request_accept"),
    path("requests/<uuid:public_id>/edit/", views.request_edit, name="request_edit"),
    path("requests/<uuid:public_id>/reject/", views.request_reject, name="request_reject"),
    path("requests/<uuid:public_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
]
