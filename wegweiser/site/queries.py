"""Reads for the public guide: only live entries, in the visitor's language, with filters that
are plain query parameters."""

import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from wegweiser.directory.models import (
    Category,
    CategoryTranslation,
    EntryStatus,
    Offer,
    OfferLocation,
    OfferTranslation,
    Organisation,
    OrganisationTranslation,
)
from wegweiser.directory.queries import category_with_descendants
from wegweiser.site.hours import open_at_q, open_on_weekday_q
from wegweiser.site.localize import Localized, localize, translations_prefetch

# The same rule decides what the search index holds (search/index.py).
PUBLIC_STATUSES = [Offer.Status.ACTIVE, Offer.Status.TEMPORARILY_CLOSED]


def public_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(
        entry_status=EntryStatus.ACTIVE,
        organisation__entry_status=EntryStatus.ACTIVE,
        status__in=PUBLIC_STATUSES,
    )


def public_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(entry_status=EntryStatus.ACTIVE)


def with_translations(qs: QuerySet[Offer], language: str) -> QuerySet[Offer]:
    return qs.select_related("organisation").prefetch_related(
        translations_prefetch("translations", OfferTranslation, language),
        Prefetch(
            "organisation__translations",
            queryset=OrganisationTranslation.objects.filter(language=language, reviewed=True),
            to_attr="translations_current",
        ),
    )


@dataclass(frozen=True)
class Card:
    """What a result card shows of an offer, in the visitor's language."""

    url: str
    name: Localized
    summary: Localized
    organisation: Localized
    free: bool
    closed: bool


_ANY_ID = uuid.UUID(int=0)


def cards(offers, language: str) -> list[Card]:
    """Result cards for offers loaded with_translations (the URL is reversed once)."""
    pattern = reverse("site:offer", args=[_ANY_ID])
    return [
        Card(
            url=pattern.replace(str(_ANY_ID), str(offer.public_id)),
            name=localize(offer, "name", language),
            summary=localize(offer, "summary", language),
            organisation=localize(offer.organisation, "name", language),
            free=offer.cost == Offer.Cost.FREE,
            closed=offer.status == Offer.Status.TEMPORARILY_CLOSED,
        )
        for offer in offers
    ]


def offer_cards(ids: list[int], language: str) -> list[Card]:
    """The cards of a result page, in the order of ids, loading just what a card shows."""
    qs = Offer.objects.filter(pk__in=ids).only(
        "public_id", "name", "summary", "cost", "status", "organisation__name"
    )
    by_id = {offer.pk: offer for offer in with_translations(qs.order_by(), language)}
    return cards([by_id[pk] for pk in ids if pk in by_id], language)


def categories_localized(language: str) -> list[Category]:
    return list(
        Category.objects.select_related("parent")
        .prefetch_related(translations_prefetch("translations", CategoryTranslation, language))
        .order_by("position")
    )


def apply_filters(qs: QuerySet[Offer], data: dict) -> QuerySet[Offer]:
    """data: the cleaned search form."""
    if data.get("category"):
        qs = qs.filter(
            pk__in=Offer.categories.through.objects.filter(
                category_id__in=category_with_descendants(data["category"])
            ).values("offer_id")
        )
    if data.get("language"):
        qs = qs.filter(
            pk__in=Offer.languages.through.objects.filter(language=data["language"]).values(
                "offer_id"
            )
        )
    if data.get("target"):
        qs = qs.filter(
            pk__in=Offer.target_groups.through.objects.filter(targetgroup=data["target"]).values(
                "offer_id"
            )
        )
    age = data.get("age")
    if age is not None:
        qs = qs.filter(Q(age_min__isnull=True) | Q(age_min__lte=age)).filter(
            Q(age_max__isnull=True) | Q(age_max__gte=age)
        )
    if data.get("free"):
        qs = qs.filter(cost=Offer.Cost.FREE)
    if data.get("step_free"):
        qs = qs.filter(
            pk__in=OfferLocation.objects.filter(location__step_free_access=True).values("offer_id")
        )
    if data.get("area"):
        areas = [data["area"].pk, *data["area"].children.values_list("pk", flat=True)]
        qs = qs.filter(
            pk__in=OfferLocation.objects.filter(location__area__in=areas).values("offer_id")
        )
    if data.get("no_appointment"):
        qs = qs.filter(registration_required=False).exclude(
            pk__in=OfferLocation.objects.filter(by_appointment_only=True).values("offer_id")
        )
    return clock_filters(qs, data)


def clock_filters(qs: QuerySet[Offer], data: dict) -> QuerySet[Offer]:
    """The filters on opening hours, which depend on the clock (a search applies these in SQL,
    the others as filter words: search/facets.py)."""
    if data.get("open_now"):
        qs = qs.filter(open_at_q(timezone.now()))
    if data.get("weekday") is not None:
        qs = qs.filter(open_on_weekday_q(data["weekday"]))
    return qs


def has_clock_filters(data: dict) -> bool:
    return bool(data.get("open_now")) or data.get("weekday") is not None
