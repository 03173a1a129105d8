"""The public directory as Open Referral HSDS 3.0 objects.

One rule throughout: an optional field without a value is left out, never null. Text comes in
the requested language with the German source as fallback per field; the `translations`
object (our profile's extension, docs/hsds-profile.md) carries every reviewed translation.
Records without a public id of their own (schedules, addresses, language and phone records,
taxonomies, target groups) get name-based UUIDs, so their ids are stable between requests,
exports and installations."""

import uuid
from collections import namedtuple
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wegweiser.directory.models import (
    Category,
    Contact,
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    Organisation,
    ScheduleException,
    TargetGroup,
)
from wegweiser.site.localize import SOURCE
from wegweiser.site.queries import public_offers

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("8f0e6a52-3b1d-4c7e-9a55-2f5d0c1b7e41")
BERLIN = ZoneInfo(settings.TIME_ZONE)
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
STATUS_OUT = {"temporarily_closed": "temporarily closed"}


def derived_id(kind: str, *parts) -> str:
    """A stable UUID for a record that has none of its own."""
    return str(uuid.uuid5(NAMESPACE, ":".join([kind, *map(str, parts)])))


CATEGORY_TAXONOMY_ID = derived_id("taxonomy", "categories")
TARGET_GROUP_TAXONOMY_ID = derived_id("taxonomy", "target-groups")


def category_term_id(code: str) -> str:
    return derived_id("category", code)


def target_group_term_id(code: str) -> str:
    return derived_id("target-group", code)


def compact(record: dict, *, keep: tuple[str, ...] = ()) -> dict:
    """Leave out empty optional fields; `keep` names required ones that stay even when empty."""
    return {k: v for k, v in record.items() if k in keep or v not in (None, "", [], {})}


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def utc_offset_hours(day=None) -> float:
    """Europe/Berlin's UTC offset (1 or 2) on the given day, at noon."""
    day = day or timezone.localdate()
    moment = datetime.combine(day, time(12), tzinfo=BERLIN)
    return moment.utcoffset() / timedelta(hours=1)


class Texts:
    """Translatable fields of one record: the requested language per field, German where a
    field has no reviewed translation, and all translations for the extension object."""

    def __init__(self, record, language: str):
        self.record = record
        self.language = language
        rows = getattr(record, "hsds_translations", None)
        if rows is None:
            rows = [t for t in record.translations.all() if t.reviewed]
        self.rows = {row.language: row for row in rows}

    def __getitem__(self, field: str) -> str:
        if self.language != SOURCE and self.language in self.rows:
            value = getattr(self.rows[self.language], field, "")
            if value:
                return value
        return getattr(self.record, field, "") or ""

    def translations(self, mapping: dict[str, str]) -> dict[str, dict[str, str]]:
        """{language: {hsds field: text}} for every reviewed translation, non-empty fields."""
        out = {}
        for code in sorted(self.rows):
            fields = {
                hsds: getattr(self.rows[code], ours, "")
                for hsds, ours in mapping.items()
                if getattr(self.rows[code], ours, "")
            }
            if fields:
                out[code] = fields
        return out


def reviewed_translations(relation: str, model) -> Prefetch:
    return Prefetch(
        relation, queryset=model.objects.filter(reviewed=True), to_attr="hsds_translations"
    )


def translation_model(model):
    return model._meta.get_field("translations").related_model


def service_queryset(*, full: bool = True, hours: bool = True) -> QuerySet[Offer]:
    """Public offers with what a service needs (all of a fully nested one with `full`), in a
    fixed number of queries whatever the page size. With hours=False the opening hours are
    left to `attach_hours`, which reads them as plain rows (much faster for exports)."""
    qs = (
        public_offers()
        .select_related("organisation")
        .prefetch_related(reviewed_translations("translations", translation_model(Offer)))
        .order_by("name", "pk")
    )
    if not full:
        return qs
    contacts = public_contacts()
    return qs.prefetch_related(
        reviewed_translations("organisation__translations", translation_model(Organisation)),
        Prefetch("organisation__contacts", queryset=contacts, to_attr="hsds_contacts"),
        "languages",
        "target_groups",
        Prefetch("categories", queryset=Category.objects.only("id", "code", "name")),
        Prefetch("contacts", queryset=contacts, to_attr="hsds_contacts"),
        Prefetch(
            "offer_locations",
            queryset=OfferLocation.objects.select_related("location")
            .prefetch_related(
                *(["opening_hours", "exceptions"] if hours else []),
                reviewed_translations("location__translations", translation_model(Location)),
            )
            .order_by("pk"),
        ),
    )


HoursRow = namedtuple("HoursRow", "pk weekday opens closes valid_from valid_until note")
ExceptionRow = namedtuple("ExceptionRow", "pk kind date_from date_until opens closes note")


def attach_hours(offers: list[Offer]) -> list[Offer]:
    """Opening hours and exceptions of these offers' places, two queries of plain rows, in
    the models' order; `schedules` reads them from `hsds_hours` / `hsds_exceptions`."""
    places = [ol for offer in offers for ol in offer.offer_locations.all()]
    ids = [ol.pk for ol in places]
    hours: dict[int, list] = {}
    for owner, *row in (
        OpeningHours.objects.filter(offer_location_id__in=ids)
        .order_by("weekday", "opens", "pk")
        .values_list("offer_location_id", *HoursRow._fields)
    ):
        hours.setdefault(owner, []).append(HoursRow(*row))
    exceptions: dict[int, list] = {}
    for owner, *row in (
        ScheduleException.objects.filter(offer_location_id__in=ids)
        .order_by("date_from", "pk")
        .values_list("offer_location_id", *ExceptionRow._fields)
    ):
        exceptions.setdefault(owner, []).append(ExceptionRow(*row))
    for ol in places:
        ol.hsds_hours = hours.get(ol.pk, [])
        ol.hsds_exceptions = exceptions.get(ol.pk, [])
    return offers


def public_contacts() -> QuerySet[Contact]:
    return Contact.objects.filter(is_public=True).prefetch_related(
        "languages", reviewed_translations("translations", translation_model(Contact))
    )


def _phone(owner_kind: str, owner_id, number: str, languages=()) -> dict:
    return compact(
        {
            "id": derived_id("phone", owner_kind, owner_id),
            f"{owner_kind}_id": str(owner_id),
            "number": number,
            "languages": [_language(code, name, f"phone:{owner_id}") for code, name in languages],
        }
    )


def _language(code: str, name: str, owner: str, **links) -> dict:
    return compact({"id": derived_id("language", owner, code), **links, "name": name, "code": code})


def contact(c: Contact, language: str, organization_id) -> dict:
    texts = Texts(c, language)
    languages = [(lang.code, lang.name) for lang in c.languages.all()]
    return compact(
        {
            "id": str(c.public_id),
            "organization_id": str(organization_id),
            "department": texts["role"],
            "email": c.email,
            "phones": [_phone("contact", c.public_id, c.phone, languages)] if c.phone else [],
            "translations": texts.translations({"department": "role"}),
        }
    )


def organization(org: Organisation, language: str, *, full: bool = True) -> dict:
    texts = Texts(org, language)
    record = {
        "id": str(org.public_id),
        "name": texts["name"],
        "description": texts["description"],
        "email": org.email,
        "website": org.website,
        "legal_status": org.legal_status,
        "logo": site_url(org.logo.url) if org.logo else "",
        "uri": public_url("site:organisation", org.public_id, language),
        "translations": texts.translations({"name": "name", "description": "description"}),
    }
    if full:
        record["phones"] = [_phone("organization", org.public_id, org.phone)] if org.phone else []
        if org.register_number:
            record["organization_identifiers"] = [
                {
                    "id": derived_id("identifier", org.public_id),
                    "organization_id": str(org.public_id),
                    "identifier_type": "Registernummer",
                    "identifier": org.register_number,
                }
            ]
        contacts = getattr(org, "hsds_contacts", None)
        if contacts is None:
            contacts = org.contacts.filter(is_public=True)
        record["contacts"] = [contact(c, language, org.public_id) for c in contacts]
    return compact(record, keep=("description",))


def address(loc: Location) -> dict:
    return {
        "id": derived_id("address", loc.public_id),
        "location_id": str(loc.public_id),
        "address_1": loc.street,
        "city": loc.city,
        "state_province": loc.state or "Sachsen",
        "postal_code": loc.postcode,
        "country": loc.country or "DE",
        "address_type": "physical",
    }


def location(loc: Location, language: str) -> dict:
    texts = Texts(loc, language)
    features = [
        label
        for flag, label in (
            (loc.step_free_access, _("step-free access")),
            (loc.accessible_toilet, _("accessible toilet")),
            (loc.hearing_loop, _("hearing loop")),
        )
        if flag
    ]
    accessibility = texts["accessibility_notes"]
    return compact(
        {
            "id": str(loc.public_id),
            "location_type": "physical",
            "name": texts["name"],
            "transportation": texts["transit_directions"],
            "latitude": float(loc.latitude) if loc.latitude is not None else None,
            "longitude": float(loc.longitude) if loc.longitude is not None else None,
            "addresses": [address(loc)],
            "accessibility": [
                compact(
                    {
                        "id": derived_id("accessibility", loc.public_id),
                        "location_id": str(loc.public_id),
                        "description": accessibility,
                        "details": ", ".join(str(f) for f in features),
                    }
                )
            ]
            if accessibility or features
            else [],
            "translations": texts.translations(
                {
                    "name": "name",
                    "transportation": "transit_directions",
                    "accessibility": "accessibility_notes",
                }
            ),
        }
    )


def schedules(ol: OfferLocation, offer: Offer) -> list[dict]:
    """Weekly opening windows, and extra openings as dated windows. Times are Berlin wall
    clock; `timezone` is the UTC offset valid now (or when the window starts, if later)."""
    today = timezone.localdate()
    links = {
        "service_id": str(offer.public_id),
        "location_id": str(ol.location.public_id),
        "service_at_location_id": str(ol.public_id),
    }
    out = []
    rows = getattr(ol, "hsds_hours", None)
    for row in ol.opening_hours.all() if rows is None else rows:
        if row.valid_until and row.valid_until < today:
            continue
        start = max(row.valid_from or today, today)
        out.append(
            compact(
                {
                    "id": derived_id("schedule", "hours", row.pk),
                    **links,
                    "valid_from": row.valid_from.isoformat() if row.valid_from else None,
                    "valid_to": row.valid_until.isoformat() if row.valid_until else None,
                    "timezone": utc_offset_hours(start),
                    "wkst": "MO",
                    "freq": "WEEKLY",
                    "interval": 1,
                    "byday": BYDAY[row.weekday],
                    "opens_at": row.opens.strftime("%H:%M"),
                    "closes_at": row.closes.strftime("%H:%M"),
                    "description": row.note,
                    "attending_type": "by appointment" if ol.by_appointment_only else None,
                }
            )
        )
    extra = getattr(ol, "hsds_exceptions", None)
    for exc in ol.exceptions.all() if extra is None else extra:
        if exc.kind != "extra" or exc.date_until < today or not exc.opens:
            continue
        out.append(
            compact(
                {
                    "id": derived_id("schedule", "extra", exc.pk),
                    **links,
                    "valid_from": exc.date_from.isoformat(),
                    "valid_to": exc.date_until.isoformat(),
                    "dtstart": exc.date_from.isoformat(),
                    "timezone": utc_offset_hours(max(exc.date_from, today)),
                    "opens_at": exc.opens.strftime("%H:%M"),
                    "closes_at": exc.closes.strftime("%H:%M") if exc.closes else None,
                    "description": exc.note,
                }
            )
        )
    return out


def service_at_location(ol: OfferLocation, offer: Offer, language: str, *, full=True) -> dict:
    record = {
        "id": str(ol.public_id),
        "service_id": str(offer.public_id),
        "location_id": str(ol.location.public_id),
        "description": ol.note,
    }
    if full:
        record["schedules"] = schedules(ol, offer)
        record["location"] = location(ol.location, language)
    return compact(record)


def _term(kind: str, code: str, name: str) -> dict:
    taxonomy = CATEGORY_TAXONOMY_ID if kind == "category" else TARGET_GROUP_TAXONOMY_ID
    return {
        "id": derived_id(kind, code),
        "code": code,
        "name": name,
        "description": "",
        "taxonomy_id": taxonomy,
    }


def _attributes(offer: Offer) -> list[dict]:
    out = []
    for cat in offer.categories.all():
        out.append(("category", cat.code, cat.name))
    for group in offer.target_groups.all():
        out.append(("target-group", group.code, group.name))
    return [
        {
            "id": derived_id("attribute", offer.public_id, kind, code),
            "link_id": str(offer.public_id),
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": derived_id(kind, code),
            "taxonomy_term": _term(kind, code, name),
        }
        for kind, code, name in out
    ]


SERVICE_TEXTS = {
    "name": "name",
    "summary": "summary",
    "description": "description",
    "eligibility_description": "eligibility",
    "application_process": "application_process",
    "fees_description": "fee_text",
    "accessibility_description": "accessibility_notes",
}


def service(offer: Offer, language: str, *, full: bool = True, memo: dict | None = None) -> dict:
    """One offer as an HSDS service; `full` nests its organisation, places, schedules,
    languages, contacts and categories. `memo` keeps organisations already serialised, for
    passes over many offers of the same organisations (exports)."""
    texts = Texts(offer, language)
    record = {
        "id": str(offer.public_id),
        "organization_id": str(offer.organisation.public_id),
        "name": texts["name"],
        "summary": texts["summary"],
        "description": texts["description"],
        "url": offer.website,
        "email": offer.email,
        "status": STATUS_OUT.get(offer.status, offer.status),
        "interpretation_services": _("Interpreting is available.")
        if offer.interpreting_available
        else "",
        "application_process": texts["application_process"],
        "fees_description": texts["fee_text"],
        "eligibility_description": texts["eligibility"],
        "minimum_age": offer.age_min,
        "maximum_age": offer.age_max,
        "assured_date": offer.verified_at.date().isoformat() if offer.verified_at else None,
        "last_modified": offer.updated_at.isoformat(timespec="milliseconds"),
        "accessibility_description": texts["accessibility_notes"],
        "translations": texts.translations(SERVICE_TEXTS),
    }
    if full:
        record.update(
            {
                "organization": _organization_memo(offer.organisation, language, memo),
                "service_at_locations": [
                    service_at_location(ol, offer, language) for ol in offer.offer_locations.all()
                ],
                "languages": [
                    _language(
                        lang.code, lang.name, offer.public_id, service_id=str(offer.public_id)
                    )
                    for lang in offer.languages.all()
                ],
                "cost_options": [_cost_option(offer, texts)],
                "contacts": [
                    contact(c, language, offer.organisation.public_id)
                    for c in getattr(offer, "hsds_contacts", [])
                ],
                "attributes": _attributes(offer),
            }
        )
    return compact(record)


def _organization_memo(org: Organisation, language: str, memo: dict | None) -> dict:
    if memo is None:
        return organization(org, language)
    if org.pk not in memo:
        memo[org.pk] = organization(org, language)
    return memo[org.pk]


def _cost_option(offer: Offer, texts: Texts) -> dict:
    """Free offers cost 0 EUR; a fee has its amount where one is known."""
    free = offer.cost == Offer.Cost.FREE
    amount = 0.0 if free else (float(offer.fee_amount) if offer.fee_amount is not None else None)
    return compact(
        {
            "id": derived_id("cost", offer.public_id),
            "service_id": str(offer.public_id),
            "option": "free" if free else (texts["fee_text"] or "fee"),
            "currency": "EUR",
            "amount": amount,
        }
    )


_PLACEHOLDER = uuid.UUID(int=0)


@lru_cache(maxsize=64)
def _path_pattern(name: str, language: str) -> str:
    with translation.override(language if language in dict(settings.LANGUAGES) else SOURCE):
        return reverse(name, kwargs={"public_id": _PLACEHOLDER})


def public_url(name: str, public_id, language: str = SOURCE) -> str:
    """The public page of a record, in the requested language where the site has it (the
    route reversed once per language, the id put in its place)."""
    path = _path_pattern(name, language).replace(str(_PLACEHOLDER), str(public_id))
    return site_url(path)


def taxonomies() -> list[dict]:
    return [
        {
            "id": CATEGORY_TAXONOMY_ID,
            "name": "Wegweiser-Kategorien",
            "description": _("The topics of the guide, as a tree of categories."),
            "uri": site_url("/api/hsds/taxonomies/" + CATEGORY_TAXONOMY_ID),
            "version": "1",
        },
        {
            "id": TARGET_GROUP_TAXONOMY_ID,
            "name": "Wegweiser-Zielgruppen",
            "description": _("The groups of people an offer is meant for."),
            "uri": site_url("/api/hsds/taxonomies/" + TARGET_GROUP_TAXONOMY_ID),
            "version": "1",
        },
    ]


def taxonomy_terms(language: str) -> list[dict]:
    """Every category (with its parent) and every target group, in a fixed order."""
    categories = Category.objects.select_related("parent").prefetch_related(
        reviewed_translations("translations", translation_model(Category))
    )
    out = []
    for cat in sorted(categories, key=lambda c: c.code):
        texts = Texts(cat, language)
        out.append(
            compact(
                {
                    "id": category_term_id(cat.code),
                    "code": cat.code,
                    "name": texts["name"],
                    "description": texts["description"],
                    "parent_id": category_term_id(cat.parent.code) if cat.parent else None,
                    "taxonomy_id": CATEGORY_TAXONOMY_ID,
                    "language": language,
                    "translations": texts.translations(
                        {"name": "name", "description": "description"}
                    ),
                },
                keep=("description",),
            )
        )
    for group in sorted(TargetGroup.objects.all(), key=lambda g: g.code):
        names = {k: v for k, v in (group.names or {}).items() if v and k != SOURCE}
        out.append(
            compact(
                {
                    "id": target_group_term_id(group.code),
                    "code": group.code,
                    "name": (group.names or {}).get(language) or group.name,
                    "description": "",
                    "taxonomy_id": TARGET_GROUP_TAXONOMY_ID,
                    "language": language,
                    "translations": {k: {"name": v} for k, v in sorted(names.items())},
                },
                keep=("description",),
            )
        )
    return out
