from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "wegweiser.guide"
    label = "guide"
    verbose_name = "Guide editions"
