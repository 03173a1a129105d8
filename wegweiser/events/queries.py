"""Reads of the calendar: live events of live organisations, expanded into the occurrences of
a time window, with the public filters."""

from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from wegweiser.directory.models import Category, CategoryTranslation, EntryStatus
from wegweiser.directory.queries import category_with_descendants
from wegweiser.events.models import Event, EventTranslation
from wegweiser.events.recurrence import BERLIN, Occurrence, occurrences
from wegweiser.site.localize import translations_prefetch


def public_events() -> QuerySet[Event]:
    return Event.objects.filter(
        entry_status=EntryStatus.ACTIVE, organisation__entry_status=EntryStatus.ACTIVE
    )


def with_details(qs: QuerySet[Event], language: str) -> QuerySet[Event]:
    return qs.select_related("organisation", "location", "occasion").prefetch_related(
        "dates",
        "changes",
        translations_prefetch("translations", EventTranslation, language),
        Prefetch(
            "categories",
            queryset=Category.objects.prefetch_related(
                translations_prefetch("translations", CategoryTranslation, language)
            ),
        ),
    )


def apply_filters(qs: QuerySet[Event], data: dict) -> QuerySet[Event]:
    """data: a cleaned EventFilterForm."""
    if data.get("category"):
        qs = qs.filter(categories__in=category_with_descendants(data["category"]))
    if data.get("language"):
        qs = qs.filter(languages=data["language"])
    if data.get("target"):
        qs = qs.filter(target_groups=data["target"])
    if data.get("occasion"):
        qs = qs.filter(occasion=data["occasion"])
    if data.get("area"):
        areas = [data["area"].pk, *data["area"].children.values_list("pk", flat=True)]
        qs = qs.filter(location__area__in=areas)
    if data.get("free"):
        qs = qs.filter(cost=Event.Cost.FREE)
    if data.get("accessible"):
        qs = qs.filter(Q(step_free=True) | Q(location__step_free_access=True))
    return qs.distinct()


def window(when: str, now: datetime) -> tuple[datetime, datetime]:
    """today / this week (today and the next six days) / this month (the next 31 days)."""
    start = now.astimezone(BERLIN).replace(hour=0, minute=0, second=0, microsecond=0)
    days = {"today": 1, "week": 7, "month": 31}.get(when, 7)
    return start, start + timedelta(days=days)


def occurrences_between(qs: QuerySet[Event], since: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence in [since, until): series are narrowed by their stored span first,
    and only those are expanded, from the rule, within the window."""
    events = qs.filter(series_start__lt=until, series_end__gt=since)
    result = [o for event in events for o in occurrences(event, since, until)]
    return sorted(result, key=lambda o: (o.start, o.event.title))
