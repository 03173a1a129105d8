"""The public guide's own content: editable pages (accessibility statement, imprint,
privacy), the glossary of German bureaucratic words, and feedback from residents."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import PublicModel
from wegweiser.core.models import TranslationBase as _TranslationBase


class Page(PublicModel):
    """A page whose text staff edit: accessibility statement, imprint, privacy notice."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines separate paragraphs."))

    TRANSLATABLE_FIELDS = ("title", "body")

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.title


class PageTranslation(_TranslationBase):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "language"], name="page_translation_unique")
        ]


class GlossaryTerm(PublicModel):
    """A German word newcomers meet at offices, explained in every language."""

    slug = models.SlugField(max_length=80, unique=True)
    term = models.CharField(_("term"), max_length=120)
    variants = models.JSONField(
        _("variants"),
        default=list,
        blank=True,
        help_text=_("Spellings and inflections as they appear in texts."),
    )
    explanation = models.TextField(_("explanation"))

    TRANSLATABLE_FIELDS = ("term", "explanation")

    class Meta:
        ordering = ["term"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")

    def __str__(self) -> str:
        return self.term

    def all_variants(self) -> list[str]:
        return sorted({self.term, *self.variants}, key=len, reverse=True)


class GlossaryTermTranslation(_TranslationBase):
    glossary_term = models.ForeignKey(
        GlossaryTerm, on_delete=models.CASCADE, related_name="translations"
    )
    term = models.CharField(max_length=200, blank=True)
    explanation = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["glossary_term", "language"], name="glossary_translation_unique"
            )
        ]


class Feedback(models.Model):
    """A resident's message: a mistake in an entry, a suggested offer, or accessibility
    feedback."""

    class Kind(models.TextChoices):
        MISTAKE = "mistake", _("mistake in an entry")
        ACCESSIBILITY = "accessibility", _("accessibility barrier")
        SUGGESTION = "suggestion", _("suggested offer")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    offer = models.ForeignKey(
        "directory.Offer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    page_url = models.CharField(max_length=500, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    language = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"
