"""The public-content generation: raised by every change, read by the public page cache."""

from django.db.models import F

from wegweiser.core.models import ContentGeneration


def content_changed() -> None:
    updated = ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        ContentGeneration.objects.get_or_create(pk=1, defaults={"value": 2})


def content_generation() -> int:
    row = ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return row or 1
