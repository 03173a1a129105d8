from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "wegweiser.site"
    label = "site"
    verbose_name = "Public guide"
