from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "wegweiser.search"
    label = "search"
    verbose_name = "Search"
