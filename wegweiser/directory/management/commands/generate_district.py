import random
import uuid
from datetime import time, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wegweiser.accounts.models import Office
from wegweiser.core.content import content_changed
from wegweiser.core.models import Language
from wegweiser.directory.models import (
    Area,
    Category,
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    Organisation,
    TargetGroup,
)
from wegweiser.directory.reference import reference_data_load
from wegweiser.search.index import index_offers

WORDS = [
    "Beratung",
    "Deutschkurs",
    "Elterncafé",
    "Hausaufgabenhilfe",
    "Frauentreff",
    "Sprachcafé",
    "Jugendtreff",
    "Sozialberatung",
    "Nähwerkstatt",
    "Fahrradwerkstatt",
    "Nachbarschaftsgarten",
    "Integrationskurs",
    "Bewerbungstraining",
    "Schuldnerberatung",
    "Gesundheitslotsen",
    "Mutter-Kind-Gruppe",
    "Lernpatenschaft",
    "Kochabend",
    "Theatergruppe",
    "Fußballtraining",
]
STREETS = [
    "Eisenbahnstraße",
    "Hermann-Liebmann-Straße",
    "Konradstraße",
    "Ludwigstraße",
    "Kirchstraße",
    "Wurzner Straße",
    "Dresdner Straße",
    "Mariannenstraße",
    "Bernhardstraße",
    "Torgauer Straße",
    "Rosa-Luxemburg-Straße",
    "Josephinenstraße",
]
SENTENCES = [
    "Wir beraten vertraulich und kostenlos.",
    "Eine Anmeldung ist nicht nötig, kommen Sie einfach vorbei.",
    "Dolmetschende können auf Wunsch organisiert werden.",
    "Das Angebot richtet sich an alle Menschen im Leipziger Osten.",
    "Bringen Sie bitte Ihre Unterlagen und Ihren Ausweis mit.",
    "Kinder sind herzlich willkommen.",
    "Die Räume sind barrierefrei erreichbar.",
    "Wir helfen beim Ausfüllen von Anträgen, zum Beispiel für das Bildungs- und Teilhabepaket.",
]


class Command(BaseCommand):
    help = "Generate a large synthetic district for benchmarks (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("--offers", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--office", default="synthetic", help="slug of the office to fill")

    def handle(self, *args, offers: int, seed: int, office: str, **options):
        if not 1 <= offers <= 1_000_000:
            raise CommandError("--offers must be between 1 and 1000000")
        # Synthetic data, reproducible by design: not for anything secret.
        rng = random.Random(seed)  # noqa: S311  # nosec B311
        counts = generate(rng, offers=offers, office_slug=office)
        self.stdout.write(
            f"Generated {counts['organisations']} organisations, {counts['offers']} offers, "
            f"{counts['locations']} locations in office '{office}' (seed {seed})."
        )


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _review(rng: random.Random, now) -> dict:
    # bulk_create skips save(), so the derived due date is set here the same way.
    verified_at = now - timedelta(days=rng.randint(0, 400))
    return {"verified_at": verified_at, "review_due_at": verified_at + timedelta(days=182)}


@transaction.atomic
def generate(rng: random.Random, *, offers: int, office_slug: str) -> dict[str, int]:
    """Fill an office with `offers` offers, one organisation per ~4 offers and one location
    per ~10 offers; each offer at one location with two opening windows."""
    reference_data_load(django_apps)
    office, created = Office.objects.get_or_create(
        slug=office_slug, defaults={"name": f"Synthetic district {office_slug}"}
    )
    if not created and office.organisations.exists():
        raise CommandError(f"Office '{office_slug}' already has data; use another --office.")
    now = timezone.now()
    areas = list(Area.objects.filter(kind=Area.Kind.SUBDISTRICT))
    categories = list(Category.objects.filter(parent__isnull=False))
    groups = list(TargetGroup.objects.all())
    languages = list(Language.objects.all())
    n_orgs, n_locs = max(1, offers // 4), max(1, offers // 10)

    orgs = Organisation.objects.bulk_create(
        Organisation(
            public_id=_uuid(rng),
            office=office,
            name=f"{rng.choice(WORDS)}verein {i:06d} e.V.",
            kind=rng.choice(Organisation.Kind.values),
            description=" ".join(rng.sample(SENTENCES, 3)),
            **_review(rng, now),
        )
        for i in range(n_orgs)
    )
    locs = Location.objects.bulk_create(
        Location(
            public_id=_uuid(rng),
            office=office,
            name=f"Haus {i:05d}",
            street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            postcode="04315",
            latitude=Decimal(f"{rng.uniform(51.330, 51.365):.6f}"),
            longitude=Decimal(f"{rng.uniform(12.390, 12.470):.6f}"),
            area=rng.choice(areas),
            step_free_access=rng.random() < 0.4,
            **_review(rng, now),
        )
        for i in range(n_locs)
    )
    offer_rows = Offer.objects.bulk_create(
        (
            Offer(
                public_id=_uuid(rng),
                organisation=rng.choice(orgs),
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i:06d}",
                summary=rng.choice(SENTENCES),
                description=" ".join(rng.sample(SENTENCES, 4)),
                cost=rng.choice(["free", "free", "fee"]),
                fee_text="",
                **_review(rng, now),
            )
            for i in range(offers)
        ),
        batch_size=2000,
    )
    through = [
        (Offer.categories.through, "category", categories),
        (Offer.target_groups.through, "targetgroup", groups),
        (Offer.languages.through, "language", languages),
    ]
    for model, field, choices in through:
        model.objects.bulk_create(
            (
                model(offer_id=o.pk, **{f"{field}_id": c.pk})
                for o in offer_rows
                for c in rng.sample(choices, 2)
            ),
            batch_size=5000,
        )
    placed = OfferLocation.objects.bulk_create(
        (
            OfferLocation(public_id=_uuid(rng), offer=o, location=rng.choice(locs))
            for o in offer_rows
        ),
        batch_size=5000,
    )
    OpeningHours.objects.bulk_create(
        (
            OpeningHours(
                offer_location=p, weekday=day, opens=time(9 + s * 5, 0), closes=time(12 + s * 5, 0)
            )
            for p in placed
            for day in rng.sample(range(5), 2)
            for s in (0, 1)
        ),
        batch_size=5000,
    )
    index_offers(o.pk for o in offer_rows)
    content_changed()
    return {"organisations": len(orgs), "offers": len(offer_rows), "locations": len(locs)}
