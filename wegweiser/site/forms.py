"""Forms of the public guide. Search filters are GET parameters: bookmarkable, no JavaScript."""

import re
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from wegweiser.core.models import Language
from wegweiser.directory.models import Area, Category, TargetGroup, Weekday

MAX_QUERY = 200
# Control characters and Unicode direction overrides/isolates are dropped from queries.
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_UNWANTED_IN_MESSAGE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, limit: int) -> str:
    return " ".join(_UNWANTED.sub(" ", value).split())[:limit]


class GuideFilters(forms.Form):
    """Filters the guide's offer search and its calendar share (plain query parameters)."""

    category = forms.ModelChoiceField(
        label=_("Topic"), queryset=Category.objects.all(), to_field_name="code", required=False
    )
    target = forms.ModelChoiceField(
        label=_("For whom"),
        queryset=TargetGroup.objects.all(),
        to_field_name="code",
        required=False,
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.all(), to_field_name="slug", required=False
    )
    free = forms.BooleanField(label=_("Free of charge"), required=False)


class SearchForm(GuideFilters):
    q = forms.CharField(label=_("What are you looking for?"), required=False)
    language = forms.ModelChoiceField(
        label=_("Offered in language"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
    )
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    weekday = forms.TypedChoiceField(
        label=_("Open on"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    no_appointment = forms.BooleanField(label=_("No appointment needed"), required=False)

    FILTERS = [
        "category",
        "language",
        "target",
        "age",
        "area",
        "weekday",
        "free",
        "step_free",
        "open_now",
        "no_appointment",
    ]

    def clean_q(self):
        return clean_text(self.cleaned_data.get("q") or "", MAX_QUERY)


def form_stamp(moment: float | None = None) -> str:
    """When a form was shown, signed: a message sent within FEEDBACK_MIN_SECONDS of it comes
    from a bot (people read and type)."""
    return signing.dumps(int(moment if moment is not None else time.time()), salt=STAMP_SALT)


STAMP_SALT = "wegweiser.feedback.shown"


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label=_("What is wrong or missing?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact = forms.CharField(
        label=_("Your email or phone (optional, if you want an answer)"),
        max_length=200,
        required=False,
    )
    # A field people do not see; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown"].initial = form_stamp()

    def clean_shown(self):
        try:
            shown = signing.loads(self.cleaned_data.get("shown") or "", salt=STAMP_SALT)
        except signing.BadSignature:
            return None
        if not isinstance(shown, int):
            return None
        if time.time() - shown > 24 * 60 * 60:
            self.data = self.data.copy()
            self.data["shown"] = form_stamp()  # the form shown again can be sent
            # Said above the form: the stamp's own field is hidden.
            self.add_error(None, _("The form was open for more than a day. Please send it again."))
        return shown

    def clean_message(self):
        message = _UNWANTED_IN_MESSAGE.sub("", self.cleaned_data["message"]).strip()
        if len(message) < 3:
            raise forms.ValidationError(_("Please write a few words."))
        return message

    def is_spam(self) -> bool:
        """Filled-in honeypot, no stamp, or sent faster than a person could."""
        shown = self.cleaned_data.get("shown")
        return (
            bool(self.cleaned_data.get("website"))
            or shown is None
            or time.time() - shown < settings.FEEDBACK_MIN_SECONDS
        )
