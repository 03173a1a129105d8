from django.urls import path

from wegweiser.events import views

app_name = "events"

urlpatterns = [
    path("veranstaltungen/", views.calendar, name="calendar"),
    path("veranstaltungen/kalender.ics", views.feed, name="feed"),
    path("veranstaltung/<uuid:public_id>/", views.event_detail, name="event"),
    path("veranstaltung/<uuid:public_id>/kalender.ics", views.event_ics, name="event_ics"),
    path("veranstaltung/<uuid:public_id>/anmelden/<str:stamp>/", views.register, name="register"),
    path("anmeldung/<str:token>/", views.registration_cancel, name="registration_cancel"),
]
