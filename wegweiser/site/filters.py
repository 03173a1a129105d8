"""The search filters as plain form fields, with every choice labelled in the visitor's language
(topic and target-group names translated, languages by their own names).

Django's widget rendering (or a template loop) costs milliseconds for the hundred options
here, on every search; the options are escaped once per process, language and content
generation instead, and a request only marks its choice."""

from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from wegweiser.core.content import cached_generation
from wegweiser.core.models import Language
from wegweiser.directory.models import Area, TargetGroup, Weekday
from wegweiser.events.models import Occasion
from wegweiser.site import queries
from wegweiser.site.localize import localize

SELECTS = ("category", "language", "target", "area", "weekday", "occasion")
CHECKBOXES = ("free", "step_free", "open_now", "no_appointment", "accessible")

_options: dict[tuple[int, str], dict[str, list[tuple[str, SafeString]]]] = {}


@dataclass
class FilterField:
    name: str
    label: str
    kind: str  # "select", "number" or "checkbox"
    value: str = ""
    options: list[tuple[str, SafeString]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def options_html(self) -> SafeString:
        """The <option> elements, the chosen one selected."""
        chosen = self.value
        return mark_safe(  # noqa: S308  # nosec B308 B703: every part was escaped by format_html
            "".join(
                html.replace("<option ", "<option selected ", 1) if value == chosen else html
                for value, html in self.options
            )
        )


def _escaped(choices) -> list[tuple[str, SafeString]]:
    return [
        (str(value), format_html('<option value="{}">{}</option>', value, text))
        for value, text in choices
    ]


def _build_options(language: str) -> dict[str, list[tuple[str, SafeString]]]:
    categories = queries.categories_localized(language)
    choices = {
        "category": [
            (c.code, ("\u00a0\u00a0" if c.parent_id else "") + str(localize(c, "name", language)))
            for c in categories
        ],
        "language": [(lang.code, lang.native_name or lang.name) for lang in Language.objects.all()],
        "target": [
            (g.code, g.names.get(language) or g.name) for g in TargetGroup.objects.order_by("name")
        ],
        "area": [(a.slug, a.name) for a in Area.objects.order_by("kind", "name")],
        "weekday": [(str(v), str(text)) for v, text in Weekday.choices],
        "occasion": [(o.code, o.name_in(language)) for o in Occasion.objects.all()],
    }
    return {name: _escaped([("", _("any")), *values]) for name, values in choices.items()}


def options_for(language: str) -> dict[str, list[tuple[str, SafeString]]]:
    key = (cached_generation(), language)
    if key not in _options:
        if any(k[0] != key[0] for k in _options):
            _options.clear()  # the content changed: every language is rebuilt
        _options[key] = _build_options(language)
    return _options[key]


def filter_fields(form, language: str) -> list[FilterField]:
    """The filter fields of a (bound or unbound) SearchForm, with the visitor's choices."""
    options = options_for(language)
    data = form.data if form.is_bound else {}
    errors = form.errors if form.is_bound else {}
    result = []
    for name in form.FILTERS:
        label = str(form.fields[name].label)
        value = str(data.get(name, "") or "")
        if name in SELECTS:
            kind, choices = "select", options[name]
        elif name in CHECKBOXES:
            kind, choices = "checkbox", []
        else:
            kind, choices = "number", []
        result.append(
            FilterField(name, label, kind, value, choices, [str(e) for e in errors.get(name, [])])
        )
    return result
