from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "wegweiser.events"
    label = "events"
    verbose_name = "Events"
