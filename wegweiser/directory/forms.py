"""Forms of the staff directory. Every edit form carries the version it was loaded at."""

from django import forms
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import Language
from wegweiser.directory.models import (
    Area,
    Category,
    Contact,
    EntryStatus,
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    Organisation,
    ScheduleException,
    Weekday,
)
from wegweiser.directory.validators import reencode_logo


class VersionedForm(forms.ModelForm):
    """A model form with the hidden version it was loaded at, and a "minor change" box."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    minor_change = forms.BooleanField(
        label=_("Minor change (typo): translations stay current"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["minor_change"]

    def model_data(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data
        }

    def loaded_version(self) -> int:
        return self.cleaned_data.get("version") or self.instance.version


class OrganisationForm(VersionedForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "legal_status",
            "register_number",
            "description",
            "website",
            "email",
            "phone",
            "logo",
            "is_migrant_organisation",
            "communities",
            "areas",
            "review_interval_days",
        ]
        widgets = {
            "communities": forms.CheckboxSelectMultiple,
            "areas": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, office, **kwargs):
        self.office = office
        super().__init__(*args, **kwargs)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo is not self.initial.get("logo") and hasattr(logo, "content_type"):
            return reencode_logo(logo)
        return logo

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Organisation.objects.filter(office=self.office).annotate(lname=Lower("name"))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.filter(lname=name.lower()).exists():
            raise forms.ValidationError(
                _("An organisation with this name already exists in your office.")
            )
        return name


class LanguageChoices(forms.ModelMultipleChoiceField):
    """Languages chosen by code; an unknown code is a clear error, not a silent drop."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Language.objects.all(),
            to_field_name="code",
            widget=forms.CheckboxSelectMultiple,
            required=False,
            error_messages={"invalid_choice": _("Unknown language code: %(value)s.")},
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class OfferForm(VersionedForm):
    languages = LanguageChoices(label=_("languages offered in"))

    class Meta:
        model = Offer
        fields = [
            "name",
            "summary",
            "description",
            "status",
            "categories",
            "target_groups",
            "age_min",
            "age_max",
            "eligibility",
            "application_process",
            "cost",
            "fee_amount",
            "fee_text",
            "registration_required",
            "languages",
            "interpreting_available",
            "accessibility_notes",
            "open_to_all",
            "website",
            "email",
            "contacts",
            "review_interval_days",
        ]
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "contacts": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 6}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = organisation.contacts.all()
        self.fields["categories"].queryset = Category.objects.select_related("parent")


class LocationForm(VersionedForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "street",
            "postcode",
            "city",
            "state",
            "country",
            "latitude",
            "longitude",
            "area",
            "transit_directions",
            "step_free_access",
            "accessible_toilet",
            "hearing_loop",
            "accessibility_notes",
            "review_interval_days",
        ]
        widgets = {
            "transit_directions": forms.Textarea(attrs={"rows": 2}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")
        self.fields["latitude"].error_messages["max_value"] = _(
            "A latitude lies between -90 and 90."
        )
        self.fields["longitude"].error_messages["max_value"] = _(
            "A longitude lies between -180 and 180."
        )

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].strip()
        if self.data.get("country", "DE") == "DE" and not (
            len(postcode) == 5 and postcode.isdigit()
        ):
            raise forms.ValidationError(_("A German postcode has five digits."))
        return postcode


class ContactForm(VersionedForm):
    languages = LanguageChoices(label=_("languages spoken"))

    class Meta:
        model = Contact
        fields = ["role", "phone", "email", "languages", "is_public"]


class OfferLocationForm(forms.ModelForm):
    class Meta:
        model = OfferLocation
        fields = ["location", "by_appointment_only", "note"]

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations.filter(entry_status=EntryStatus.ACTIVE)


class OfferLocationSettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = OfferLocation
        fields = ["by_appointment_only", "note"]


class OpeningHoursForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(label=_("weekday"), choices=Weekday.choices, coerce=int)

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes", "valid_from", "valid_until", "note"]
        widgets = {
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


def _periods_overlap(a: dict, b: dict) -> bool:
    a_from, a_until = a.get("valid_from"), a.get("valid_until")
    b_from, b_until = b.get("valid_from"), b.get("valid_until")
    if a_until and b_from and a_until < b_from:
        return False
    return not (b_until and a_from and b_until < a_from)


def _rows(formset, keep: list[str]) -> list[dict]:
    """The kept rows of a formset as plain dicts (filled-in forms not marked for deletion)."""
    return [
        {k: f.cleaned_data.get(k, "" if k == "note" else None) for k in keep}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class BaseOpeningHoursFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("opens")
            and f.cleaned_data.get("closes")
        ]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if (
                    a["weekday"] == b["weekday"]
                    and a["opens"] < b["closes"]
                    and b["opens"] < a["closes"]
                    and _periods_overlap(a, b)
                ):
                    raise forms.ValidationError(
                        _("Opening windows on %(day)s overlap: %(a)s and %(b)s."),
                        params={
                            "day": Weekday(a["weekday"]).label,
                            "a": f"{a['opens']:%H:%M}–{a['closes']:%H:%M}",
                            "b": f"{b['opens']:%H:%M}–{b['closes']:%H:%M}",
                        },
                        code="overlap",
                    )

    def rows(self) -> list[dict]:
        return _rows(self, ["weekday", "opens", "closes", "valid_from", "valid_until", "note"])


OpeningHoursFormSet = forms.modelformset_factory(
    OpeningHours,
    form=OpeningHoursForm,
    formset=BaseOpeningHoursFormSet,
    extra=3,
    can_delete=True,
)


class ScheduleExceptionForm(forms.ModelForm):
    class Meta:
        model = ScheduleException
        fields = ["kind", "date_from", "date_until", "opens", "closes", "note"]
        widgets = {
            "date_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class BaseExceptionFormSet(forms.BaseModelFormSet):
    def rows(self) -> list[dict]:
        return _rows(self, ["kind", "date_from", "date_until", "opens", "closes", "note"])


ScheduleExceptionFormSet = forms.modelformset_factory(
    ScheduleException,
    form=ScheduleExceptionForm,
    formset=BaseExceptionFormSet,
    extra=2,
    can_delete=True,
)


class EntryFilterForm(forms.Form):
    """Filters of the staff lists; bad values are form errors, never a crash."""

    STATE_CHOICES = [
        ("live", _("live")),
        ("archived", _("archived")),
        ("all", _("all")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("Entries"), choices=STATE_CHOICES, required=False)
    stale = forms.BooleanField(label=_("only stale"), required=False)
    area = forms.ModelChoiceField(
        label=_("area"), queryset=Area.objects.all(), to_field_name="slug", required=False
    )


class OfferFilterForm(EntryFilterForm):
    category = forms.ModelChoiceField(
        label=_("category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
    )
    # Set by "all offers of this organisation" links; a select of every organisation would
    # be thousands of options in a city-wide installation.
    organisation = forms.UUIDField(required=False, widget=forms.HiddenInput)
    language = forms.ModelChoiceField(
        label=_("language"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *Offer.Status.choices], required=False
    )

    def __init__(self, *args, organisations, **kwargs):
        self.organisations = organisations
        super().__init__(*args, **kwargs)

    def clean_organisation(self):
        public_id = self.cleaned_data.get("organisation")
        if public_id is None:
            return None
        organisation = self.organisations.filter(public_id=public_id).first()
        if organisation is None:
            raise forms.ValidationError(_("Unknown organisation."))
        return organisation


class OrganisationFilterForm(EntryFilterForm):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", "—"), *Organisation.Kind.choices], required=False
    )
