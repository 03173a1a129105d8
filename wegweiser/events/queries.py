"""Reads of the calendar: live events of live organisations, expanded into the occurrences of
a time window, with the public filters."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from wegweiser.directory.models import Category, CategoryTranslation, EntryStatus
from wegweiser.directory.queries import category_with_descendants
from wegweiser.events.models import Event, EventDate, EventTranslation, OccurrenceChange
from wegweiser.events.recurrence import BERLIN, Occurrence, SeriesRow, occurrences
from wegweiser.site.localize import localize, translations_prefetch
from wegweiser.site.queries import categories_localized


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


# What expanding a series needs; the texts, places and names are loaded only for the events
# a visitor's page shows (with_details_for).
EXPANSION_FIELDS = [
    "id",
    "title",
    "starts_at",
    "ends_at",
    "all_day",
    "status",
    "repeat",
    "interval",
    "week_of_month",
    "repeat_until",
    "repeat_count",
]


def occurrences_between(qs: QuerySet[Event], since: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence in [since, until): series are narrowed by their stored span first,
    and only those are expanded, from the rule, within the window. The occurrences carry
    plain rows (recurrence.SeriesRow) with what expansion needs; with_details_for loads
    the events a page shows."""
    window = qs.filter(series_start__lt=until, series_end__gt=since)
    rows = {
        values[0]: SeriesRow(*values) for values in window.values_list(*EXPANSION_FIELDS).order_by()
    }
    ids = window.values("pk")
    for event_id, kind, day in EventDate.objects.filter(event__in=ids).values_list(
        "event_id", "kind", "date"
    ):
        if event_id in rows:
            (rows[event_id].extra if kind == "extra" else rows[event_id].exceptions).add(day)
    for change in OccurrenceChange.objects.filter(event__in=ids):
        if change.event_id in rows:
            rows[change.event_id].changes[change.original_start] = change
    result = [o for row in rows.values() for o in occurrences(row, since, until)]
    return sorted(result, key=lambda o: (o.start, o.event.title, o.event.pk))


def with_details_for(items: list[Occurrence], language: str) -> list[Occurrence]:
    """The same occurrences with their events fully loaded (one query set for the page)."""
    ids = {o.event.pk for o in items}
    events = {e.pk: e for e in with_details(Event.objects.filter(pk__in=ids), language)}
    return [replace(o, event=events[o.event.pk]) for o in items if o.event.pk in events]


@dataclass
class FeedEntry:
    """An event with what its iCalendar entry shows, loaded in bulk for a whole feed."""

    event: Event
    extra: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


FEED_FIELDS = [
    *EXPANSION_FIELDS,
    "public_id",
    "uid",
    "version",
    "updated_at",
    "summary",
    "description",
    "place",
    "address",
    "online_url",
    "organisation__name",
    "organisation__email",
    "location__name",
    "location__street",
    "location__postcode",
    "location__city",
]


def feed_entries(qs: QuerySet[Event], language: str) -> list[FeedEntry]:
    """Events of a feed with their dates, single changes, topic names and texts in the
    language: six queries for any number of events (prefetching per object cost seconds at
    5 000 events)."""
    events = list(qs.select_related("organisation", "location").only(*FEED_FIELDS).order_by("pk"))
    entries = {e.pk: FeedEntry(e) for e in events}
    ids = qs.values("pk")
    for event_id, kind, day in EventDate.objects.filter(event__in=ids).values_list(
        "event_id", "kind", "date"
    ):
        if event_id in entries:
            target = (
                entries[event_id].extra
                if kind == EventDate.Kind.EXTRA
                else entries[event_id].exceptions
            )
            target.append(day)
    for change in OccurrenceChange.objects.filter(event__in=ids):
        if change.event_id in entries:
            entries[change.event_id].changes.append(change)
    names = {c.pk: str(localize(c, "name", language)) for c in categories_localized(language)}
    for event_id, category_id in Event.categories.through.objects.filter(event__in=ids).values_list(
        "event_id", "category_id"
    ):
        if event_id in entries:
            entries[event_id].categories.append(names[category_id])
    translations: dict[int, list] = {}
    if language != "de":
        for row in EventTranslation.objects.filter(event__in=ids, language=language, reviewed=True):
            translations.setdefault(row.event_id, []).append(row)
    for entry in entries.values():
        entry.event.translations_current = translations.get(entry.event.pk, [])
    return list(entries.values())
