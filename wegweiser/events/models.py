"""The district calendar: events (one-off or recurring, after RFC 5545), the changes of single
occurrences, the yearly intercultural occasions, and translations of event texts.

Times are kept as aware datetimes (stored in UTC); a series repeats at the same wall-clock time
in Europe/Berlin, across the daylight-saving changes (recurrence.py)."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import Language, PublicModel
from wegweiser.core.models import TranslationBase as _TranslationBase
from wegweiser.directory.models import (
    Category,
    EntryQuerySet,
    EntryStatus,
    Location,
    Organisation,
    TargetGroup,
)
from wegweiser.directory.validators import validate_logo

MAX_OCCURRENCES = 400  # a series has at most this many dates (rule and extra dates together)
MAX_SERIES_DAYS = 3 * 366  # and ends within about three years of its first date
MAX_EXTRA_DATES = 200


class Occasion(models.Model):
    """An intercultural occasion of the year (Interkulturelle Woche, Ramadan, Newroz …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    names = models.JSONField(default=dict, blank=True)  # {"ar": "…"}, like target groups
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("occasion")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.name


class OccasionDate(models.Model):
    """When an occasion falls in a given year (movable feasts differ every year)."""

    occasion = models.ForeignKey(Occasion, on_delete=models.CASCADE, related_name="dates")
    year = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "year"], name="one_date_per_year"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="occasion_date_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occasion} {self.year}"


class Event(PublicModel):
    """Something that happens at a time: a one-off event or a series."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")
        POSTPONED = "postponed", _("postponed")

    class Place(models.TextChoices):
        LOCATION = "location", _("a place from the directory")
        ADDRESS = "address", _("another address")
        ONLINE = "online", _("online")

    class Repeat(models.TextChoices):
        NONE = "none", _("does not repeat")
        WEEKLY = "weekly", _("every week or every n weeks")
        MONTHLY_DAY = "monthly_day", _("every month on the same day")
        MONTHLY_WEEKDAY = "monthly_weekday", _("every month on the n-th weekday")
        DATES = "dates", _("on the listed dates only")

    class Cost(models.TextChoices):
        FREE = "free", _("free of charge")
        FEE = "fee", _("fee")

    class Registration(models.TextChoices):
        NONE = "none", _("no registration")
        EXTERNAL = "external", _("registration elsewhere (link)")
        INTERNAL = "internal", _("registration here")

    office = models.ForeignKey("accounts.Office", on_delete=models.PROTECT, related_name="events")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="events", verbose_name=_("organiser")
    )
    co_organisers = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="co_organised_events",
        verbose_name=_("co-organisers"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    place = models.CharField(_("place"), max_length=10, choices=Place.choices, default="location")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("place from the directory"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(_("meeting link"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    all_day = models.BooleanField(_("all day"), default=False)
    repeat = models.CharField(_("repeats"), max_length=16, choices=Repeat.choices, default="none")
    interval = models.PositiveSmallIntegerField(
        _("every n weeks or months"), default=1, validators=[MaxValueValidator(12)]
    )
    # For monthly_weekday: 1..4 for the first to fourth, -1 for the last such weekday.
    week_of_month = models.SmallIntegerField(_("which weekday of the month"), null=True, blank=True)
    repeat_until = models.DateField(_("repeats until"), null=True, blank=True)
    repeat_count = models.PositiveSmallIntegerField(_("number of dates"), null=True, blank=True)
    # First start and last end of the whole series, kept by save(): a time window is one
    # indexed comparison before any series is expanded.
    series_start = models.DateTimeField(editable=False, db_index=True, null=True)
    series_end = models.DateTimeField(editable=False, db_index=True, null=True)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="events", verbose_name=_("categories")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="events", verbose_name=_("target groups")
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="events", verbose_name=_("languages spoken")
    )
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    cost = models.CharField(_("cost"), max_length=4, choices=Cost.choices, default=Cost.FREE)
    fee_text = models.CharField(_("fee details"), max_length=200, blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    occasion = models.ForeignKey(
        Occasion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("occasion"),
    )
    image = models.ImageField(
        _("image"), upload_to="events/", blank=True, validators=[validate_logo]
    )
    image_alt = models.CharField(_("image description (alt text)"), max_length=300, blank=True)
    registration = models.CharField(
        _("registration"), max_length=10, choices=Registration.choices, default="none"
    )
    registration_url = models.URLField(_("registration link"), blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    # iCalendar identity: ours for events made here, the source's for imported ones.
    uid = models.CharField(max_length=255, unique=True, editable=False)
    source = models.ForeignKey(
        "events.EventFeed", on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    entry_status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE, editable=False
    )
    is_demo = models.BooleanField(default=False, editable=False)

    TRANSLATABLE_FIELDS = ("title", "summary", "description", "fee_text", "accessibility_notes")

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["series_start", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from wegweiser.events.recurrence import series_span

        if not self.uid:
            self.uid = f"{self.public_id}@wegweiser"
        # Whole seconds: occurrences are identified by their start (RECURRENCE-ID).
        self.starts_at = self.starts_at.replace(microsecond=0)
        self.ends_at = self.ends_at.replace(microsecond=0)
        self.series_start, self.series_end = series_span(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "series_start", "series_end"}
            if update_fields:
                kwargs["update_fields"] |= {"starts_at", "ends_at"}
        super().save(*args, **kwargs)

    def clean(self):
        from wegweiser.events.recurrence import validate_series

        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("The end must not be before the start.")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = _("The maximum age must not be below the minimum age.")
        if self.place == self.Place.LOCATION and not self.location_id:
            errors["location"] = _("Choose the place, or say that it is elsewhere or online.")
        if self.place == self.Place.ADDRESS and not self.address:
            errors["address"] = _("Give the address.")
        if self.place == self.Place.ONLINE and not self.online_url:
            errors["online_url"] = _("Give the meeting link.")
        if self.registration == self.Registration.EXTERNAL and not self.registration_url:
            errors["registration_url"] = _("Give the link where people register.")
        if self.registration == self.Registration.INTERNAL and not self.capacity:
            errors["capacity"] = _("Give the number of places.")
        if self.image and not self.image_alt:
            errors["image_alt"] = _("Describe the image for people who cannot see it.")
        if errors:
            raise ValidationError(errors)
        if self.starts_at and self.ends_at:
            validate_series(self)


class EventDate(models.Model):
    """A date of a series outside its rule: an exception (the rule's date is left out) or an
    extra date (an irregular series is a list of these)."""

    class Kind(models.TextChoices):
        EXCEPTION = "exception", _("left out")
        EXTRA = "extra", _("extra date")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind", "date"], name="event_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.kind} {self.date}"


class OccurrenceChange(models.Model):
    """One occurrence changed or cancelled without touching the series (RECURRENCE-ID)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    # The start the occurrence had in the series: its identity.
    original_start = models.DateTimeField()
    cancelled = models.BooleanField(_("cancelled"), default=False)
    starts_at = models.DateTimeField(_("new start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("new end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    sequence = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["original_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="one_change_per_occurrence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.original_start:%Y-%m-%d %H:%M}"


class EventTranslation(_TranslationBase):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    fee_text = models.CharField(max_length=200, blank=True)
    accessibility_notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "language"], name="event_translation_unique")
        ]


class EventFeed(models.Model):
    """A partner's iCalendar feed the server fetches on a schedule (or a file imported once)."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="event_feeds"
    )
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True)
    url = models.URLField(_("feed address"), blank=True)
    subscribed = models.BooleanField(_("fetch regularly"), default=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_report = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.url or f"{self.organisation} (file)"


class Registration(models.Model):
    """Someone's registration for one date of an event. Personal data is kept encrypted and
    deleted a set number of days after the date (settings.EVENT_REGISTRATION_RETENTION_DAYS)."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    occurrence_start = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices)
    people = models.PositiveSmallIntegerField(default=1)
    # Encrypted (core/crypto.py): name or pseudonym, email or phone, needs.
    name_encrypted = models.TextField()
    contact_encrypted = models.TextField()
    needs_encrypted = models.TextField(blank=True)
    language = models.CharField(max_length=12)  # the registrant's language, for mails
    consent_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "occurrence_start", "state"])]

    def __str__(self) -> str:
        return f"{self.event} {self.occurrence_start:%Y-%m-%d} ({self.state})"
