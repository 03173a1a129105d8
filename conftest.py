"""Suite-wide settings: a fast password hasher (Argon2 is tested explicitly where it matters)."""

import pytest
from django.conf import settings
from django.core.cache import cache


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached public pages of one test must not answer another test's requests."""
    from wegweiser.core import content

    cache.clear()
    content._memo["until"] = 0.0
