"""The workbench form: one field per translatable text, checked against the source."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wegweiser.translations.workbench import translation_problems


class TranslationForm(forms.Form):
    source_revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, record, language, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        self.fields["source_revision"].initial = record.revision
        self.text_fields = [f for f in record.TRANSLATABLE_FIELDS if getattr(record, f)]
        for name in self.text_fields:
            self.fields[name] = forms.CharField(
                label=record._meta.get_field(name).verbose_name,
                required=False,
                widget=forms.Textarea(
                    attrs={"rows": 4, "lang": language.code, "dir": language.direction}
                ),
                initial=getattr(existing, name, "") if existing else "",
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source_revision") != self.record.revision:
            raise forms.ValidationError(
                _(
                    "The source text changed while you were translating. "
                    "Look at the change below and check your translation."
                )
            )
        for name in self.text_fields:
            problems = translation_problems(getattr(self.record, name), cleaned.get(name, ""))
            if "placeholders" in problems:
                self.add_error(name, _("Keep the placeholders of the source text exactly."))
            if "markup" in problems:
                self.add_error(name, _("The source has no HTML; please remove the tags."))
        return cleaned

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.text_fields}
