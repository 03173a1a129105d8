"""Shared building blocks: public ids, optimistic locking, review state, content languages,
translation rows and the audit log."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.Model):
    """A language offers are delivered in; content languages also get translations."""

    class Direction(models.TextChoices):
        LTR = "ltr", _("left to right")
        RTL = "rtl", _("right to left")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=80)
    native_name = models.CharField(_("native name"), max_length=80)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.LTR
    )
    is_content_language = models.BooleanField(_("content language"), default=False)
    # A second pair of eyes: translations into this language go public only once reviewed.
    requires_review = models.BooleanField(_("translations need review"), default=False)
    fallback = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("fallback")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PublicModel(models.Model):
    """A record with a UUID public id (used in every URL and export) and optimistic locking."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Bumped on every save through a service; an edit form carries the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Bumped when translatable source text changes (not for minor edits): translations record
    # the revision they translate, so "outdated" is a comparison in the database.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    TRANSLATABLE_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True


class ReviewQuerySet(models.QuerySet):
    def stale(self, now=None):
        return self.filter(review_due_at__lt=now or timezone.now())

    def current(self, now=None):
        return self.filter(review_due_at__gte=now or timezone.now())


class ReviewedModel(models.Model):
    """Review state ("Stand"): when an entry was last confirmed, by whom, and when it is due."""

    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    review_interval_days = models.PositiveIntegerField(
        _("review interval (days)"), default=settings.DEFAULT_REVIEW_INTERVAL_DAYS
    )
    # Derived from verified_at + interval and kept in step by save(): an indexed column makes
    # "stale" one portable comparison on both databases.
    review_due_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        start = self.verified_at or self.created_at or timezone.now()
        self.review_due_at = start + timedelta(days=self.review_interval_days)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "review_due_at"}
        super().save(*args, **kwargs)

    @property
    def is_stale(self) -> bool:
        return self.review_due_at is not None and self.review_due_at < timezone.now()

    @property
    def unconfirmed_since(self):
        """When the entry was last confirmed, once nobody has confirmed it for the grace
        period after its due date (shown publicly); None while it is current enough."""
        grace = timedelta(days=settings.REVIEW_GRACE_DAYS)
        if self.review_due_at is None or self.review_due_at + grace >= timezone.now():
            return None
        return self.verified_at or self.created_at


class TranslationBase(models.Model):
    """One language's text of a record, remembering which source revision it translates."""

    class Origin(models.TextChoices):
        HUMAN = "human", _("human")
        MACHINE = "machine", _("machine-translated, not reviewed")

    language = models.CharField(_("language"), max_length=12)
    source_revision = models.PositiveIntegerField(_("source revision"))
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.HUMAN)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # False while a translation waits for the reviewer of its language; not shown publicly.
    reviewed = models.BooleanField(default=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One change, log-in or export: who, when, which object, which fields from → to."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    # {"field": [old, new]}; rendered in the entry's history.
    changes = models.JSONField(default=dict, blank=True)
    # The version of the object this change produced (for conflict reports).
    object_version = models.PositiveIntegerField(null=True, blank=True)
    # A hash chain: each entry's hash covers its content and the previous entry's hash, so
    # an edit or deletion in the stored log is found by `manage.py audit_verify`.
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """One row holding the newest hash; locking it serialises appends to the chain on every
    database."""

    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.last_hash


class ContentGeneration(models.Model):
    """A counter raised by every change of public content; cached public pages and their
    ETags include it, so a change invalidates them everywhere at once."""

    value = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.value)


class SourceSnapshot(models.Model):
    """The translatable source texts of a record at one revision, so translators see what
    changed in the source since the revision they translated."""

    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    revision = models.PositiveIntegerField()
    texts = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "revision"], name="one_snapshot_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}@{self.revision}"


class MailBounce(models.Model):
    """An address the mail server refused permanently (5xx). Kept until a later mail to it
    is accepted; shown to the office, and skipped by reminder mails meanwhile."""

    email = models.EmailField(unique=True)
    code = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500, blank=True)
    bounced_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email} ({self.code})"
