"""Keeping the search index current: documents are rebuilt for the offers a change touched,
inside the same transaction as the change."""

from collections.abc import Iterable

from django.db.models import Prefetch

from wegweiser.search.models import SearchDocument, SearchTerm
from wegweiser.search.normalize import normalize

SOURCE_LANGUAGE = "de"


def _offer_queryset(offer_ids):
    from wegweiser.directory.models import Category, CategoryTranslation, Offer

    return (
        Offer.objects.filter(pk__in=offer_ids)
        .select_related("organisation")
        .prefetch_related(
            "translations",
            "organisation__translations",
            "target_groups",
            Prefetch(
                "categories",
                queryset=Category.objects.select_related("parent").prefetch_related(
                    Prefetch("translations", queryset=CategoryTranslation.objects.all())
                ),
            ),
        )
    )


def _glossary_words(text: str, glossary) -> list[str]:
    found = []
    for variants, words in glossary:
        if any(v in text for v in variants):
            found.extend(words)
    return found


def documents_for(offer, glossary=()) -> dict[str, str]:
    """The normalised text of an offer per language: German always, plus every translation."""
    by_language: dict[str, list[str]] = {}
    categories = list(offer.categories.all())
    parents = {c.parent for c in categories if c.parent_id}
    groups = list(offer.target_groups.all())
    org_translations = {t.language: t for t in offer.organisation.translations.all() if t.reviewed}
    versions = {SOURCE_LANGUAGE: offer}
    versions.update({t.language: t for t in offer.translations.all() if t.reviewed})
    for language, version in versions.items():
        parts = [version.name, version.summary, version.description, version.eligibility]
        org = org_translations.get(language)
        parts.append(org.name if org and org.name else offer.organisation.name)
        for category in [*categories, *parents]:
            parts.append(category.name)
            parts.extend(t.name for t in category.translations.all() if t.language == language)
        for group in groups:
            parts.append(group.names.get(language) or group.name)
        text = " ".join(p for p in parts if p)
        parts.extend(_glossary_words(normalize(text), glossary))
        by_language[language] = normalize(" ".join(p for p in parts if p))
    return by_language


def _glossary():
    from wegweiser.site.models import GlossaryTerm

    result = []
    for term in GlossaryTerm.objects.prefetch_related("translations"):
        variants = [normalize(v) for v in term.all_variants()]
        words = [term.term] + [t.term for t in term.translations.all() if t.term]
        result.append((variants, words))
    return result


PUBLIC_STATUSES = ("active", "temporarily_closed")


def is_public(offer) -> bool:
    """Only what the public guide shows is indexed, so an unfiltered search needs no join."""
    return (
        offer.entry_status == "active"
        and offer.organisation.entry_status == "active"
        and offer.status in PUBLIC_STATUSES
    )


def index_offers(offer_ids: Iterable[int]) -> int:
    """Rebuild the documents of these offers (those not shown publicly leave the index)."""
    ids = list(set(offer_ids))
    if not ids:
        return 0
    glossary = _glossary()
    SearchDocument.objects.filter(offer_id__in=ids).delete()
    documents, vocabulary = [], set()
    for chunk_start in range(0, len(ids), 2000):
        chunk = ids[chunk_start : chunk_start + 2000]
        for offer in _offer_queryset(chunk):
            if not is_public(offer):
                continue
            for language, text in documents_for(offer, glossary).items():
                documents.append(SearchDocument(offer=offer, language=language, text=text))
                vocabulary.update(t for t in text.split() if 3 <= len(t) <= 40)
    SearchDocument.objects.bulk_create(documents, batch_size=2000)
    SearchTerm.objects.bulk_create(
        (SearchTerm(term=t, length=len(t)) for t in vocabulary),
        batch_size=5000,
        ignore_conflicts=True,
    )
    return len(documents)


def rebuild_index() -> int:
    from wegweiser.directory.models import Offer

    SearchDocument.objects.all().delete()
    return index_offers(Offer.objects.values_list("pk", flat=True))
