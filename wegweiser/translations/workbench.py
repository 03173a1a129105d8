"""The translators' workbench: what is missing or outdated in a language, most important
first, and one record at a time with its source, the change to the source since the last
translation, and the translation."""

import difflib
import re
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wegweiser.core.audit import audit_log, object_type_of
from wegweiser.core.models import SourceSnapshot
from wegweiser.directory import access
from wegweiser.directory.changes import directory_changed
from wegweiser.directory.models import Category, Contact, Location, Offer, Organisation
from wegweiser.events.models import Event
from wegweiser.site.models import GlossaryTerm, Page
from wegweiser.translations.state import (
    IN_REVIEW,
    MACHINE,
    MISSING,
    OUTDATED,
    with_translation_state,
)

# Most important first: shared texts every visitor meets, then the live directory.
KINDS = {
    "categories": Category,
    "glossary": GlossaryTerm,
    "pages": Page,
    "offers": Offer,
    "organisations": Organisation,
    "locations": Location,
    "contacts": Contact,
    "events": Event,
}
OPEN_STATES = [MISSING, OUTDATED, MACHINE, IN_REVIEW]


def records_for(kind: str, membership):
    """The records of this kind the member may translate (office-scoped where it applies)."""
    if kind == "offers":
        return access.offers_for(membership).filter(entry_status="active")
    if kind == "organisations":
        return access.organisations_for(membership).filter(entry_status="active")
    if kind == "locations":
        return access.locations_for(membership).filter(entry_status="active")
    if kind == "events":
        # Coming events only: a translation of last month's event helps nobody.
        return Event.objects.filter(
            organisation__in=access.organisations_for(membership),
            entry_status="active",
            series_end__gte=timezone.now(),
        )
    if kind == "contacts":
        return Contact.objects.filter(
            organisation__in=access.organisations_for(membership), is_public=True
        )
    return KINDS[kind].objects.all()


@dataclass
class QueueSection:
    kind: str
    label: str
    items: list
    total: int


def queue(membership, language: str, per_section: int = 25) -> list[QueueSection]:
    sections = []
    for kind, model in KINDS.items():
        todo = with_translation_state(records_for(kind, membership), language).filter(
            translation_state__in=OPEN_STATES
        )
        if kind == "offers":
            todo = todo.order_by("-verified_at", "pk")
        else:
            todo = todo.order_by("pk")
        sections.append(
            QueueSection(
                kind, str(model._meta.verbose_name_plural), list(todo[:per_section]), todo.count()
            )
        )
    return sections


def word_diff(old: str, new: str) -> SafeString:
    """A readable word-level diff: removed words in <del>, added words in <ins>."""
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(' '.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(' '.join(new_words[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308  # nosec B308 B703 - every word escaped


def source_changes(record, translated_revision: int | None) -> dict[str, SafeString] | None:
    """Per field, the diff from the source the translation was made from to the source now;
    None when that earlier source was not recorded."""
    if translated_revision is None or translated_revision >= record.revision:
        return {}
    old = SourceSnapshot.objects.filter(
        object_type=object_type_of(record), object_id=record.pk, revision=translated_revision
    ).first()
    if old is None:
        return None
    return {
        field: word_diff(old.texts.get(field, ""), getattr(record, field) or "")
        for field in record.TRANSLATABLE_FIELDS
        if (old.texts.get(field, "") or "") != (getattr(record, field) or "")
    }


_PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w*\}")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def translation_problems(source: str, translation: str) -> list[str]:
    """Placeholders must survive translation; markup must not appear from nowhere."""
    problems = []
    if sorted(_PLACEHOLDER.findall(source)) != sorted(_PLACEHOLDER.findall(translation)):
        problems.append("placeholders")
    if _TAG.search(translation) and not _TAG.search(source):
        problems.append("markup")
    return problems


def translation_save(record, language, values: dict[str, str], *, actor, office):
    """Store a human translation of the record's current source revision; where the
    language asks for a second pair of eyes, it waits for review before going public."""
    translations = record.translations
    row, _created = translations.model.objects.update_or_create(
        **{translations.field.name: record},
        language=language.code,
        defaults={
            **values,
            "source_revision": record.revision,
            "origin": "human",
            "translated_by": actor,
            "updated_at": timezone.now(),
            "reviewed": not language.requires_review,
        },
    )
    audit_log(
        action="translations.translation.saved",
        actor=actor,
        office=office,
        obj=record,
        changes={"language": [None, language.code], "source_revision": [None, record.revision]},
    )
    directory_changed(record)  # reindexes directory records; invalidates public pages
    return row


def can_review(membership, row, language) -> bool:
    """Anyone who may translate into the language reviews, but not their own translation."""
    return (
        row is not None
        and not row.reviewed
        and row.translated_by_id != membership.user_id
        and (membership.role != "translator" or language.code in (membership.languages or []))
    )


def translation_approve(record, row, *, actor, office) -> None:
    """The second pair of eyes: the translation goes public."""
    type(row).objects.filter(pk=row.pk).update(reviewed=True)
    audit_log(
        action="translations.translation.approved",
        actor=actor,
        office=office,
        obj=record,
        changes={"language": [None, row.language]},
    )
    directory_changed(record)


def memory_suggestions(record, language: str) -> dict[str, list[str]]:
    """Translation memory: for each field, how other records with exactly the same German
    text were translated (current, reviewed human translations only)."""
    model = type(record)
    translation_model = record.translations.model
    fk = record.translations.field.name
    suggestions: dict[str, list[str]] = {}
    for field in record.TRANSLATABLE_FIELDS:
        source = getattr(record, field)
        if not source:
            continue
        twins = model.objects.filter(**{field: source}).exclude(pk=record.pk)
        rows = (
            translation_model.objects.filter(
                **{f"{fk}__in": twins},
                language=language,
                origin="human",
                reviewed=True,
                source_revision=F(f"{fk}__revision"),
            )
            .exclude(**{field: ""})
            .values_list(field, flat=True)
            .distinct()[:3]
        )
        if rows:
            suggestions[field] = list(rows)
    return suggestions


@dataclass
class TermHint:
    german: str
    agreed: str


def glossary_hints(record, language: str) -> list[TermHint]:
    """Glossary words in the source, with their agreed translation."""
    text = " ".join(getattr(record, f) or "" for f in record.TRANSLATABLE_FIELDS)
    hints = []
    for term in GlossaryTerm.objects.prefetch_related("translations"):
        pattern = r"(?<!\w)(" + "|".join(re.escape(v) for v in term.all_variants()) + r")(?!\w)"
        if re.search(pattern, text, re.IGNORECASE):
            agreed = next((t.term for t in term.translations.all() if t.language == language), "")
            hints.append(TermHint(term.term, agreed))
    return hints


def glossary_warnings(hints: list[TermHint], translation: str) -> list[TermHint]:
    """Hints whose term the translation neither keeps in German nor renders as agreed."""
    lowered = translation.casefold()
    missing = []
    for hint in hints:
        agreed_core = hint.agreed.split(" (")[0].casefold() if hint.agreed else ""
        if hint.german.casefold() not in lowered and not (agreed_core and agreed_core in lowered):
            missing.append(hint)
    return missing
