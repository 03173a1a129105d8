from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "wegweiser.opendata"
    label = "opendata"
    verbose_name = "Open data (HSDS)"
