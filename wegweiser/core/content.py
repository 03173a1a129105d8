"""The public-content generation: raised by every change, read by the public page cache."""

import time

from django.db.models import F

from wegweiser.core.models import ContentGeneration

# Each process remembers the generation for a moment; its own changes update it at once,
# other processes see them within MEMO_SECONDS.
MEMO_SECONDS = 0.5
_memo = {"value": 0, "until": 0.0}


def content_changed() -> None:
    updated = ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        ContentGeneration.objects.get_or_create(pk=1, defaults={"value": 2})
    _memo["until"] = 0.0


def content_generation() -> int:
    row = ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return row or 1


def cached_generation() -> int:
    now = time.monotonic()
    if now >= _memo["until"]:
        _memo["value"] = content_generation()
        _memo["until"] = now + MEMO_SECONDS
    return _memo["value"]
