from django.urls import path

from wegweiser.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/", views.review_list, name="review"),
    path("office/", views.office_switch, name="office_switch"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:public_id>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<uuid:public_id>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<uuid:public_id>/offers/new/", views.offer_create, name="offer_create"),
    path(
        "organisations/<uuid:public_id>/contacts/new/", views.contact_create, name="contact_create"
    ),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/<uuid:public_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<uuid:public_id>/edit/", views.offer_edit, name="offer_edit"),
    path(
        "offers/<uuid:public_id>/locations/add/",
        views.offer_location_add,
        name="offer_location_add",
    ),
    path(
        "offer-locations/<uuid:public_id>/hours/",
        views.offer_location_hours,
        name="offer_location_hours",
    ),
    path(
        "offer-locations/<uuid:public_id>/remove/",
        views.offer_location_remove,
        name="offer_location_remove",
    ),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<uuid:public_id>/", views.location_detail, name="location_detail"),
    path("locations/<uuid:public_id>/edit/", views.location_edit, name="location_edit"),
    path("contacts/<uuid:public_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<uuid:public_id>/delete/", views.contact_delete, name="contact_delete"),
    path("<slug:kind>/<uuid:public_id>/confirm/", views.entry_confirm, name="entry_confirm"),
    path("<slug:kind>/<uuid:public_id>/archive/", views.entry_archive, name="entry_archive"),
]
