from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "wegweiser.directory"
    label = "directory"
    verbose_name = "Directory"
