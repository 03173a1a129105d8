"""A synthetic calendar for benchmarks and tests: `count` events of an office's organisations,
a fifth of them weekly or monthly series, spread over the coming year. Deterministic for a
given random generator."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from wegweiser.core.models import Language
from wegweiser.directory.models import Category, Location, Organisation
from wegweiser.events.models import Event
from wegweiser.events.recurrence import BERLIN

TITLES = [
    "Sprachcafé",
    "Elterncafé",
    "Nähtreff",
    "Fahrradwerkstatt",
    "Kochabend",
    "Lesung",
    "Infoabend",
    "Frauenfrühstück",
    "Hausaufgabenhilfe",
    "Nachbarschaftsfest",
]


@transaction.atomic
def generate_events(rng: random.Random, office, count: int) -> int:
    organisations = list(Organisation.objects.filter(office=office).values_list("pk", flat=True))
    locations = list(Location.objects.filter(office=office).values_list("pk", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False))
    languages = list(Language.objects.all()[:8])
    today = timezone.localdate()
    events = []
    for n in range(count):
        day = today + timedelta(days=rng.randint(-20, 340))
        start = datetime.combine(day, time(rng.choice([10, 14, 16, 17, 18]), 0), BERLIN)
        recurring = n % 5 == 0
        event = Event(
            office=office,
            organisation_id=rng.choice(organisations),
            title=f"{rng.choice(TITLES)} {n:05d}",
            summary="Offen für alle Nachbarinnen und Nachbarn.",
            place=Event.Place.LOCATION,
            location_id=rng.choice(locations),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            repeat=(rng.choice(["weekly", "weekly", "monthly_weekday"]) if recurring else "none"),
            week_of_month=rng.choice([1, 2, 3, -1]) if recurring else None,
            repeat_count=rng.randint(8, 40) if recurring else None,
            cost=rng.choice(["free", "free", "fee"]),
            step_free=rng.random() < 0.5,
        )
        event.save()  # computes the series' span; bulk_create would skip it
        events.append(event)
    Through = Event.categories.through
    Through.objects.bulk_create(
        Through(event_id=e.pk, category_id=rng.choice(categories).pk) for e in events
    )
    Languages = Event.languages.through
    Languages.objects.bulk_create(
        Languages(event_id=e.pk, language_id=rng.choice(languages).pk) for e in events
    )
    return len(events)
