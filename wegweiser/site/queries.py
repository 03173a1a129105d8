"""Reads for the public guide: only live entries, in the visitor's language, with filters that
are plain query parameters."""

from django.db.models import Prefetch, Q, QuerySet
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
from wegweiser.site.localize import translations_prefetch

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
    if data.get("open_now"):
        qs = qs.filter(open_at_q(timezone.now()))
    if data.get("weekday") is not None:
        qs = qs.filter(open_on_weekday_q(data["weekday"]))
    if data.get("no_appointment"):
        qs = qs.filter(registration_required=False).exclude(
            pk__in=OfferLocation.objects.filter(by_appointment_only=True).values("offer_id")
        )
    return qs
