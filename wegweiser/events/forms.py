"""Forms of the calendar: the public filters, and the staff form of an event with its dates."""

import re
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import Language
from wegweiser.directory.forms import LanguageChoices, VersionedForm
from wegweiser.directory.models import Category, Location
from wegweiser.events.models import MAX_EXTRA_DATES, Event, Occasion, OccurrenceChange
from wegweiser.events.recurrence import BERLIN, validate_series
from wegweiser.site.forms import GuideFilters, clean_text

WHEN = [("today", _("today")), ("week", _("this week")), ("month", _("this month"))]


class EventFilterForm(GuideFilters):
    """The public calendar's filters: plain query parameters."""

    when = forms.ChoiceField(label=_("When"), choices=WHEN, required=False)
    language = forms.ModelChoiceField(
        label=_("Language spoken"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
    )
    occasion = forms.ModelChoiceField(
        label=_("Occasion"), queryset=Occasion.objects.all(), to_field_name="code", required=False
    )
    accessible = forms.BooleanField(label=_("Step-free access"), required=False)

    FILTERS = ["category", "language", "target", "occasion", "area", "free", "accessible"]


def _parse_dates(text: str) -> list[date]:
    """Dates written one per line or separated by commas, as YYYY-MM-DD or DD.MM.YYYY."""
    result = []
    for raw in text.replace(",", "\n").replace(";", "\n").split():
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                result.append(datetime.strptime(raw, pattern).date())  # noqa: DTZ007  # a date
                break
            except ValueError:
                continue
        else:
            raise ValidationError(
                _("“%(value)s” is not a date (write 2026-12-24 or 24.12.2026)."),
                params={"value": raw[:20]},
            )
        if len(result) > MAX_EXTRA_DATES:
            raise ValidationError(_("At most %(n)s dates."), params={"n": MAX_EXTRA_DATES})
    return sorted(set(result))


class EventForm(VersionedForm):
    start_date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    days = forms.IntegerField(
        label=_("number of days (all-day events)"),
        min_value=1,
        max_value=31,
        initial=1,
        required=False,
    )
    extra_dates = forms.CharField(
        label=_("extra dates"),
        help_text=_(
            "Dates outside the rule, one per line (e.g. 2026-12-24); with “on the "
            "listed dates only” these are the series."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    exception_dates = forms.CharField(
        label=_("left-out dates"),
        help_text=_("Dates of the rule on which the event does not take place (holidays)."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    languages = LanguageChoices(label=_("languages spoken"))

    # When and how often right after what: the order people fill in an event.
    field_order = [
        "organisation",
        "title",
        "summary",
        "description",
        "status",
        "start_date",
        "start_time",
        "end_time",
        "all_day",
        "days",
        "repeat",
        "interval",
        "week_of_month",
        "repeat_until",
        "repeat_count",
        "extra_dates",
        "exception_dates",
    ]

    class Meta:
        model = Event
        fields = [
            "organisation",
            "co_organisers",
            "title",
            "summary",
            "description",
            "status",
            "all_day",
            "repeat",
            "interval",
            "week_of_month",
            "repeat_until",
            "repeat_count",
            "place",
            "location",
            "address",
            "online_url",
            "categories",
            "target_groups",
            "languages",
            "age_min",
            "age_max",
            "cost",
            "fee_text",
            "step_free",
            "accessibility_notes",
            "occasion",
            "registration",
            "registration_url",
            "capacity",
            "image",
            "image_alt",
        ]
        widgets = {
            "co_organisers": forms.CheckboxSelectMultiple,
            "categories": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
            "repeat_until": forms.DateInput(attrs={"type": "date"}),
            "week_of_month": forms.Select(
                choices=[
                    ("", "—"),
                    (1, _("first")),
                    (2, _("second")),
                    (3, _("third")),
                    (4, _("fourth")),
                    (-1, _("last")),
                ]
            ),
        }

    def __init__(self, *args, organisations, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["organisation"].queryset = organisations
        self.fields["co_organisers"].queryset = organisations.model.objects.filter(
            office=office
        ).live()
        self.fields["location"].queryset = Location.objects.filter(office=office).live()
        self.fields["categories"].queryset = Category.objects.select_related("parent")
        event = self.instance
        if event.pk:
            start = event.starts_at.astimezone(BERLIN)
            end = event.ends_at.astimezone(BERLIN)
            self.initial.update(
                start_date=start.date(),
                start_time=None if event.all_day else start.time(),
                end_time=None if event.all_day else end.time(),
                days=(end.date() - start.date()).days or 1,
                extra_dates="\n".join(
                    d.date.isoformat() for d in event.dates.all() if d.kind == "extra"
                ),
                exception_dates="\n".join(
                    d.date.isoformat() for d in event.dates.all() if d.kind == "exception"
                ),
            )

    def clean_extra_dates(self):
        return _parse_dates(self.cleaned_data.get("extra_dates", ""))

    def clean_exception_dates(self):
        return _parse_dates(self.cleaned_data.get("exception_dates", ""))

    def clean(self):
        data = super().clean()
        start_date = data.get("start_date")
        if start_date is None:
            return data
        if data.get("all_day"):
            start = datetime.combine(start_date, datetime.min.time(), BERLIN)
            end = start + timedelta(days=data.get("days") or 1)
        else:
            if data.get("start_time") is None:
                self.add_error("start_time", _("Give the start time, or tick “all day”."))
                return data
            start = datetime.combine(start_date, data["start_time"], BERLIN)
            end_time = data.get("end_time") or data["start_time"]
            end = datetime.combine(start_date, end_time, BERLIN)
            if end < start:
                self.add_error("end_time", _("The end must not be before the start."))
                return data
        self.instance.starts_at, self.instance.ends_at = start, end
        for name in ("repeat", "interval", "week_of_month", "repeat_until", "repeat_count"):
            setattr(self.instance, name, data.get(name))
        self.instance.interval = data.get("interval") or 1
        try:
            validate_series(
                self.instance,
                extra_dates=data.get("extra_dates", []),
                exception_dates=data.get("exception_dates", []),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    def model_data(self) -> dict:
        data = super().model_data()
        data["starts_at"], data["ends_at"] = self.instance.starts_at, self.instance.ends_at
        data["interval"] = data.get("interval") or 1
        return data


class OccurrenceChangeForm(forms.ModelForm):
    """Change or cancel one date of a series."""

    new_date = forms.DateField(
        label=_("new date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    new_time = forms.TimeField(
        label=_("new start time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    class Meta:
        model = OccurrenceChange
        fields = ["cancelled", "note"]

    def __init__(self, *args, event, original_start, **kwargs):
        super().__init__(*args, **kwargs)
        self.event, self.original_start = event, original_start

    def clean(self):
        data = super().clean()
        if data.get("cancelled") or not (data.get("new_date") or data.get("new_time")):
            return data
        local_start = self.original_start.astimezone(BERLIN)
        new_start = datetime.combine(
            data.get("new_date") or local_start.date(),
            data.get("new_time") or local_start.time(),
            BERLIN,
        )
        self.instance.starts_at = new_start
        self.instance.ends_at = new_start + (self.event.ends_at - self.event.starts_at)
        return data


_PHONE = re.compile(r"^\+?[0-9 ()/-]{6,30}$")


class RegistrationForm(forms.Form):
    """As little as needed: a name (a pseudonym is fine), how to reach you, how many."""

    name = forms.CharField(label=_("Name (a first name or a pseudonym is enough)"), max_length=100)
    contact = forms.CharField(
        label=_("Email address or phone number"),
        max_length=200,
        help_text=_("We send the confirmation to an email address; a phone number is called."),
    )
    people = forms.IntegerField(label=_("Number of people"), min_value=1, max_value=10, initial=1)
    needs = forms.CharField(
        label=_("Interpreting or accessibility needs (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the organiser keeps these details to run the event. They are "
            "deleted %(days)s days after the date."
        )
    )
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, retention_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = self.fields["consent"].label % {"days": retention_days}

    def clean_name(self):
        return clean_text(self.cleaned_data["name"], 100)

    def clean_contact(self):
        value = clean_text(self.cleaned_data["contact"], 200)
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise ValidationError(_("Enter a valid email address.")) from exc
        elif not _PHONE.match(value):
            raise ValidationError(_("Enter an email address or a phone number."))
        return value

    def clean_needs(self):
        return clean_text(self.cleaned_data.get("needs") or "", 500)

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ImportForm(forms.Form):
    """A partner's calendar: a file to import once, or a feed address to fetch (regularly)."""

    organisation = forms.ModelChoiceField(label=_("Organiser"), queryset=None)
    category = forms.ModelChoiceField(
        label=_("Topic of the imported events"), queryset=Category.objects.all(), required=False
    )
    file = forms.FileField(label=_("iCalendar file (.ics)"), required=False)
    url = forms.URLField(label=_("or the address of a calendar feed"), required=False)
    subscribed = forms.BooleanField(label=_("fetch the feed every day"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise ValidationError(_("Give either a file or a feed address."))
        return data
