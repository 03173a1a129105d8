"""Invitations of partner organisations' people: a one-time, expiring link by mail that
makes them a partner editor bound to their organisation."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language of the mails"), max_length=12, default="de")
    # Only a hash of the link's token is kept: the link itself is in the mail alone.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    sent_count = models.PositiveSmallIntegerField(default=1)
    last_sent_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class ChangeRequest(models.Model):
    """A partner editor's change that waits for the office: the submitted form data, kept so
    the same form can check and apply it later, and the field-by-field difference it makes."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="change_requests"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="change_requests"
    )
    # A key of wegweiser.partners.requests.KINDS, e.g. "offer.update".
    kind = models.CharField(max_length=30)
    target_id = models.BigIntegerField()
    target_repr = models.CharField(max_length=300)
    # The entry's version the partner started from (None where nothing can conflict).
    base_version = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    # {"field label": [current value, proposed value]} as shown when it was submitted.
    changes = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.TextField(_("message to the partner"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "status"], name="change_request_open_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_repr}"


class ReviewReminder(models.Model):
    """One reminder mail about one entry due for review, so an entry is reminded at most once
    per review interval."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="review_reminders"
    )
    entry_type = models.CharField(max_length=20)
    entry_id = models.BigIntegerField()
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["entry_type", "entry_id", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.entry_type}:{self.entry_id} → {self.recipient}"
