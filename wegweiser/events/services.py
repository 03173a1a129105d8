"""Every write to the calendar goes through here: versioned saves with an audit entry, the
series' dates kept with the event, and cached public pages invalidated."""

from datetime import date

from django.db import transaction

from wegweiser.core.audit import audit_log
from wegweiser.core.content import content_changed
from wegweiser.core.records import record_create, record_update
from wegweiser.events.models import Event, EventDate, OccurrenceChange


def _save_dates(event: Event, extra: list[date] | None, exceptions: list[date] | None) -> None:
    for kind, dates in ((EventDate.Kind.EXTRA, extra), (EventDate.Kind.EXCEPTION, exceptions)):
        if dates is None:
            continue
        event.dates.filter(kind=kind).exclude(date__in=dates).delete()
        known = set(event.dates.filter(kind=kind).values_list("date", flat=True))
        EventDate.objects.bulk_create(
            EventDate(event=event, kind=kind, date=d) for d in dates if d not in known
        )
    event.save(update_fields=[])  # the series' span follows its dates


@transaction.atomic
def event_create(*, office, actor, data: dict, extra=None, exceptions=None) -> Event:
    event = record_create(
        Event,
        data,
        actor=actor,
        office=office,
        action="events.event.created",
        extra={"office": office},
    )
    _save_dates(event, extra, exceptions)
    content_changed()
    return event


@transaction.atomic
def event_update(
    event, *, data, expected_version, actor, office, extra=None, exceptions=None, minor=False
) -> Event:
    event = record_update(
        event,
        data,
        expected_version=expected_version,
        actor=actor,
        office=office,
        action="events.event.changed",
        minor=minor,
    )
    _save_dates(event, extra, exceptions)
    content_changed()
    return event


@transaction.atomic
def event_duplicate(event: Event, *, actor, office) -> Event:
    """A copy to adapt: same texts, place and series, a new identity, no single changes."""
    fields = [
        f.name
        for f in Event._meta.concrete_fields
        if f.editable and f.name not in ("id", "public_id", "office")
    ]
    data = {name: getattr(event, name) for name in fields}
    data["title"] = event.title[:190] + " (Kopie)"
    for relation in ("co_organisers", "categories", "target_groups", "languages"):
        data[relation] = list(getattr(event, relation).all())
    copy = event_create(
        office=office,
        actor=actor,
        data=data,
        extra=[d.date for d in event.dates.all() if d.kind == EventDate.Kind.EXTRA],
        exceptions=[d.date for d in event.dates.all() if d.kind == EventDate.Kind.EXCEPTION],
    )
    return copy


@transaction.atomic
def occurrence_change(event: Event, change: OccurrenceChange, *, actor, office) -> None:
    """Change or cancel one date of the series (the series itself stays as it is)."""
    change.event = event
    existing = OccurrenceChange.objects.filter(
        event=event, original_start=change.original_start
    ).first()
    if existing is not None:
        change.pk, change.sequence = existing.pk, existing.sequence + 1
    change.save()
    _dates_changed(
        event,
        actor,
        office,
        "events.occurrence.changed",
        {
            "occurrence": [None, change.original_start.isoformat()],
            "cancelled": [None, change.cancelled],
            "moved_to": [None, change.starts_at.isoformat() if change.starts_at else None],
        },
    )


@transaction.atomic
def occurrence_restore(event: Event, original_start, *, actor, office) -> None:
    OccurrenceChange.objects.filter(event=event, original_start=original_start).delete()
    _dates_changed(
        event,
        actor,
        office,
        "events.occurrence.restored",
        {"occurrence": [original_start.isoformat(), None]},
    )


def _dates_changed(event: Event, actor, office, action: str, changes: dict) -> None:
    """A single date changed: a new version (the feeds' SEQUENCE), the series' span, the
    audit entry, fresh public pages."""
    Event.objects.filter(pk=event.pk).update(version=event.version + 1)
    event.refresh_from_db()
    event.save(update_fields=[])
    audit_log(action=action, actor=actor, office=office, obj=event, changes=changes)
    content_changed()


@transaction.atomic
def event_archive(event: Event, *, archived: bool, actor, office) -> Event:
    from wegweiser.core.records import record_set_fields

    event = record_set_fields(
        event,
        {"entry_status": "archived" if archived else "active"},
        actor=actor,
        office=office,
        action="events.event.archived" if archived else "events.event.restored",
    )
    content_changed()
    return event
