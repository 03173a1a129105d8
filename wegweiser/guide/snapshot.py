"""The frozen data of an edition, and what changed between two editions.

A snapshot is plain JSON: every text as {language: text} with the German source under "de"
and only reviewed translations beside it, so a published edition never reads the live
directory again. Ids are the records' public ids, so two snapshots can be compared."""

import hashlib
import json
from datetime import date

from django.db.models import Q

from wegweiser.core.models import Language
from wegweiser.directory.models import Area, Category, TargetGroup
from wegweiser.opendata.hsds import attach_hours, public_url, service_queryset
from wegweiser.site.localize import SOURCE
from wegweiser.site.models import GlossaryTerm, Page

FORMAT = 1
OFFER_TEXTS = (
    "name",
    "summary",
    "description",
    "eligibility",
    "application_process",
    "fee_text",
    "accessibility_notes",
)


def _texts(record, fields, languages, rows=None) -> dict[str, dict[str, str]]:
    """{field: {language: text}}: the German source and each reviewed translation."""
    if rows is None:
        rows = getattr(record, "hsds_translations", None)
    if rows is None:
        rows = [t for t in record.translations.all() if t.reviewed]
    by_language = {row.language: row for row in rows if row.language in languages}
    out = {}
    for field in fields:
        values = {SOURCE: getattr(record, field, "") or ""}
        for code, row in by_language.items():
            if getattr(row, field, ""):
                values[code] = getattr(row, field)
        out[field] = values
    return out


def selected_offers(edition):
    """The offers an edition's selection takes: all public offers of its office, or those of
    the chosen topics (with their sub-topics) at a place in the chosen areas (with their
    parts)."""
    qs = service_queryset(full=True, hours=False).filter(organisation__office=edition.office_id)
    if edition.all_offers:
        return qs
    categories = list(edition.categories.values_list("pk", flat=True))
    areas = list(edition.areas.values_list("pk", flat=True))
    if categories:
        subtree = set(categories)
        frontier = set(categories)
        while frontier:
            frontier = (
                set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
                - subtree
            )
            subtree |= frontier
        qs = qs.filter(categories__in=subtree)
    if areas:
        parts = set(areas) | set(
            Area.objects.filter(parent_id__in=areas).values_list("pk", flat=True)
        )
        qs = qs.filter(Q(offer_locations__location__area__in=parts))
    if not categories and not areas:
        return qs.none()
    return qs.distinct()


def _hours(place, stand: date) -> list[dict]:
    out = []
    for row in place.hsds_hours:
        if row.valid_until and row.valid_until < stand:
            continue
        out.append(
            {
                "weekday": row.weekday,
                "opens": row.opens.strftime("%H:%M"),
                "closes": row.closes.strftime("%H:%M"),
                "from": row.valid_from.isoformat()
                if row.valid_from and row.valid_from > stand
                else "",
                "until": row.valid_until.isoformat() if row.valid_until else "",
                "note": row.note,
            }
        )
    return out


def _contacts(contacts, languages) -> list[dict]:
    return [
        {
            "role": _texts(c, ["role"], languages)["role"],
            "phone": c.phone,
            "email": c.email,
            "languages": sorted(lang.code for lang in c.languages.all()),
        }
        for c in contacts
    ]


def build(edition) -> dict:
    """Freeze the edition's selection: offers, their organisations and places, categories,
    target groups, languages, glossary and the office's texts."""
    languages = list(dict.fromkeys([SOURCE, *edition.languages]))
    stand = edition.stand
    offers = attach_hours(list(selected_offers(edition)))
    organisations: dict[str, dict] = {}
    used_categories: set[int] = set()
    entries = []
    for offer in offers:
        org = offer.organisation
        org_id = str(org.public_id)
        if org_id not in organisations:
            organisations[org_id] = {
                "id": org_id,
                **_texts(org, ["name", "description"], languages),
                "phone": org.phone,
                "email": org.email,
                "website": org.website,
                "contacts": _contacts(org.hsds_contacts, languages),
            }
        categories = sorted(offer.categories.all(), key=lambda c: (c.pk,))
        used_categories.update(c.pk for c in categories)
        places = []
        for ol in offer.offer_locations.all():
            loc = ol.location
            places.append(
                {
                    "id": str(loc.public_id),
                    **_texts(loc, ["name", "transit_directions", "accessibility_notes"], languages),
                    "street": loc.street,
                    "postcode": loc.postcode,
                    "city": loc.city,
                    "lat": float(loc.latitude) if loc.latitude is not None else None,
                    "lon": float(loc.longitude) if loc.longitude is not None else None,
                    "step_free": loc.step_free_access,
                    "accessible_toilet": loc.accessible_toilet,
                    "hearing_loop": loc.hearing_loop,
                    "by_appointment_only": ol.by_appointment_only,
                    "note": ol.note,
                    "hours": _hours(ol, stand),
                }
            )
        entries.append(
            {
                "id": str(offer.public_id),
                "organisation": org_id,
                **_texts(offer, OFFER_TEXTS, languages),
                "categories": [c.code for c in categories],
                "cost": offer.cost,
                "fee_amount": str(offer.fee_amount) if offer.fee_amount is not None else "",
                "registration_required": offer.registration_required,
                "interpreting_available": offer.interpreting_available,
                "age_min": offer.age_min,
                "age_max": offer.age_max,
                "languages": sorted(lang.code for lang in offer.languages.all()),
                "target_groups": sorted(g.code for g in offer.target_groups.all()),
                "website": offer.website,
                "email": offer.email,
                "contacts": _contacts(offer.hsds_contacts, languages),
                "places": places,
                "verified": offer.verified_at.date().isoformat() if offer.verified_at else "",
                "urls": {
                    code: public_url("site:offer", offer.public_id, code) for code in languages
                },
            }
        )
    return {
        "format": FORMAT,
        "edition": {
            "number": edition.number,
            "title": edition.title,
            "stand": stand.isoformat(),
            "office": edition.office.name,
            "languages": languages,
            "foreword": {SOURCE: edition.foreword, **edition.foreword_translations},
            "funding_notice": edition.funding_notice,
        },
        "categories": _categories(used_categories, languages),
        "target_groups": {
            g.code: {SOURCE: g.name, **{k: v for k, v in g.names.items() if k in languages and v}}
            for g in TargetGroup.objects.all()
        },
        "language_names": {
            lang.code: [lang.native_name or lang.name, lang.name] for lang in Language.objects.all()
        },
        "organisations": dict(sorted(organisations.items())),
        "offers": sorted(entries, key=lambda e: e["id"]),
        "glossary": [
            {"slug": term.slug, **_texts(term, ["term", "explanation"], languages)}
            for term in GlossaryTerm.objects.prefetch_related("translations").order_by("term")
        ],
        "imprint": _page("imprint", languages),
    }


def _categories(used: set[int], languages) -> list[dict]:
    """The used categories and their parents, in the guide's order."""
    every = {c.pk: c for c in Category.objects.prefetch_related("translations")}
    wanted = set()
    for pk in used:
        while pk is not None and pk not in wanted:
            wanted.add(pk)
            pk = every[pk].parent_id
    chosen = sorted((every[pk] for pk in wanted), key=lambda c: (c.position, c.name))
    return [
        {
            "code": c.code,
            "parent": every[c.parent_id].code if c.parent_id else "",
            **_texts(c, ["name", "description"], languages),
        }
        for c in chosen
    ]


def _page(slug: str, languages) -> dict:
    page = Page.objects.prefetch_related("translations").filter(slug=slug).first()
    if page is None:
        return {"title": {}, "body": {}}
    return _texts(page, ["title", "body"], languages)


def digest(data) -> str:
    """A stable hash of JSON data."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# What "changed" compares, field by field; labels are given by the views and the brochure.
COMPARED = (
    *OFFER_TEXTS,
    "organisation",
    "categories",
    "cost",
    "fee_amount",
    "registration_required",
    "interpreting_available",
    "age_min",
    "age_max",
    "languages",
    "target_groups",
    "website",
    "email",
    "contacts",
)
PLACE_FIELDS = ("street", "postcode", "city", "lat", "lon", "name", "transit_directions")


def _source(value):
    """A text compared by its German source; translations are compared separately."""
    return value.get(SOURCE, "") if isinstance(value, dict) else value


def _changed_fields(old: dict, new: dict) -> list[str]:
    fields = [f for f in COMPARED if _source(old.get(f)) != _source(new.get(f))]
    old_places = {p["id"]: p for p in old.get("places", [])}
    new_places = {p["id"]: p for p in new.get("places", [])}
    if set(old_places) != set(new_places) or any(
        _source(old_places[k].get(f)) != _source(new_places[k].get(f))
        for k in new_places
        for f in PLACE_FIELDS
    ):
        fields.append("places")
    if any(
        old_places[k].get(key) != new_places[k].get(key)
        for k in set(old_places) & set(new_places)
        for key in ("hours", "by_appointment_only", "note")
    ):
        fields.append("hours")
    if any(
        {k: v for k, v in old.get(f, {}).items() if k != SOURCE}
        != {k: v for k, v in new.get(f, {}).items() if k != SOURCE}
        for f in OFFER_TEXTS
    ):
        fields.append("translations")
    return fields


def changes(old: dict | None, new: dict) -> dict:
    """Entries added, removed and changed (with the names of the fields) from `old` to `new`.
    With no previous edition everything counts as added."""
    old_offers = {e["id"]: e for e in (old or {}).get("offers", [])}
    new_offers = {e["id"]: e for e in new.get("offers", [])}
    added = [new_offers[k] for k in new_offers if k not in old_offers]
    removed = [old_offers[k] for k in old_offers if k not in new_offers]
    changed = []
    for key in new_offers.keys() & old_offers.keys():
        fields = _changed_fields(old_offers[key], new_offers[key])
        if fields:
            changed.append({"offer": new_offers[key], "fields": fields})

    def name(entry):
        return entry["name"][SOURCE].casefold()

    return {
        "added": sorted(added, key=name),
        "removed": sorted(removed, key=name),
        "changed": sorted(changed, key=lambda c: name(c["offer"])),
    }
