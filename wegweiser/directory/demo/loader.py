"""Loads the demo district (see FORMAT.md beside this file). Records are keyed by stable
UUIDs derived from their keys and only created when missing, so a second run changes nothing."""

import json
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone

from wegweiser.accounts.models import Membership, Office, Role, User
from wegweiser.core.content import content_changed
from wegweiser.core.models import Language
from wegweiser.core.records import source_snapshot_save
from wegweiser.directory.models import (
    Area,
    Category,
    Community,
    Contact,
    Location,
    Offer,
    OfferLocation,
    OfferTranslation,
    OpeningHours,
    Organisation,
    OrganisationTranslation,
    ScheduleException,
    TargetGroup,
)
from wegweiser.directory.reference import reference_data_load, stable_uuid
from wegweiser.events.demo_loader import load_demo_events
from wegweiser.guide.demo import load_demo_editions
from wegweiser.partners.demo import load_demo_partners
from wegweiser.search.index import rebuild_index
from wegweiser.site.content import site_content_load

DEMO_DIR = Path(__file__).resolve().parent
DEMO_OFFICE = "Koordinierungsstelle Integration Leipziger Osten"
# Printed by `make run`; demo office only, refused in production.
DEMO_PASSWORD = "demo-wegweiser-2026"  # noqa: S105  # nosec B105

# username, first name, role, languages (translators), organisation keys (partner editors)
DEMO_USERS = [
    ("koordination", "Koordination (Demo)", Role.COORDINATOR, [], []),
    ("mitarbeit", "Mitarbeit (Demo)", Role.STAFF, [], []),
    ("partner", "Partnerverein (Demo)", Role.PARTNER_EDITOR, [], ["first-two"]),
    ("uebersetzung", "Übersetzung Arabisch (Demo)", Role.TRANSLATOR, ["ar"], []),
    ("lesen", "Lesezugang (Demo)", Role.VIEWER, [], []),
]


DEMO_OFFICE_SLUG = "leipziger-osten"


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("district_*.json"))


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class DemoLoader:
    def __init__(self, data: list[dict]):
        # The reference data normally comes with the migrations; make sure it is there even
        # after a database flush.
        reference_data_load(django_apps)
        self.data = data
        self.now = timezone.now()
        self.created = {"organisations": 0, "offers": 0, "locations": 0, "users": 0}
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        self.areas = {a.slug: a for a in Area.objects.all()}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.groups = {g.code: g for g in TargetGroup.objects.all()}
        self.communities = {c.code: c for c in Community.objects.all()}

    @transaction.atomic
    def run(self) -> dict[str, int]:
        self.office, _ = Office.objects.get_or_create(
            slug=DEMO_OFFICE_SLUG, defaults={"name": DEMO_OFFICE, "is_demo": True}
        )
        locations: dict[str, Location] = {}
        for part in self.data:
            for row in part.get("locations", []):
                locations[row["key"]] = self._location(row)
        organisations = []
        for part in self.data:
            for row in part.get("organisations", []):
                organisations.append(self._organisation(row, locations))
            self._translations(part.get("translations", {}))
        if self.created["offers"]:
            self._translation_states()
        self._users(organisations)
        return self.created

    def _translation_states(self) -> None:
        """Show every translation state right away: some machine-made and unreviewed, some
        outdated after an edit of the German text (with the change recorded for the
        workbench's diff); the rest current, and most offers untranslated."""
        translated = list(
            Offer.objects.filter(translations__isnull=False).distinct().order_by("public_id")
        )
        for offer in translated[::4]:
            offer.translations.filter(language__in=["tr", "vi"]).update(origin="machine")
        for offer in translated[1:4]:
            source_snapshot_save(offer)
            offer.description = (
                f"{offer.description} Neu: Termine gibt es jetzt auch samstags nach Vereinbarung."
            ).strip()
            offer.revision += 1
            offer.save(update_fields=["description", "revision"])
            source_snapshot_save(offer)

    def _verified(self, days_ago) -> dict:
        return {"verified_at": self.now - timedelta(days=days_ago or 30)}

    def _location(self, row: dict) -> Location:
        location, created = Location.objects.get_or_create(
            public_id=stable_uuid("location", row["key"]),
            defaults={
                "office": self.office,
                "name": row["name"],
                "street": row["street"],
                "postcode": row["postcode"],
                "city": row.get("city", "Leipzig"),
                "latitude": Decimal(str(row["lat"])).quantize(Decimal("0.000001")),
                "longitude": Decimal(str(row["lon"])).quantize(Decimal("0.000001")),
                "area": self.areas[row["area"]],
                "transit_directions": row.get("transit", ""),
                "step_free_access": row.get("step_free", False),
                "accessible_toilet": row.get("accessible_toilet", False),
                "hearing_loop": row.get("hearing_loop", False),
                "accessibility_notes": row.get("accessibility_notes", ""),
                **self._verified(row.get("verified_days_ago", 60)),
            },
        )
        self.created["locations"] += created
        return location

    def _organisation(self, row: dict, locations: dict[str, Location]) -> Organisation:
        organisation, created = Organisation.objects.get_or_create(
            public_id=stable_uuid("organisation", row["key"]),
            defaults={
                "office": self.office,
                "name": row["name"],
                "kind": row["kind"],
                "legal_status": row.get("legal_status", ""),
                "register_number": row.get("register_number", ""),
                "description": row.get("description", ""),
                "website": row.get("website", ""),
                "email": row.get("email", ""),
                "phone": row.get("phone", ""),
                "is_migrant_organisation": row.get("is_migrant_organisation", False),
                "is_demo": True,
                **self._verified(row.get("verified_days_ago", 90)),
            },
        )
        if not created:
            return organisation
        self.created["organisations"] += 1
        organisation.areas.set(self.areas[a] for a in row.get("areas", []))
        organisation.communities.set(self.communities[c] for c in row.get("communities", []))
        contacts = {}
        for c in row.get("contacts", []):
            contact = Contact.objects.create(
                public_id=stable_uuid("contact", c["key"]),
                organisation=organisation,
                role=c["role"],
                phone=c.get("phone", ""),
                email=c.get("email", ""),
                is_public=c.get("public", False),
            )
            contact.languages.set(self.languages[code] for code in c.get("languages", []))
            contacts[c["key"]] = contact
        for o in row.get("offers", []):
            self._offer(o, organisation, contacts, locations)
        return organisation

    def _offer(self, row, organisation, contacts, locations) -> None:
        cost = row.get("cost") or {"kind": "free"}
        offer = Offer.objects.create(
            public_id=stable_uuid("offer", row["key"]),
            organisation=organisation,
            name=row["name"],
            summary=row.get("summary", ""),
            description=row.get("description", ""),
            status=row.get("status", "active"),
            age_min=row.get("age_min"),
            age_max=row.get("age_max"),
            eligibility=row.get("eligibility", ""),
            application_process=row.get("application_process", ""),
            cost=cost["kind"],
            fee_amount=Decimal(cost["amount"]) if cost.get("amount") else None,
            fee_text=cost.get("text", ""),
            registration_required=row.get("registration_required", False),
            interpreting_available=row.get("interpreting", False),
            accessibility_notes=row.get("accessibility_notes", ""),
            open_to_all=row.get("open_to_all", True),
            website=row.get("website", ""),
            **self._verified(row.get("verified_days_ago", 45)),
        )
        self.created["offers"] += 1
        offer.categories.set(self.categories[c] for c in row.get("categories", []))
        offer.target_groups.set(self.groups[g] for g in row.get("target_groups", []))
        offer.languages.set(self.languages[code] for code in row.get("languages", []))
        if row.get("contact"):
            offer.contacts.add(contacts[row["contact"]])
        for place in row.get("locations", []):
            offer_location = OfferLocation.objects.create(
                public_id=stable_uuid("offer-location", f"{row['key']}@{place['location']}"),
                offer=offer,
                location=locations[place["location"]],
                by_appointment_only=place.get("by_appointment_only", False),
            )
            OpeningHours.objects.bulk_create(
                OpeningHours(
                    offer_location=offer_location,
                    weekday=h["weekday"],
                    opens=_time(h["opens"]),
                    closes=_time(h["closes"]),
                    note=h.get("note", ""),
                )
                for h in place.get("hours", [])
            )
            ScheduleException.objects.bulk_create(
                ScheduleException(
                    offer_location=offer_location,
                    kind=e["kind"],
                    date_from=e["from"],
                    date_until=e["until"],
                    opens=_time(e["opens"]) if e.get("opens") else None,
                    closes=_time(e["closes"]) if e.get("closes") else None,
                    note=e.get("note", ""),
                )
                for e in place.get("exceptions", [])
            )

    def _translations(self, translations: dict) -> None:
        targets = [
            ("organisations", Organisation, OrganisationTranslation, "organisation"),
            ("offers", Offer, OfferTranslation, "offer"),
        ]
        for section, model, translation_model, fk in targets:
            for key, by_language in translations.get(section, {}).items():
                record = model.objects.get(public_id=stable_uuid(fk, key))
                for language, fields in by_language.items():
                    allowed = {f: v for f, v in fields.items() if f in model.TRANSLATABLE_FIELDS}
                    translation_model.objects.get_or_create(
                        **{fk: record},
                        language=language,
                        defaults={**allowed, "source_revision": record.revision},
                    )

    def _users(self, organisations: list[Organisation]) -> None:
        for username, name, role, languages, organisation_keys in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": name, "email": f"{username}@demo.example"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                self.created["users"] += 1
            membership, created = Membership.objects.get_or_create(
                user=user, office=self.office, defaults={"role": role, "languages": languages}
            )
            if created and organisation_keys:
                membership.organisations.set(organisations[:2])


def load_demo() -> dict[str, int]:
    data = [json.loads(path.read_text(encoding="utf-8")) for path in demo_files()]
    with transaction.atomic():
        site_content_load()
        loader = DemoLoader(data)
        created = loader.run()
        created["events"] = load_demo_events(loader.office)
        created["editions"] = load_demo_editions(loader.office)
        created["change requests"] = load_demo_partners(loader.office)
        if any(created.values()):
            rebuild_index()
            content_changed()
    return created
