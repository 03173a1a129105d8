"""The directory, after Open Referral HSDS 3.0: organisations, offers (HSDS services),
locations, offers at locations, opening hours, contacts, categories and areas — plus what
HSDS lacks: translations, areas, review dates, target groups and communities."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import Language, PublicModel, ReviewedModel, ReviewQuerySet
from wegweiser.core.models import TranslationBase as _TranslationBase
from wegweiser.directory.validators import validate_logo


class Area(models.Model):
    """A city, district or sub-district (Ortsteil); offers are filtered by it."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        SUBDISTRICT = "subdistrict", _("sub-district")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class Category(PublicModel):
    """A node of the needs taxonomy (HSDS taxonomy term); stable `code` for exports."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    TRANSLATABLE_FIELDS = ("name", "description")

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class TargetGroup(models.Model):
    """Whom an offer is for (children, women, newcomers …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    # Reference data named once per language ({"ar": "…"}), shown in filters.
    names = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A community by origin or language that an organisation serves."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    """Whether an entry is part of the live directory; archived entries are kept, not deleted."""

    ACTIVE = "active", _("active")
    ARCHIVED = "archived", _("archived")


class EntryQuerySet(ReviewQuerySet):
    def live(self):
        return self.filter(entry_status=EntryStatus.ACTIVE)

    def archived(self):
        return self.filter(entry_status=EntryStatus.ARCHIVED)


class Organisation(PublicModel, ReviewedModel):
    """An association, authority, school … that runs offers (HSDS organization)."""

    class Kind(models.TextChoices):
        MIGRANT_ASSOCIATION = "migrant_association", _("migrant association")
        WELFARE_ORGANISATION = "welfare_organisation", _("welfare organisation")
        PUBLIC_AUTHORITY = "public_authority", _("public authority")
        SCHOOL = "school", _("school")
        KINDERGARTEN = "kindergarten", _("kindergarten")
        RELIGIOUS_COMMUNITY = "religious_community", _("religious community")
        INITIATIVE = "initiative", _("initiative")
        COMPANY = "company", _("company")
        OTHER = "other", _("other")

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    legal_status = models.CharField(
        _("legal status"), max_length=60, blank=True, help_text=_("e.g. e.V., gGmbH, public body")
    )
    register_number = models.CharField(_("register number"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, validators=[validate_logo])
    communities = models.ManyToManyField(
        Community, blank=True, related_name="organisations", verbose_name=_("communities served")
    )
    areas = models.ManyToManyField(
        Area, blank=True, related_name="organisations", verbose_name=_("areas")
    )
    is_migrant_organisation = models.BooleanField(_("migrant organisation"), default=False)
    # Trusted partners' editors publish directly; others' edits become change requests.
    partner_trusted = models.BooleanField(
        _("partner edits go live directly"), default=False, editable=False
    )
    entry_status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE, editable=False
    )
    is_demo = models.BooleanField(default=False, editable=False)

    TRANSLATABLE_FIELDS = ("name", "description")

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "office", Lower("name"), name="organisation_name_unique_per_office"
            )
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Offer(PublicModel, ReviewedModel):
    """Something an organisation offers residents (HSDS service)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        INACTIVE = "inactive", _("inactive")
        TEMPORARILY_CLOSED = "temporarily_closed", _("temporarily closed")
        DEFUNCT = "defunct", _("defunct")

    class Cost(models.TextChoices):
        FREE = "free", _("free of charge")
        FEE = "fee", _("fee")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offers")
    name = models.CharField(_("name"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default="active")
    categories = models.ManyToManyField(
        Category, blank=True, related_name="offers", verbose_name=_("categories")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="offers", verbose_name=_("target groups")
    )
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    eligibility = models.TextField(_("who can take part"), blank=True)
    application_process = models.TextField(_("how to register or apply"), blank=True)
    cost = models.CharField(_("cost"), max_length=4, choices=Cost.choices, default=Cost.FREE)
    fee_amount = models.DecimalField(
        _("fee (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fee_text = models.CharField(_("fee details"), max_length=200, blank=True)
    registration_required = models.BooleanField(_("registration required"), default=False)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="offers", verbose_name=_("languages offered in")
    )
    interpreting_available = models.BooleanField(_("interpreting available"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    open_to_all = models.BooleanField(_("open to all residents"), default=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    contacts = models.ManyToManyField(
        "Contact", blank=True, related_name="offers", verbose_name=_("contacts")
    )
    entry_status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE, editable=False
    )

    TRANSLATABLE_FIELDS = (
        "name",
        "summary",
        "description",
        "eligibility",
        "application_process",
        "fee_text",
        "accessibility_notes",
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="offer_name_idx")]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="offer_age_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = _("The maximum age must not be below the minimum age.")
        if self.cost == self.Cost.FEE and self.fee_amount is None and not self.fee_text:
            errors["fee_amount"] = _("Give the amount or describe the fee.")
        if self.cost == self.Cost.FREE and self.fee_amount:
            errors["fee_amount"] = _("A free offer has no fee amount.")
        if errors:
            raise ValidationError(errors)


class Location(PublicModel, ReviewedModel):
    """A place where offers happen (HSDS location with address and accessibility)."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100, default="Leipzig")
    state = models.CharField(_("state"), max_length=100, default="Sachsen")
    country = models.CharField(_("country"), max_length=2, default="DE")
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("area"),
    )
    transit_directions = models.TextField(_("public transport"), blank=True)
    step_free_access = models.BooleanField(_("step-free access"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    entry_status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE, editable=False
    )

    TRANSLATABLE_FIELDS = ("name", "transit_directions", "accessibility_notes")

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return f"{self.name}, {self.street}"

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))


class OfferLocation(models.Model):
    """An offer at one location, with its own opening hours (HSDS service_at_location)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="offer_locations")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="offer_locations",
        verbose_name=_("location"),
    )
    by_appointment_only = models.BooleanField(_("by appointment only"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "location"], name="offer_once_per_location")
        ]
        verbose_name = _("offer at location")
        verbose_name_plural = _("offers at locations")

    def __str__(self) -> str:
        return f"{self.offer} @ {self.location.name}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening window on a weekday (Europe/Berlin local time), optionally time-limited."""

    offer_location = models.ForeignKey(
        OfferLocation, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date must not be before the start.")})


class ScheduleException(models.Model):
    """A closure over a date range, or an extra opening on one date."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("closed")
        EXTRA = "extra", _("extra opening")

    offer_location = models.ForeignKey(
        OfferLocation, on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    date_from = models.DateField(_("from"))
    date_until = models.DateField(_("until"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date_from"]
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from}–{self.date_until}"

    def clean(self):
        errors = {}
        if self.date_from and self.date_until and self.date_until < self.date_from:
            errors["date_until"] = _("The end date must not be before the start.")
        if self.kind == self.Kind.EXTRA:
            if self.opens is None or self.closes is None:
                errors["opens"] = _("An extra opening needs opening and closing times.")
            elif self.closes <= self.opens:
                errors["closes"] = _("Closing time must be after opening time.")
        if errors:
            raise ValidationError(errors)


class Contact(PublicModel):
    """A role address of an organisation (never a private person's data unless public)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(_("role or department"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="contacts", verbose_name=_("languages spoken")
    )
    is_public = models.BooleanField(_("visible to the public"), default=False)

    TRANSLATABLE_FIELDS = ("role",)

    class Meta:
        ordering = ["role"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.role

    def clean(self):
        if not self.phone and not self.email:
            raise ValidationError(_("Give a phone number or an email address."))


# Translation rows: one per record and content language.


class OrganisationTranslation(_TranslationBase):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="translations"
    )
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language"], name="organisation_translation_unique"
            )
        ]


class OfferTranslation(_TranslationBase):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    eligibility = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fee_text = models.CharField(max_length=200, blank=True)
    accessibility_notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "language"], name="offer_translation_unique")
        ]


class LocationTranslation(_TranslationBase):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(max_length=200, blank=True)
    transit_directions = models.TextField(blank=True)
    accessibility_notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "language"], name="location_translation_unique"
            )
        ]


class CategoryTranslation(_TranslationBase):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language"], name="category_translation_unique"
            )
        ]


class ContactTranslation(_TranslationBase):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="translations")
    role = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "language"], name="contact_translation_unique"
            )
        ]
