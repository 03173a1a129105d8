from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wegweiser.core"
    label = "core"
    verbose_name = "Core"
