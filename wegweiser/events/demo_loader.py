"""The demo district's calendar (events/demo/events_*.json): dates are given relative to the
day the demo is loaded, so the calendar is alive right after `make run`. Events are keyed by
stable UUIDs and only created when missing."""

import json
from datetime import datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from wegweiser.core.models import Language
from wegweiser.directory.models import Category, Location, Organisation, TargetGroup
from wegweiser.directory.reference import stable_uuid
from wegweiser.events.models import Event, EventDate, EventTranslation, Occasion, OccurrenceChange
from wegweiser.events.recurrence import BERLIN, series_starts

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def _first_day(start: dict, today):
    if "in_days" in start:
        return today + timedelta(days=start["in_days"])
    ahead = (start["weekday"] - today.weekday() - 1) % 7 + 1  # the next such weekday
    return today + timedelta(days=ahead + 7 * start.get("in_weeks", 0))


def load_demo_events(office) -> int:
    today = timezone.localdate()
    created = 0
    organisations = {o.public_id: o for o in Organisation.objects.filter(office=office)}
    locations = {loc.public_id: loc for loc in Location.objects.filter(office=office)}
    categories = {c.code: c for c in Category.objects.all()}
    groups = {g.code: g for g in TargetGroup.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    occasions = {o.code: o for o in Occasion.objects.all()}
    for path in sorted(DEMO_DIR.glob("events_*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            public_id = stable_uuid("event", row["key"])
            if Event.objects.filter(public_id=public_id).exists():
                continue
            day = _first_day(row["start"], today)
            all_day = row["time"] is None
            hours, minutes = (0, 0) if all_day else map(int, row["time"].split(":"))
            starts_at = datetime.combine(day, time(hours, minutes), BERLIN)
            organisation = organisations[stable_uuid("organisation", row["organisation"])]
            event = Event(
                public_id=public_id,
                office=office,
                organisation=organisation,
                title=row["title"],
                summary=row["summary"],
                description=row["description"],
                status=row["status"],
                place=row["place"],
                location=locations.get(stable_uuid("location", row["location"] or "")),
                address=row["address"],
                online_url=row["online_url"],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=row["duration_minutes"]),
                all_day=all_day,
                repeat=row["repeat"],
                interval=row["interval"] or 1,
                week_of_month=row["week_of_month"],
                repeat_count=row["repeat_count"],
                age_min=row["age_min"],
                age_max=row["age_max"],
                cost=row["cost"],
                fee_text=row["fee_text"],
                step_free=row["step_free"],
                accessibility_notes=row["accessibility_notes"],
                occasion=occasions.get(row["occasion"] or ""),
                registration=row["registration"],
                registration_url=row["registration_url"],
                capacity=row["capacity"],
                is_demo=True,
            )
            event.save()
            event.co_organisers.set(
                organisations[stable_uuid("organisation", key)] for key in row["co_organisers"]
            )
            event.categories.set(categories[c] for c in row["categories"] if c in categories)
            event.target_groups.set(groups[g] for g in row["target_groups"] if g in groups)
            event.languages.set(languages[code] for code in row["languages"] if code in languages)
            for offset in row["extra_dates_in_days"] or []:
                EventDate.objects.create(
                    event=event, kind="extra", date=today + timedelta(days=offset)
                )
            starts = series_starts(event)
            if row["skip_occurrence"] and row["skip_occurrence"] <= len(starts):
                skipped = starts[row["skip_occurrence"] - 1]
                EventDate.objects.create(event=event, kind="exception", date=skipped.date())
            if row["cancel_occurrence"] and row["cancel_occurrence"] <= len(starts):
                OccurrenceChange.objects.create(
                    event=event,
                    original_start=starts[row["cancel_occurrence"] - 1],
                    cancelled=True,
                    note="Fällt aus – Ersatztermin folgt.",
                )
            for language, texts in row["translations"].items():
                EventTranslation.objects.create(
                    event=event,
                    language=language,
                    source_revision=event.revision,
                    title=texts.get("title", ""),
                    summary=texts.get("summary", ""),
                )
            event.save()
            created += 1
    return created


def load_occasions() -> None:
    """The yearly occasions and their dates (events/data/occasions.json); idempotent."""
    from wegweiser.events.models import OccasionDate

    path = Path(__file__).resolve().parent / "data" / "occasions.json"
    for row in json.loads(path.read_text(encoding="utf-8")):
        occasion, _ = Occasion.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "names": row["names"],
                "description": row.get("description", ""),
            },
        )
        for year, (first, last) in row["dates"].items():
            OccasionDate.objects.update_or_create(
                occasion=occasion,
                year=int(year),
                defaults={"starts_on": first, "ends_on": last},
            )
