from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wegweiser.accounts"
    label = "accounts"
    verbose_name = "Accounts"
