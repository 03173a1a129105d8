"""What the office imported from elsewhere: each record's source and id there, so a later
import of the same source updates it, and a log of the import runs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedRecord(models.Model):
    """One of our records that came from another directory: `external_id` in `source`."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=100)
    kind = models.CharField(max_length=30)  # organisation, offer, location, offer_location
    external_id = models.CharField(max_length=100)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "source", "kind", "external_id"], name="one_record_per_source_id"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.external_id}"


class ImportRun(models.Model):
    """One applied import: who, when, from which file and source, and what it did."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=100)
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.source}"
