"""Translation state as data: for a whole list of records and one content language, whether
each translation is missing, current, outdated (the source changed after it was made) or
machine-translated and not yet reviewed — computed by the database in the list's own query."""

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.related import ForeignKey

MISSING, CURRENT, OUTDATED, MACHINE, IN_REVIEW = (
    "missing",
    "current",
    "outdated",
    "machine",
    "in_review",
)


def _translation_relation(model):
    """The translation model of a translatable model and the name of its foreign key."""
    related = model._meta.get_field("translations").related_model
    fk = next(
        f.name
        for f in related._meta.get_fields()
        if isinstance(f, ForeignKey) and f.related_model is model
    )
    return related, fk


def with_translation_state(qs: QuerySet, language: str) -> QuerySet:
    """Annotate `translation_state` (MISSING, CURRENT, OUTDATED, MACHINE or IN_REVIEW)."""
    translation_model, fk = _translation_relation(qs.model)
    rows = translation_model.objects.filter(**{fk: OuterRef("pk")}, language=language)
    return qs.annotate(
        _translated_revision=Subquery(rows.values("source_revision")[:1]),
        _translation_origin=Subquery(rows.values("origin")[:1]),
        _translation_reviewed=Subquery(rows.values("reviewed")[:1]),
    ).annotate(
        translation_state=Case(
            When(_translated_revision__isnull=True, then=Value(MISSING)),
            When(_translated_revision__lt=F("revision"), then=Value(OUTDATED)),
            When(_translation_reviewed=False, then=Value(IN_REVIEW)),
            When(_translation_origin="machine", then=Value(MACHINE)),
            default=Value(CURRENT),
            output_field=CharField(),
        )
    )
