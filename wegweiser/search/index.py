"""Keeping the search index current: documents are rebuilt for the offers a change touched,
inside the same transaction as the change."""

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from wegweiser.search.facets import offer_facets
from wegweiser.search.models import SearchDocument, SearchLanguage, SearchTerm
from wegweiser.search.normalize import normalize

SOURCE_LANGUAGE = "de"
FRESH_EPOCH = date(2000, 1, 1)
MAX_OFFER_ID = 2**32 - 1
MAX_SLOT = 255


def document_id(fresh: int, offer_id: int, slot: int) -> int:
    """The packed id of a document (see models.py): freshness, offer, language slot."""
    if not 0 < offer_id <= MAX_OFFER_ID or not 0 < slot <= MAX_SLOT:
        raise ValueError(f"offer {offer_id} / language slot {slot} out of the packed range")
    return fresh << 40 | offer_id << 8 | slot


def offer_of(document_id: int) -> int:
    return (document_id >> 8) & MAX_OFFER_ID


def freshness(offer) -> int:
    """Days since 2000-01-01 on which the offer was last verified (0: never)."""
    if offer.verified_at is None:
        return 0
    return max(0, (offer.verified_at.date() - FRESH_EPOCH).days)


def language_slots(codes: Iterable[str], *, create: bool = False) -> dict[str, int]:
    """The slot of each language; with create, a language without one gets the lowest free
    slot. Slots are chosen here, not by a database sequence: PostgreSQL sequences never go
    back (a rolled-back insert still uses a number), and a slot must stay below 256."""
    codes = set(codes)
    slots = dict(SearchLanguage.objects.filter(code__in=codes).values_list("code", "pk"))
    if create:
        for code in sorted(codes - slots.keys()):
            slots[code] = _new_slot(code)
    return slots


def _new_slot(code: str) -> int:
    for _attempt in range(5):
        taken = set(SearchLanguage.objects.values_list("pk", flat=True))
        existing = SearchLanguage.objects.filter(code=code).values_list("pk", flat=True).first()
        if existing is not None:
            return existing
        free = next((n for n in range(1, MAX_SLOT + 1) if n not in taken), None)
        if free is None:
            raise ValueError(f"no search slot left for language {code}")
        try:
            with transaction.atomic():  # another writer may take the same slot meanwhile
                return SearchLanguage.objects.create(pk=free, code=code).pk
        except IntegrityError:
            continue
    raise ValueError(f"could not give language {code} a search slot")


def _offer_queryset(offer_ids):
    from wegweiser.directory.models import Category, Offer, OfferLocation

    return (
        Offer.objects.filter(pk__in=offer_ids)
        .select_related("organisation")
        .prefetch_related(
            "translations",
            "organisation__translations",
            "target_groups",
            "languages",
            Prefetch("offer_locations", queryset=OfferLocation.objects.select_related("location")),
            Prefetch(
                "categories",
                queryset=Category.objects.select_related("parent"),
            ),
        )
    )


def _glossary_words(text: str, glossary) -> list[str]:
    found = []
    for variants, words in glossary:
        if any(v in text for v in variants):
            found.extend(words)
    return found


def _category_names() -> dict[tuple[int, str], str]:
    """Every category's translated name by (category, language); there are few categories."""
    from wegweiser.directory.models import CategoryTranslation

    return {
        (category_id, language): name
        for category_id, language, name in CategoryTranslation.objects.values_list(
            "category_id", "language", "name"
        )
        if name
    }


def documents_for(offer, glossary=(), category_names=None) -> dict[str, tuple[str, str]]:
    """The normalised name and text of an offer per language: German always, plus every
    reviewed translation (a translation without a name searches under the German one).
    `category_names` (from `_category_names`) saves a query per parent category."""
    if category_names is None:
        category_names = _category_names()
    by_language: dict[str, tuple[str, str]] = {}
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
            if (category.pk, language) in category_names:
                parts.append(category_names[(category.pk, language)])
        for group in groups:
            parts.append(group.names.get(language) or group.name)
        text = " ".join(p for p in parts if p)
        parts.extend(_glossary_words(normalize(text), glossary))
        name = normalize(version.name or offer.name)
        by_language[language] = (name, normalize(" ".join(p for p in parts if p)))
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
    from wegweiser.directory.models import Area, Category

    glossary = _glossary()
    category_names = _category_names()
    category_parents = dict(Category.objects.values_list("pk", "parent_id"))
    area_parents = dict(Area.objects.values_list("pk", "parent_id"))
    SearchDocument.objects.filter(offer_id__in=ids).delete()
    documents, vocabulary, slots = [], set(), {}
    for chunk_start in range(0, len(ids), 2000):
        chunk = ids[chunk_start : chunk_start + 2000]
        for offer in _offer_queryset(chunk):
            if not is_public(offer):
                continue
            fresh = freshness(offer)
            facets = offer_facets(offer, category_parents, area_parents)
            texts = documents_for(offer, glossary, category_names)
            if texts.keys() - slots.keys():
                slots.update(language_slots(texts.keys() - slots.keys(), create=True))
            for language, (name, text) in texts.items():
                documents.append(
                    SearchDocument(
                        id=document_id(fresh, offer.pk, slots[language]),
                        offer=offer,
                        language=language,
                        name=name,
                        text=text,
                        facets=facets,
                        fresh=fresh,
                    )
                )
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
