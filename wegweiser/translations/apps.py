from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "wegweiser.translations"
    label = "translations"
    verbose_name = "Translations"
