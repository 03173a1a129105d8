"""Reusable reads of the directory for the staff lists."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wegweiser.directory.models import Category, EntryStatus, Offer, OfferLocation


def category_with_descendants(category: Category) -> list[int]:
    ids = [category.pk]
    frontier = [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def entries_filtered(qs: QuerySet, filters: dict) -> QuerySet:
    """Filters shared by every entry list: text, state (live/archived/all), stale."""
    q = (filters.get("q") or "").strip()
    if q:
        text = Q(name__icontains=q)
        if qs.model is Offer:
            text |= Q(summary__icontains=q) | Q(organisation__name__icontains=q)
        qs = qs.filter(text)
    state = filters.get("state") or "live"
    if state == "live":
        qs = qs.filter(entry_status=EntryStatus.ACTIVE)
    elif state == "archived":
        qs = qs.filter(entry_status=EntryStatus.ARCHIVED)
    if filters.get("stale"):
        qs = qs.filter(review_due_at__lt=timezone.now())
    return qs


def offers_filtered(qs: QuerySet[Offer], filters: dict) -> QuerySet[Offer]:
    qs = entries_filtered(qs, filters)
    # Filters over many-to-many relations go through subqueries, so no row is repeated and
    # no DISTINCT over whole rows is needed.
    if filters.get("category"):
        ids = category_with_descendants(filters["category"])
        qs = qs.filter(
            pk__in=Offer.categories.through.objects.filter(category_id__in=ids).values("offer_id")
        )
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("area"):
        qs = qs.filter(
            pk__in=OfferLocation.objects.filter(location__area=filters["area"]).values("offer_id")
        )
    if filters.get("language"):
        qs = qs.filter(
            pk__in=Offer.languages.through.objects.filter(language=filters["language"]).values(
                "offer_id"
            )
        )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.select_related("organisation").order_by("name", "pk")


def organisations_filtered(qs, filters: dict):
    qs = entries_filtered(qs, filters)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("area"):
        qs = qs.filter(areas=filters["area"])
    return qs.annotate(offer_count=Count("offers", distinct=True)).order_by("name", "pk")


def locations_filtered(qs, filters: dict):
    qs = entries_filtered(qs, filters)
    if filters.get("area"):
        qs = qs.filter(area=filters["area"])
    return qs.select_related("area").order_by("name", "pk")
