"""Content in the visitor's language, falling back to the German source per field and
saying so (the template marks fallback text with lang="de" and a notice)."""

from dataclasses import dataclass

from django.db.models import Prefetch

SOURCE = "de"


@dataclass(frozen=True)
class Localized:
    value: str
    language: str
    fallback: bool
    machine: bool = False  # machine-translated and not yet reviewed

    def __str__(self) -> str:
        return self.value


def translations_prefetch(relation: str, model, language: str) -> Prefetch:
    """Prefetch only the visitor's translation rows, into `<relation>_current`."""
    return Prefetch(
        relation,
        queryset=model.objects.filter(language=language, reviewed=True),
        to_attr=f"{relation.rsplit('__', 1)[-1]}_current",
    )


def localize(obj, field: str, language: str) -> Localized:
    source = getattr(obj, field, "") or ""
    if language == SOURCE:
        return Localized(source, SOURCE, False)
    rows = getattr(obj, "translations_current", None)
    if rows is None:
        rows = [t for t in obj.translations.all() if t.language == language and t.reviewed]
    for row in rows:
        value = getattr(row, field, "")
        if value:
            return Localized(value, language, False, getattr(row, "origin", "") == "machine")
    return Localized(source, SOURCE, bool(source))
