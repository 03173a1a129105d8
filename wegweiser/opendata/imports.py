"""Imports of HSDS 3.0 data into an office's directory.

Input: JSON (an array of services, a list page with `contents`, one service, or ndjson) or a
tabular package (a zip or folder of CSV files with datapackage.json). Every record is first
checked against the official schema and our own limits; the dry-run report says per record
whether it is new, changed (which fields), unchanged or rejected (why). Applying writes
everything in one transaction, and only when nothing was rejected. Each written record
remembers its source and its id there (ImportedRecord), so importing the same source again
updates those records, and importing the same data again changes nothing."""

import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wegweiser.core.audit import audit_log
from wegweiser.core.content import content_changed
from wegweiser.core.models import Language
from wegweiser.directory.models import (
    Category,
    Location,
    LocationTranslation,
    Offer,
    OfferLocation,
    OfferTranslation,
    OpeningHours,
    Organisation,
    OrganisationTranslation,
    ScheduleException,
)
from wegweiser.opendata import hsds, tabular, validation
from wegweiser.opendata.models import ImportedRecord, ImportRun
from wegweiser.search.index import index_offers

BYDAY = {code: number for number, code in enumerate(hsds.BYDAY)}
STATUS_IN = {"temporarily closed": Offer.Status.TEMPORARILY_CLOSED}
NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"
KINDS = ("organisation", "location", "offer")
OFFER_TEXTS = {hsds_name: ours for hsds_name, ours in hsds.SERVICE_TEXTS.items()}
ORGANISATION_TEXTS = {"name": "name", "description": "description"}
LOCATION_TEXTS = {
    "name": "name",
    "transportation": "transit_directions",
    "accessibility": "accessibility_notes",
}


class ImportRefused(Exception):
    """The file as a whole cannot be read; nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Row:
    """One record of the file and what importing it does (or why it cannot)."""

    kind: str
    external_id: str
    name: str
    outcome: str = NEW
    fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Incoming:
    """A record mapped onto our model, ready to compare and write."""

    kind: str
    external_id: str
    values: dict[str, Any]
    many: dict[str, set] = field(default_factory=dict)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    row: Row | None = None
    # For offers: the external organisation id and the places with their opening hours.
    organisation: str = ""
    sites: list[dict] = field(default_factory=list)


@dataclass
class Report:
    source: str
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unknown_terms: dict[str, int] = field(default_factory=dict)
    applied: bool = False

    def counts(self) -> dict[str, dict[str, int]]:
        out = {kind: dict.fromkeys((NEW, CHANGED, UNCHANGED, REJECTED), 0) for kind in KINDS}
        for row in self.rows:
            out.setdefault(row.kind, dict.fromkeys((NEW, CHANGED, UNCHANGED, REJECTED), 0))
            out[row.kind][row.outcome] += 1
        return out

    @property
    def rejected(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == REJECTED]

    @property
    def can_apply(self) -> bool:
        return not self.problems and not self.rejected

    def as_text(self) -> str:
        lines = [f"Source: {self.source}"]
        lines += [f"Problem: {p}" for p in self.problems]
        for kind, counts in self.counts().items():
            lines.append(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for row in self.rows:
            if row.outcome in (CHANGED, REJECTED) or row.notes:
                detail = "; ".join(row.reasons or row.fields)
                lines.append(f"  {row.outcome} {row.kind} {row.external_id} {row.name}: {detail}")
                lines += [f"    note: {n}" for n in row.notes]
        for term, count in sorted(self.unknown_terms.items()):
            lines.append(f"Unknown taxonomy term {term} ({count} services): not assigned")
        lines.append("Applied." if self.applied else "Dry run: nothing written.")
        return "\n".join(lines)


# Reading files


def read_records(
    data: bytes, file_name: str = "", *, limit: bool = True
) -> tuple[list[dict], list[Row]]:
    """The services in a file, plus rows for records already rejected while reading (a
    tabular package's dangling foreign keys). Raises ImportRefused for unreadable files.
    Uploads are held to HSDS_IMPORT_MAX_BYTES; files the operator names on the command line
    are not (`limit=False`), though a zip's unpacked size still is."""
    if limit and len(data) > settings.HSDS_IMPORT_MAX_BYTES:
        raise ImportRefused(
            [
                _("The file is larger than %(mb)s MB.")
                % {"mb": settings.HSDS_IMPORT_MAX_BYTES // (1024 * 1024)}
            ]
        )
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".zip"):
        return _read_zip(data)
    return _read_json(data), []


def read_path(path: Path) -> tuple[list[dict], list[Row]]:
    if path.is_dir():
        try:
            tables, descriptor = tabular.read_tabular(path)
        except tabular.TabularError as error:
            raise ImportRefused([str(error)]) from error
        return services_from_tables(tables, descriptor)
    return read_records(path.read_bytes(), path.name, limit=False)


def _read_json(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [_("The file is not UTF-8 text (byte %(at)s).") % {"at": error.start}]
        ) from error
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
            return _read_ndjson(lines)
        raise ImportRefused(
            [
                _("The file is not valid JSON: %(msg)s (line %(line)s, column %(col)s).")
                % {"msg": error.msg, "line": error.lineno, "col": error.colno}
            ]
        ) from error
    if isinstance(parsed, dict) and isinstance(parsed.get("contents"), list):
        parsed = parsed["contents"]
    elif isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise ImportRefused([_("Expected HSDS services: a JSON array or object.")])
    return parsed


def _read_ndjson(lines: list[str]) -> list[dict]:
    out = []
    for number, line in enumerate(lines, start=1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ImportRefused(
                [
                    _("Line %(line)s is not valid JSON: %(msg)s.")
                    % {"line": number, "msg": error.msg}
                ]
            ) from error
    return out


def _read_zip(data: bytes) -> tuple[list[dict], list[Row]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportRefused([_("The file is not a readable zip archive.")]) from error
    total = sum(info.file_size for info in archive.infolist())
    if total > settings.HSDS_IMPORT_MAX_UNPACKED_BYTES or any(
        info.compress_size and info.file_size / info.compress_size > 200
        for info in archive.infolist()
        if info.file_size > 1024 * 1024
    ):
        raise ImportRefused(
            [_("The zip archive unpacks to too much data; it was not opened further.")]
        )
    try:
        tables, descriptor = tabular.read_tabular(archive)
    except tabular.TabularError as error:
        raise ImportRefused([str(error)]) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # A member that is corrupt, bigger than its header says, encrypted or compressed
        # with a method we cannot read.
        raise ImportRefused([_("The file is not a readable zip archive.")]) from error
    return services_from_tables(tables, descriptor)


# Tabular packages become nested services, so one mapping serves both forms.


def services_from_tables(tables: dict[str, list[dict]], descriptor) -> tuple[list[dict], list[Row]]:
    rejected: list[Row] = []
    bad: dict[tuple[str, str], list[str]] = {}
    problems = tabular.unique_problems(tables, descriptor)
    for problem in problems + tabular.foreign_key_problems(tables, descriptor):
        resource, row_id, message = problem.resource, problem.row_id, problem.message
        bad.setdefault((resource, row_id), []).append(message)
    for (resource, row_id), messages in bad.items():
        rejected.append(Row(resource, row_id, "", outcome=REJECTED, reasons=[m for m in messages]))
    by = {name: {row.get("id"): row for row in rows} for name, rows in tables.items()}

    def children(resource: str, key: str, value: str) -> list[dict]:
        return [r for r in tables.get(resource, []) if r.get(key) == value]

    def place(location_id: str) -> dict | None:
        loc = by.get("location", {}).get(location_id)
        if loc is None:
            return None
        return {
            **loc,
            "addresses": children("address", "location_id", location_id),
            "accessibility": children("accessibility", "location_id", location_id),
        }

    terms = by.get("taxonomy_term", {})
    services = []
    for row in tables.get("service", []):
        sid = row.get("id")
        if ("service", sid) in bad:
            continue
        service = dict(row)
        if row.get("organization_id") in by.get("organization", {}):
            org = by["organization"][row["organization_id"]]
            service["organization"] = {
                **org,
                "phones": children("phone", "organization_id", org["id"]),
                "organization_identifiers": children(
                    "organization_identifier", "organization_id", org["id"]
                ),
            }
        sites = []
        broken = []
        for sal in children("service_at_location", "service_id", sid):
            for key in (
                ("service_at_location", sal.get("id")),
                ("location", sal.get("location_id")),
            ):
                if key in bad:
                    broken.append(
                        _("Its %(kind)s %(id)s has a broken reference.")
                        % {"kind": key[0], "id": key[1]}
                    )
            site = dict(sal)
            location = place(sal.get("location_id"))
            if location is not None:
                site["location"] = location
            site["schedules"] = children("schedule", "service_at_location_id", sal["id"])
            sites.append(site)
        service["service_at_locations"] = sites
        service["schedules"] = children("schedule", "service_id", sid)
        service["languages"] = children("language", "service_id", sid)
        service["cost_options"] = children("cost_option", "service_id", sid)
        service["attributes"] = [
            {**a, "taxonomy_term": terms[a["taxonomy_term_id"]]}
            if a.get("taxonomy_term_id") in terms
            else a
            for a in children("attribute", "link_id", sid)
        ]
        if broken:
            rejected.append(Row("offer", sid, str(row.get("name", "")), REJECTED, reasons=broken))
            continue
        services.append(service)
    return services, rejected


# Mapping HSDS records onto our model


def _text(record: dict, key: str, limit: int | None = None, reasons=None) -> str:
    value = record.get(key)
    if value is None:
        return ""
    value = str(value).strip()
    if limit is not None and len(value) > limit and reasons is not None:
        reasons.append(_("%(field)s is longer than %(n)s characters.") % {"field": key, "n": limit})
    return value


def _age(value, name: str, reasons: list[str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        reasons.append(_("%(field)s is not a number.") % {"field": name})
        return None
    if number != number.to_integral_value() or not 0 <= number <= 120:
        reasons.append(_("%(field)s must be a whole number from 0 to 120.") % {"field": name})
        return None
    return int(number)


def _translations(record: dict, mapping: dict[str, str]) -> dict[str, dict[str, str]]:
    raw = record.get("translations")
    if not isinstance(raw, dict):
        return {}
    out = {}
    codes = {code for code, _name in settings.LANGUAGES}
    for language, texts in raw.items():
        if language in codes and language != "de" and isinstance(texts, dict):
            fields = {
                ours: str(texts[theirs]) for theirs, ours in mapping.items() if texts.get(theirs)
            }
            if fields:
                out[language] = fields
    return out


def _organisation(record: dict) -> Incoming:
    reasons: list[str] = []
    identifiers = record.get("organization_identifiers") or []
    phones = record.get("phones") or []
    values = {
        "name": _text(record, "name", 200, reasons),
        "description": _text(record, "description"),
        "email": _text(record, "email", 254, reasons),
        "website": _text(record, "website", 200, reasons),
        "legal_status": _text(record, "legal_status", 60, reasons),
        "phone": _text(phones[0], "number", 40, reasons) if phones else "",
        "register_number": _text(identifiers[0], "identifier", 60, reasons) if identifiers else "",
    }
    if not values["name"]:
        reasons.append(_("The name is empty."))
    row = Row("organisation", str(record.get("id", "")), values["name"], reasons=reasons)
    if reasons:
        row.outcome = REJECTED
    return Incoming(
        "organisation",
        row.external_id,
        values,
        translations=_translations(record, ORGANISATION_TEXTS),
        row=row,
    )


def _location(record: dict) -> Incoming:
    reasons: list[str] = []
    addresses = record.get("addresses") or []
    # A place's own address first; a postal address only where there is nothing else.
    physical = [a for a in addresses if a.get("address_type") != "postal"]
    address = (physical or addresses or [{}])[0]
    notes: list[str] = []
    street = " ".join(
        part for part in (_text(address, "address_1"), _text(address, "address_2")) if part
    )
    if not street:
        reasons.append(_("The location has no street address."))
    if len(street) > 200:
        reasons.append(_("The street address is longer than 200 characters."))
    access = record.get("accessibility") or []
    values = {
        "name": _text(record, "name", 200, reasons) or street[:200],
        "street": street[:200],
        "postcode": _text(address, "postal_code", 10, reasons),
        "city": _text(address, "city", 100, reasons) or "Leipzig",
        "state": _text(address, "state_province", 100, reasons) or "Sachsen",
        "country": (_text(address, "country") or "DE")[:2].upper(),
        "latitude": _coordinate(record.get("latitude"), 90, "latitude", notes),
        "longitude": _coordinate(record.get("longitude"), 180, "longitude", notes),
        "transit_directions": _text(record, "transportation"),
        "accessibility_notes": _text(access[0], "description") if access else "",
    }
    if not values["postcode"]:
        reasons.append(_("The location has no postcode."))
    if values["latitude"] is None or values["longitude"] is None:
        values["latitude"] = values["longitude"] = None
    row = Row("location", str(record.get("id", "")), values["name"], reasons=reasons, notes=notes)
    if reasons:
        row.outcome = REJECTED
    return Incoming(
        "location",
        row.external_id,
        values,
        translations=_translations(record, LOCATION_TEXTS),
        row=row,
    )


def _coordinate(value, limit: int, name: str, notes: list[str]) -> Decimal | None:
    """A coordinate, or None with a note: the place is then left off maps, not rejected."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        number = None
    if number is None or abs(number) > limit:
        notes.append(
            _("%(field)s %(value)s cannot be a coordinate; the place has none.")
            % {"field": name, "value": value}
        )
        return None
    return number


def _time(value) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(str(value).replace("Z", ""))
    except ValueError:
        return None


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _hours(schedules: list[dict], notes: list[str]) -> tuple[list[tuple], list[tuple]]:
    """Weekly opening windows as (weekday, opens, closes, valid_from, valid_until, note), and
    dated extra openings (no `freq`) as (date_from, date_until, opens, closes, note)."""
    weekly, extra = [], []
    for schedule in schedules:
        opens, closes = _time(schedule.get("opens_at")), _time(schedule.get("closes_at"))
        days = [d.strip().upper() for d in str(schedule.get("byday") or "").split(",") if d]
        first = _date(schedule.get("valid_from") or schedule.get("dtstart"))
        if not schedule.get("freq") and first and opens and (closes is None or closes > opens):
            last = _date(schedule.get("valid_to")) or first
            if last >= first:
                note = _text(schedule, "description")[:200]
                extra.append((first, last, opens, closes, note))
                continue
        if schedule.get("freq") != "WEEKLY" or not opens or not closes or not days:
            notes.append(
                _("Schedule %(id)s was left out: only weekly opening windows are imported.")
                % {"id": schedule.get("id", "?")}
            )
            continue
        if closes <= opens or any(day[-2:] not in BYDAY for day in days):
            notes.append(
                _("Schedule %(id)s was left out: its days or times cannot be read.")
                % {"id": schedule.get("id", "?")}
            )
            continue
        for day in days:
            weekly.append(
                (
                    BYDAY[day[-2:]],
                    opens,
                    closes,
                    _date(schedule.get("valid_from")),
                    _date(schedule.get("valid_to")),
                    _text(schedule, "description")[:200],
                )
            )
    return sorted(set(weekly), key=repr), sorted(set(extra), key=repr)


class Vocabulary:
    """Our languages and categories, and the term mappings the importer was given."""

    def __init__(self, term_map: dict[str, str] | None = None):
        self.languages = {lang.code.lower(): lang.pk for lang in Language.objects.all()}
        categories = list(Category.objects.only("id", "code", "name"))
        self.terms: dict[str, int] = {}
        for cat in categories:
            self.terms[hsds.category_term_id(cat.code)] = cat.pk
            self.terms[cat.code.lower()] = cat.pk
            self.terms[cat.name.casefold()] = cat.pk
        by_code = {cat.code: cat.pk for cat in categories}
        for theirs, ours in (term_map or {}).items():
            if ours in by_code:
                self.terms[theirs.strip().casefold()] = by_code[ours]

    def category(self, term: dict) -> int | None:
        for key in (term.get("id"), term.get("code"), term.get("name")):
            if key and str(key).strip().casefold() in self.terms:
                return self.terms[str(key).strip().casefold()]
        return None


def _offer(record: dict, vocabulary: Vocabulary, report: Report) -> Incoming:
    reasons: list[str] = []
    notes: list[str] = []
    cost_options = record.get("cost_options") or []
    amounts = [c.get("amount") for c in cost_options if c.get("amount") not in (None, "")]
    paid = [a for a in amounts if _positive(a)]
    free = (cost_options and not paid and all(c.get("option") == "free" for c in cost_options)) or (
        not cost_options and not record.get("fees_description")
    )
    values = {
        "name": _text(record, "name", 200, reasons),
        "summary": _text(record, "summary", 300, reasons),
        "description": _text(record, "description"),
        "status": STATUS_IN.get(record.get("status"), record.get("status") or "active"),
        "website": _text(record, "url", 200, reasons),
        "email": _text(record, "email", 254, reasons),
        "eligibility": _text(record, "eligibility_description"),
        "application_process": _text(record, "application_process"),
        "fee_text": _text(record, "fees_description", 200, reasons),
        "accessibility_notes": _text(record, "accessibility_description"),
        "age_min": _age(record.get("minimum_age"), "minimum_age", reasons),
        "age_max": _age(record.get("maximum_age"), "maximum_age", reasons),
        "interpreting_available": bool(record.get("interpretation_services")),
        "cost": Offer.Cost.FREE if free else Offer.Cost.FEE,
        "fee_amount": Decimal(str(paid[0])).quantize(Decimal("0.01")) if paid else None,
    }
    if values["age_min"] is not None and values["age_max"] is not None:
        if values["age_min"] > values["age_max"]:
            reasons.append(_("The minimum age is above the maximum age."))
    languages = set()
    for language in record.get("languages") or []:
        code = str(language.get("code") or "").lower()
        if code in vocabulary.languages:
            languages.add(vocabulary.languages[code])
        else:
            notes.append(
                _("Language %(code)s is not in our list and was left out.")
                % {"code": code or language.get("name", "?")}
            )
    categories = set()
    for attribute in record.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {"id": attribute.get("taxonomy_term_id")}
        if term.get("taxonomy_id") == hsds.TARGET_GROUP_TAXONOMY_ID:
            continue
        found = vocabulary.category(term)
        if found is None:
            label = term.get("code") or term.get("name") or term.get("id") or "?"
            report.unknown_terms[str(label)] = report.unknown_terms.get(str(label), 0) + 1
            notes.append(_("Taxonomy term %(term)s has no matching category.") % {"term": label})
        else:
            categories.add(found)
    sites = []
    service_schedules = record.get("schedules") or []
    for sal in record.get("service_at_locations") or []:
        location = sal.get("location")
        if not isinstance(location, dict) or not location.get("id"):
            reasons.append(
                _("Service at location %(id)s has no location.") % {"id": sal.get("id", "?")}
            )
            continue
        own = list(sal.get("schedules") or []) + [
            s
            for s in service_schedules
            if s.get("service_at_location_id") == sal.get("id")
            or (not s.get("service_at_location_id") and s.get("location_id") == location["id"])
        ]
        if any(str(site["location"]["id"]) == str(location["id"]) for site in sites):
            notes.append(
                _("Service at location %(id)s repeats a place; its hours were left out.")
                % {"id": sal.get("id", "?")}
            )
            continue
        hours, extras = _hours(own, notes)
        sites.append(
            {
                "external_id": str(sal.get("id", "")),
                "location": location,
                "note": _text(sal, "description")[:300],
                "by_appointment_only": any(
                    s.get("attending_type") == "by appointment" for s in own
                ),
                "hours": hours,
                "extras": extras,
            }
        )
    organisation = record.get("organization")
    org_id = str((organisation or {}).get("id") if isinstance(organisation, dict) else "") or str(
        record.get("organization_id") or ""
    )
    if not values["name"]:
        reasons.append(_("The name is empty."))
    row = Row("offer", str(record.get("id", "")), values["name"], reasons=reasons, notes=notes)
    if reasons:
        row.outcome = REJECTED
    return Incoming(
        "offer",
        row.external_id,
        values,
        many={"languages": languages, "categories": categories},
        translations=_translations(record, OFFER_TEXTS),
        row=row,
        organisation=org_id,
        sites=sites,
    )


def _positive(value) -> bool:
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


# Planning: validate, map, compare


@dataclass
class Plan:
    report: Report
    organisations: dict[str, Incoming] = field(default_factory=dict)
    locations: dict[str, Incoming] = field(default_factory=dict)
    offers: dict[str, Incoming] = field(default_factory=dict)
    existing: dict[tuple[str, str], int] = field(default_factory=dict)
    # Records of ours matched by name rather than by an earlier import of this source.
    adopted: set[tuple[str, str]] = field(default_factory=set)


def plan(
    services: list[Any],
    *,
    office,
    source: str,
    pre_rejected: list[Row] = (),
    term_map: dict[str, str] | None = None,
) -> Plan:
    report = Report(source=source, rows=list(pre_rejected))
    result = Plan(report)
    vocabulary = Vocabulary(term_map)
    seen: set[str] = set()
    for index, record in enumerate(services):
        if not isinstance(record, dict):
            report.rows.append(
                Row("offer", f"#{index + 1}", "", REJECTED, reasons=[_("Not a JSON object.")])
            )
            continue
        errors = validation.errors("service", record)
        rid = str(record.get("id", f"#{index + 1}"))
        name = str(record.get("name", ""))[:200]
        if rid in seen:
            errors = [*errors, _("The id %(id)s appears more than once.") % {"id": rid}]
        seen.add(rid)
        if errors:
            report.rows.append(Row("offer", rid, name, REJECTED, reasons=errors[:10]))
            continue
        offer = _offer(record, vocabulary, report)
        org_record = record.get("organization")
        if isinstance(org_record, dict) and org_record.get("id"):
            if org_record["id"] not in result.organisations:
                result.organisations[org_record["id"]] = _organisation(org_record)
        for site in offer.sites:
            loc_id = str(site["location"]["id"])
            if loc_id not in result.locations:
                result.locations[loc_id] = _location(site["location"])
        result.offers[rid] = offer
    _load_existing(result, office, source)
    for offer in result.offers.values():
        if offer.row.outcome == REJECTED:
            continue
        org = result.organisations.get(offer.organisation)
        known = ("organisation", offer.organisation) in result.existing
        if (org is None or org.row.outcome == REJECTED) and not known:
            offer.row.outcome = REJECTED
            offer.row.reasons.append(
                _("Its organisation (%(id)s) is neither in the file nor imported before.")
                % {"id": offer.organisation or "?"}
            )
        for site in offer.sites:
            if result.locations[str(site["location"]["id"])].row.outcome == REJECTED:
                offer.row.outcome = REJECTED
                offer.row.reasons.append(
                    _("Its location %(id)s was rejected.") % {"id": site["location"]["id"]}
                )
    _compare(result)
    report.rows += [i.row for i in result.organisations.values()]
    report.rows += [i.row for i in result.locations.values()]
    report.rows += [i.row for i in result.offers.values()]
    return result


def _load_existing(result: Plan, office, source: str) -> None:
    for kind, external_id, object_id in ImportedRecord.objects.filter(
        office=office, source=source
    ).values_list("kind", "external_id", "object_id"):
        result.existing[(kind, external_id)] = object_id
    # An organisation of the office with the same name is the same organisation.
    by_name = {
        name.casefold(): pk
        for pk, name in Organisation.objects.filter(office=office).values_list("pk", "name")
    }
    names: dict[str, str] = {}
    for ext, item in result.organisations.items():
        key = item.values["name"].casefold()
        if key in names and item.row.outcome != REJECTED:
            item.row.outcome = REJECTED
            item.row.reasons.append(
                _("Organisation %(other)s in the file has the same name.") % {"other": names[key]}
            )
        names.setdefault(key, ext)
        if ("organisation", ext) not in result.existing and key in by_name:
            result.existing[("organisation", ext)] = by_name[key]
            result.adopted.add(("organisation", ext))


def _compare(result: Plan) -> None:
    """Mark each record new, changed (with the fields) or unchanged against our data."""
    for kind, model, incoming in (
        ("organisation", Organisation, result.organisations),
        ("location", Location, result.locations),
        ("offer", Offer, result.offers),
    ):
        ids = {result.existing[(kind, ext)] for ext in incoming if (kind, ext) in result.existing}
        current = model.objects.in_bulk(ids)
        sites = _current_sites(ids, result) if kind == "offer" else {}
        related = _current_many(ids) if kind == "offer" else {}
        for ext, item in incoming.items():
            if item.row.outcome == REJECTED:
                continue
            obj = current.get(result.existing.get((kind, ext)))
            if obj is None:
                item.row.outcome = NEW
                continue
            changed = [f for f, v in item.values.items() if getattr(obj, f) != v]
            if kind == "offer":
                org_pk = result.existing.get(("organisation", item.organisation))
                if org_pk is not None and obj.organisation_id != org_pk:
                    changed.append("organisation")
                for name, wanted in item.many.items():
                    if related[name].get(obj.pk, set()) != wanted:
                        changed.append(name)
                if sites.get(obj.pk, []) != _wanted_sites(item, result):
                    changed.append("places and opening hours")
            item.row.outcome = CHANGED if changed else UNCHANGED
            item.row.fields = changed


def _current_many(offer_ids) -> dict[str, dict[int, set[int]]]:
    """Categories and languages of these offers, read in one query each."""
    out: dict[str, dict[int, set[int]]] = {}
    for name, column in (("categories", "category_id"), ("languages", "language_id")):
        through = getattr(Offer, name).through.objects.filter(offer_id__in=offer_ids)
        out[name] = {}
        for offer_id, other in through.values_list("offer_id", column):
            out[name].setdefault(offer_id, set()).add(other)
    return out


def _current_sites(offer_ids, result: Plan) -> dict[int, list]:
    out: dict[int, list] = {}
    rows = OfferLocation.objects.filter(offer_id__in=offer_ids).prefetch_related(
        "opening_hours", "exceptions"
    )
    for ol in rows.order_by("pk"):
        hours = sorted(
            (
                (h.weekday, h.opens, h.closes, h.valid_from, h.valid_until, h.note)
                for h in ol.opening_hours.all()
            ),
            key=repr,
        )
        extras = sorted(
            (
                (e.date_from, e.date_until, e.opens, e.closes, e.note)
                for e in ol.exceptions.all()
                if e.kind == ScheduleException.Kind.EXTRA
            ),
            key=repr,
        )
        out.setdefault(ol.offer_id, []).append(
            (ol.location_id, ol.note, ol.by_appointment_only, hours, extras)
        )
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _wanted_sites(item: Incoming, result: Plan) -> list | None:
    wanted = []
    for site in item.sites:
        location = result.existing.get(("location", str(site["location"]["id"])))
        if location is None:
            return None  # a new place: certainly a change
        wanted.append(
            (location, site["note"], site["by_appointment_only"], site["hours"], site["extras"])
        )
    return sorted(wanted, key=repr)


# Applying


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (ValueError, TypeError):
        return None


def _free_ids(model, wanted: list[str]) -> set[str]:
    ids = [u for u in (_uuid_or_none(w) for w in wanted) if u is not None]
    taken = set()
    for start in range(0, len(ids), 500):
        taken |= {
            str(u)
            for u in model.objects.filter(public_id__in=ids[start : start + 500]).values_list(
                "public_id", flat=True
            )
        }
    return {str(u) for u in ids} - taken


def apply(result: Plan, *, office, actor=None, file_name: str = "") -> Report:
    """Write the plan in one transaction; refuse if anything was rejected."""
    report = result.report
    if not report.can_apply:
        raise ImportRefused(
            [_("%(n)s records were rejected; nothing was imported.") % {"n": len(report.rejected)}]
            + report.problems
        )
    now = timezone.now()
    with transaction.atomic():
        organisations = _write(
            result, Organisation, result.organisations, office, now, extra={"office": office}
        )
        locations = _write(
            result, Location, result.locations, office, now, extra={"office": office}
        )
        for item in result.offers.values():
            org_pk = organisations.get(item.organisation) or result.existing.get(
                ("organisation", item.organisation)
            )
            item.values["organisation_id"] = org_pk
        offers = _write(result, Offer, result.offers, office, now)
        _write_relations(result, offers, locations)
        _write_translations(result, organisations, locations, offers)
        counts = report.counts()
        run = ImportRun.objects.create(
            office=office,
            source=result.report.source,
            file_name=file_name[:255],
            actor=actor,
            counts=counts,
        )
        audit_log(
            action="opendata.import.applied",
            actor=actor,
            office=office,
            obj=run,
            changes={kind: [None, c] for kind, c in counts.items()},
        )
        touched = {pk for ext, pk in offers.items() if result.offers[ext].row.outcome != UNCHANGED}
        # An offer's search text holds its organisation's name, and its facets its places.
        changed_orgs = [
            pk
            for ext, pk in organisations.items()
            if result.organisations[ext].row.outcome == CHANGED
        ]
        changed_places = [
            pk for ext, pk in locations.items() if result.locations[ext].row.outcome == CHANGED
        ]
        touched |= set(
            Offer.objects.filter(
                Q(organisation_id__in=changed_orgs)
                | Q(offer_locations__location_id__in=changed_places)
            ).values_list("pk", flat=True)
        )
        if touched:
            index_offers(touched)
        if touched or changed_orgs or changed_places:
            content_changed()
    report.applied = True
    return report


def _write(result: Plan, model, incoming: dict[str, Incoming], office, now, extra=None):
    """Create new and update changed records of one kind; returns external id → pk."""
    kind = {Organisation: "organisation", Location: "location", Offer: "offer"}[model]
    pks = {ext: result.existing[(kind, ext)] for ext in incoming if (kind, ext) in result.existing}
    new = [item for item in incoming.values() if item.row.outcome == NEW]
    free = _free_ids(model, [item.external_id for item in new])
    objects = []
    for item in new:
        obj = model(**item.values, **(extra or {}))
        if item.external_id in free:
            obj.public_id = UUID(item.external_id)
        obj.created_at = obj.updated_at = now
        if hasattr(obj, "verified_at"):
            obj.verified_at = now
            obj.review_due_at = now + timedelta(days=obj.review_interval_days)
        objects.append(obj)
    created = model.objects.bulk_create(objects, batch_size=500)
    for item, obj in zip(new, created, strict=True):
        pks[item.external_id] = obj.pk
    ImportedRecord.objects.bulk_create(
        [
            ImportedRecord(
                office=office,
                source=result.report.source,
                kind=kind,
                external_id=item.external_id,
                object_id=pks[item.external_id],
            )
            for item in incoming.values()
            if item.row.outcome == NEW or (kind, item.external_id) in result.adopted
        ],
        batch_size=500,
    )
    changed = [item for item in incoming.values() if item.row.outcome == CHANGED]
    if changed:
        current = model.objects.in_bulk([pks[item.external_id] for item in changed])
        for item in changed:
            obj = current[pks[item.external_id]]
            for name, value in item.values.items():
                setattr(obj, name, value)
            obj.version += 1
            obj.updated_at = now
            if set(item.row.fields) & set(model.TRANSLATABLE_FIELDS):
                obj.revision += 1
        fields = sorted({*changed[0].values, "version", "updated_at", "revision"})
        model.objects.bulk_update(current.values(), fields, batch_size=500)
    return pks


def _write_relations(result: Plan, offers: dict[str, int], locations: dict[str, int]) -> None:
    """Categories, languages, places and opening hours of new and changed offers. Closures
    entered here (HSDS cannot carry them) stay with their place if the file keeps it."""
    todo = [i for i in result.offers.values() if i.row.outcome in (NEW, CHANGED)]
    pks = [offers[i.external_id] for i in todo]
    closures: dict[tuple[int, int], list[dict]] = {}
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        kept = ScheduleException.objects.filter(
            offer_location__offer_id__in=chunk, kind=ScheduleException.Kind.CLOSED
        ).values(
            "offer_location__offer_id",
            "offer_location__location_id",
            "date_from",
            "date_until",
            "opens",
            "closes",
            "note",
        )
        for row in kept:
            place = (row.pop("offer_location__offer_id"), row.pop("offer_location__location_id"))
            closures.setdefault(place, []).append(row)
        Offer.categories.through.objects.filter(offer_id__in=chunk).delete()
        Offer.languages.through.objects.filter(offer_id__in=chunk).delete()
        OfferLocation.objects.filter(offer_id__in=chunk).delete()
    categories, languages, places, hours, extras = [], [], [], [], []
    for item in todo:
        pk = offers[item.external_id]
        categories += [
            Offer.categories.through(offer_id=pk, category_id=c) for c in item.many["categories"]
        ]
        languages += [
            Offer.languages.through(offer_id=pk, language_id=lang)
            for lang in item.many["languages"]
        ]
        for site in item.sites:
            ol = OfferLocation(
                offer_id=pk,
                location_id=locations[str(site["location"]["id"])],
                note=site["note"],
                by_appointment_only=site["by_appointment_only"],
            )
            places.append((ol, site))
    Offer.categories.through.objects.bulk_create(categories, batch_size=1000)
    Offer.languages.through.objects.bulk_create(languages, batch_size=1000)
    free = _free_ids(OfferLocation, [site["external_id"] for _ol, site in places])
    for ol, site in places:
        if site["external_id"] in free:
            ol.public_id = UUID(site["external_id"])
            free.discard(site["external_id"])
    created = OfferLocation.objects.bulk_create([ol for ol, _site in places], batch_size=500)
    for ol, (_unused, site) in zip(created, places, strict=True):
        for weekday, opens, closes, valid_from, valid_until, note in site["hours"]:
            hours.append(
                OpeningHours(
                    offer_location_id=ol.pk,
                    weekday=weekday,
                    opens=opens,
                    closes=closes,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    note=note,
                )
            )
        for date_from, date_until, opens, closes, note in site["extras"]:
            extras.append(
                ScheduleException(
                    offer_location_id=ol.pk,
                    kind=ScheduleException.Kind.EXTRA,
                    date_from=date_from,
                    date_until=date_until,
                    opens=opens,
                    closes=closes,
                    note=note,
                )
            )
        for closure in closures.get((ol.offer_id, ol.location_id), []):
            extras.append(
                ScheduleException(
                    offer_location_id=ol.pk, kind=ScheduleException.Kind.CLOSED, **closure
                )
            )
    OpeningHours.objects.bulk_create(hours, batch_size=1000)
    ScheduleException.objects.bulk_create(extras, batch_size=1000)


def _write_translations(result: Plan, organisations, locations, offers) -> None:
    for model, items, pks, link in (
        (OrganisationTranslation, result.organisations, organisations, "organisation_id"),
        (LocationTranslation, result.locations, locations, "location_id"),
        (OfferTranslation, result.offers, offers, "offer_id"),
    ):
        todo = [i for i in items.values() if i.row.outcome in (NEW, CHANGED) and i.translations]
        if not todo:
            continue
        owner = model._meta.get_field(link.removesuffix("_id")).related_model
        revisions = dict(
            owner.objects.filter(pk__in=[pks[i.external_id] for i in todo]).values_list(
                "pk", "revision"
            )
        )
        rows = []
        for item in todo:
            pk = pks[item.external_id]
            model.objects.filter(**{link: pk}, language__in=list(item.translations)).delete()
            for language, texts in item.translations.items():
                rows.append(
                    model(
                        **{link: pk},
                        language=language,
                        source_revision=revisions[pk],
                        **texts,
                    )
                )
        model.objects.bulk_create(rows, batch_size=500)


def import_hsds(
    data: bytes | Path,
    *,
    office,
    source: str,
    actor=None,
    dry_run: bool = True,
    file_name: str = "",
    term_map: dict[str, str] | None = None,
) -> Report:
    """Read, check and (unless dry_run) apply an HSDS file; ImportRefused if unreadable or,
    when applying, if any record was rejected."""
    if isinstance(data, Path):
        services, pre_rejected = read_path(data)
        file_name = file_name or data.name
    else:
        services, pre_rejected = read_records(data, file_name)
    result = plan(
        services, office=office, source=source, pre_rejected=pre_rejected, term_map=term_map
    )
    if dry_run:
        return result.report
    return apply(result, office=office, actor=actor, file_name=file_name)


def parse_term_map(text: str) -> dict[str, str]:
    """'their term = our category code' lines; blank lines and # comments ignored."""
    out = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(
                _("Line %(n)s: write 'their term = our category code'.") % {"n": number}
            )
        theirs, ours = (part.strip() for part in line.split("=", 1))
        out[theirs] = ours
    return out
