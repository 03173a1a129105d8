"""The coordinator's form for an edition."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wegweiser.directory.models import Area, Category
from wegweiser.directory.validators import reencode_logo
from wegweiser.guide.brochure import RTL
from wegweiser.guide.models import Edition, Paper
from wegweiser.site.localize import SOURCE

OTHER_LANGUAGES = [(code, name) for code, name in settings.LANGUAGES if code != SOURCE]


class EditionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages besides German"),
        choices=OTHER_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Category.objects.filter(parent__isnull=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Edition
        fields = [
            "number",
            "title",
            "stand",
            "foreword",
            "funding_notice",
            "all_offers",
            "categories",
            "areas",
            "languages",
            "logo",
        ]
        widgets = {
            "stand": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "foreword": forms.Textarea(attrs={"rows": 6}),
            "funding_notice": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            latest = Edition.objects.filter(office=office).order_by("-number").first()
            self.initial.setdefault("number", (latest.number + 1) if latest else 1)
            if not self.instance.languages:
                self.initial["languages"] = [code for code, _name in OTHER_LANGUAGES]
        for code, name in OTHER_LANGUAGES:
            self.fields[f"foreword_{code}"] = forms.CharField(
                label=_("Foreword in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(
                    attrs={"rows": 3, "lang": code, "dir": "rtl" if code in RTL else "ltr"}
                ),
                initial=self.instance.foreword_translations.get(code, ""),
                help_text=_("Left empty, the German foreword is printed, marked as German."),
            )

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = Edition.objects.filter(office=self.office, number=number).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise forms.ValidationError(_("There is already an edition with this number."))
        return number

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo is not self.initial.get("logo") and hasattr(logo, "content_type"):
            return reencode_logo(logo)
        return logo

    def clean(self):
        data = super().clean()
        if not data.get("all_offers") and not data.get("categories") and not data.get("areas"):
            raise forms.ValidationError(
                _("Choose topics or areas for the edition, or take all published offers.")
            )
        return data

    def apply(self) -> Edition:
        """The edition with the form's values (not saved)."""
        edition = self.instance
        edition.office = self.office
        edition.foreword_translations = {
            code: self.cleaned_data[f"foreword_{code}"].strip()
            for code, _name in OTHER_LANGUAGES
            if self.cleaned_data.get(f"foreword_{code}", "").strip()
        }
        return edition


class PrintForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    paper = forms.ChoiceField(label=_("Paper"), choices=Paper.choices)
