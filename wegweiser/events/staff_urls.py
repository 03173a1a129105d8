from django.urls import path

from wegweiser.events import staff_views as views

app_name = "events_staff"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("import/", views.feed_list, name="feeds"),
    path("import/<int:pk>/fetch/", views.feed_refresh, name="feed_refresh"),
    path("<uuid:public_id>/", views.event_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.event_edit, name="edit"),
    path("<uuid:public_id>/duplicate/", views.event_duplicate, name="duplicate"),
    path("<uuid:public_id>/archive/", views.event_archive, name="archive"),
    path("<uuid:public_id>/dates/<str:stamp>/", views.occurrence_edit, name="occurrence"),
    path("<uuid:public_id>/registrations/", views.registration_list, name="registrations"),
    path(
        "<uuid:public_id>/registrations.csv",
        views.registration_export,
        name="registrations_export",
    ),
]
