"""Editions of the printed guide: what a coordinator chose, the data frozen when it was
published, and the PDF renderings made from that frozen data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wegweiser.directory.validators import validate_logo


class Paper(models.TextChoices):
    A5 = "a5", _("A5 (folded brochure)")
    A4 = "a4", _("A4")


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="guide_editions"
    )
    number = models.PositiveSmallIntegerField(_("edition number"))
    title = models.CharField(
        _("title"), max_length=200, help_text=_('For example "3. überarbeitete Auflage".')
    )
    stand = models.DateField(_("Stand (as of)"), default=timezone.localdate)
    foreword = models.TextField(
        _("foreword"), blank=True, help_text=_("Plain text; blank lines separate paragraphs.")
    )
    # {language: foreword} for the other languages; a missing one falls back to German.
    foreword_translations = models.JSONField(default=dict, blank=True)
    funding_notice = models.TextField(
        _("funding notice"),
        blank=True,
        help_text=_("Printed in the imprint, e.g. who funds the office and the brochure."),
    )
    all_offers = models.BooleanField(
        _("all published offers"),
        default=True,
        help_text=_("Otherwise only the offers of the chosen topics and areas."),
    )
    categories = models.ManyToManyField(
        "directory.Category", blank=True, verbose_name=_("topics"), related_name="+"
    )
    areas = models.ManyToManyField(
        "directory.Area", blank=True, verbose_name=_("areas"), related_name="+"
    )
    languages = models.JSONField(_("languages"), default=list)
    logo = models.ImageField(
        _("logo for the cover"), upload_to="editions/", blank=True, validators=[validate_logo]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The frozen data (snapshot.build); for a draft, the data of its latest preview.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-number", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="edition_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def previous(self):
        """The published edition before this one, which its change list compares against."""
        return (
            Edition.objects.filter(
                office_id=self.office_id, status=self.Status.PUBLISHED, number__lt=self.number
            )
            .order_by("-number")
            .first()
        )


class Rendering(models.Model):
    """One PDF of an edition: a language, a paper size, with or without print marks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being typeset")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="renderings")
    language = models.CharField(max_length=12)
    paper = models.CharField(max_length=2, choices=Paper.choices, default=Paper.A5)
    print_ready = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=40, blank=True)
    # sha256 of everything the PDF is made from; the file is stored under this name, so the
    # same inputs are never typeset twice.
    input_hash = models.CharField(max_length=64, blank=True, db_index=True)
    error = models.TextField(blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    reused = models.BooleanField(default=False)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["language", "paper", "print_ready"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "language", "paper", "print_ready"],
                name="rendering_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition} {self.language} {self.paper}"

    def file_name(self) -> str:
        marks = "-print" if self.print_ready else ""
        return f"wegweiser-{self.edition.number}-{self.language}-{self.paper}{marks}.pdf"
