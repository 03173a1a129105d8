"""Suite-wide settings: a fast password hasher (Argon2 is tested explicitly where it matters)."""

from django.conf import settings


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
