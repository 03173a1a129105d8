"""Open-data downloads of the public directory: HSDS 3.0 as JSON and as a tabular data package,
a GeoJSON map of the places and a spreadsheet of the offers, all in German (the source
language; the JSON carries every reviewed translation). Each is built once per content
generation under DATA_DIR/exports/<generation>/ and served from there.

Writers read offers in chunks of CHUNK with a fixed number of queries per chunk and write as
they go, so memory stays flat however large the directory is."""

import copy
import csv
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import NamedTuple, TextIO

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.utils import timezone, translation

from wegweiser.core import content
from wegweiser.directory.models import Location, Offer, OfferLocation
from wegweiser.opendata import hsds, tabular, validation
from wegweiser.site.localize import SOURCE
from wegweiser.site.queries import public_offers

CHUNK = 200
# The licence the published data is offered under; the owner of the installation decides.
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
# The HSDS tables our services fill, in the official descriptor's order.
RESOURCES = (
    "organization",
    "service",
    "attribute",
    "service_at_location",
    "location",
    "phone",
    "contact",
    "address",
    "schedule",
    "language",
    "accessibility",
    "taxonomy_term",
    "cost_option",
    "organization_identifier",
    "taxonomy",
)
# Nested keys of an HSDS record → the table their records go to.
NESTED = {
    "organization": "organization",
    "organization_identifiers": "organization_identifier",
    "service_at_locations": "service_at_location",
    "location": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "phones": "phone",
    "contacts": "contact",
    "schedules": "schedule",
    "languages": "language",
    "cost_options": "cost_option",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def in_source_language(writer: Callable) -> Callable:
    """Exports are German whatever language the request that triggers them speaks."""

    @wraps(writer)
    def wrapper(*args, **kwargs):
        with translation.override(SOURCE):
            return writer(*args, **kwargs)

    return wrapper


def in_chunks(qs: QuerySet, size: int | None = None, prepare: Callable | None = None) -> Iterator:
    """The rows of `qs` in its order, read CHUNK at a time (ids first, as api._paged);
    `prepare(rows)` may add to each chunk's rows before they are handed out."""
    size = size or CHUNK
    ids = list(qs.values_list("pk", flat=True))
    unordered = qs.order_by()
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        found = {obj.pk: obj for obj in unordered.filter(pk__in=chunk)}
        rows = [found[pk] for pk in chunk if pk in found]
        yield from (prepare(rows) if prepare else rows)


def offer_urls() -> Callable[[object], str]:
    """public id → the offer's public page (German)."""
    return lambda public_id: hsds.public_url("site:offer", public_id)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# HSDS JSON


class _JsonSink:
    """hsds.json: a JSON array of fully nested services, one per line."""

    def __init__(self, stream: TextIO):
        self.stream, self.count = stream, 0
        stream.write("[")

    def add(self, offer: Offer, service: dict) -> None:
        self.stream.write(",\n" if self.count else "\n")
        self.stream.write(_json(service))
        self.count += 1

    def finish(self) -> int:
        self.stream.write("\n]\n" if self.count else "]\n")
        return self.count


@in_source_language
def _each_offer(*sinks) -> list[int]:
    """One pass over the public offers feeding every sink: each offer is read and
    serialised once, however many files are written from it."""
    organisations: dict = {}
    offers = in_chunks(hsds.service_queryset(hours=False), prepare=hsds.attach_hours)
    for offer in offers:
        service = hsds.service(offer, SOURCE, memo=organisations)
        for sink in sinks:
            sink.add(offer, service)
    return [sink.finish() for sink in sinks]


def write_hsds_json(stream: TextIO) -> int:
    """A JSON array of every public offer as a fully nested HSDS service, one per line;
    returns how many were written."""
    return _each_offer(_JsonSink(stream))[0]


# HSDS tabular data package


class _Table:
    """One CSV file of the package, written row by row, each id once."""

    def __init__(self, resource: dict, folder: Path):
        self.resource = resource
        self.fields = resource["schema"]["fields"]
        self.path = folder / resource["path"]
        self.file = self.path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file, lineterminator="\r\n")
        self.writer.writerow([f["name"] for f in self.fields])
        self.seen: set[str] = set()

    def add(self, record: dict) -> bool:
        """Write the record unless its id was written before; False if it was."""
        if record["id"] in self.seen:
            return False
        self.seen.add(record["id"])
        row = {**record}
        for field in self.fields:
            # An empty cell reads as a missing value, so a required description that is
            # empty in our data (target groups have none) falls back to the name.
            required = field.get("constraints", {}).get("required")
            if required and field["name"] == "description" and not row.get("description"):
                row["description"] = row.get("name", "")
        self.writer.writerow([tabular.format_cell(row.get(f["name"]), f) for f in self.fields])
        return True

    def close(self) -> None:
        self.file.close()


class _Package:
    """Flattens nested services into the package's tables, foreign keys set."""

    def __init__(self, folder: Path):
        official = {r["name"]: r for r in validation.datapackage()["resources"]}
        self.tables = {name: _Table(official[name], folder) for name in RESOURCES}
        self.terms: dict[str, dict] = {}
        # A contact row has one service_id: set it only where the contact serves one service.
        self.contacts: dict[str, dict] = {}
        self.contact_service: dict[str, str] = {}  # "" once a second service shows up

    def add(self, resource: str, record: dict, parent: tuple[str, str] | None = None) -> None:
        record = dict(record)
        if parent is not None:
            self._link(resource, record, parent)
        if resource == "taxonomy_term":
            self.terms.setdefault(record["id"], record)
            return
        if resource == "contact":
            if parent is not None and parent[0] == "service":
                known = self.contact_service.setdefault(record["id"], parent[1])
                if known != parent[1]:
                    self.contact_service[record["id"]] = ""
            if record["id"] in self.contacts:
                return
            fields = self.tables["contact"].fields
            self.contacts[record["id"]] = {f["name"]: record.get(f["name"]) for f in fields}
        elif not self.tables[resource].add(record):
            return
        for key, value in record.items():
            child = NESTED.get(key)
            if child is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                self.add(child, item, (resource, record["id"]))

    def _link(self, resource: str, record: dict, parent: tuple[str, str]) -> None:
        kind, parent_id = parent
        if resource == "attribute":
            record.setdefault("link_id", parent_id)
            record.setdefault("link_type", kind)
            record.setdefault("link_entity", kind)
        elif resource != "contact" or kind != "service":
            column = f"{kind}_id"
            if any(f["name"] == column for f in self.tables[resource].fields):
                record.setdefault(column, parent_id)

    def finish(self) -> None:
        for contact_id, record in self.contacts.items():
            record["service_id"] = self.contact_service.get(contact_id) or None
            self.tables["contact"].add(record)
        taxonomies = hsds.taxonomies()
        for record in taxonomies:
            self.tables["taxonomy"].add(record)
        taxonomy_ids = {t["id"] for t in taxonomies}
        terms = {**self.terms, **{t["id"]: t for t in hsds.taxonomy_terms(SOURCE)}}
        for term in terms.values():
            row = dict(term)
            if row.get("parent_id") not in terms:
                row.pop("parent_id", None)
            if row.get("taxonomy_id") not in taxonomy_ids:
                row.pop("taxonomy_id", None)
            self.tables["taxonomy_term"].add(row)

    def close(self) -> None:
        for table in self.tables.values():
            table.close()


def package_descriptor(files: dict[str, Path]) -> dict:
    """The official HSDS descriptor restricted to the resources written (foreign keys to
    resources left out go too), with this installation's name, licence and date."""
    resources = []
    for official in validation.datapackage()["resources"]:
        if official["name"] not in files:
            continue
        resource = copy.deepcopy(official)
        schema = resource["schema"]
        schema["foreignKeys"] = [
            fk
            for fk in schema.get("foreignKeys", [])
            if (fk["reference"].get("resource") or resource["name"]) in files
        ]
        if not schema["foreignKeys"]:
            del schema["foreignKeys"]
        path = files[official["name"]]
        resource.update(
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            bytes=path.stat().st_size,
            hash="sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": "wegweiser-hsds",
        "title": "Wegweiser: Angebote für Zugewanderte (Open Referral HSDS 3.0)",
        "description": (
            "The public offers of the Wegweiser directory in the tabular form of the Human "
            "Services Data Specification 3.0. German source text; the translations are in "
            "the HSDS JSON export (hsds.json)."
        ),
        "homepage": settings.SITE_URL,
        "created": timezone.now().isoformat(timespec="seconds"),
        "licenses": [LICENCE],
        "sources": [
            {
                "title": "Human Services Data Specification 3.0: an Open Referral resource "
                "(schema and descriptor, CC BY-SA 4.0)",
                "path": "https://openreferral.org/",
            }
        ],
        "resources": resources,
    }


class _TabularSink:
    """hsds-tabular.zip: the nested services flattened into the package's CSV files."""

    def __init__(self, zip_path: Path):
        self.zip_path = Path(zip_path)
        self.tmp = tempfile.TemporaryDirectory(dir=self.zip_path.parent, prefix=".tabular-")
        self.package = _Package(Path(self.tmp.name))
        self.count = 0

    def add(self, offer: Offer, service: dict) -> None:
        self.package.add("service", service)
        self.count += 1

    def finish(self) -> int:
        try:
            with translation.override(SOURCE):
                self.package.finish()
            self.package.close()
            files = {name: table.path for name, table in self.package.tables.items()}
            descriptor = package_descriptor(files)
            with zipfile.ZipFile(self.zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(
                    tabular.DESCRIPTOR, json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
                )
                for resource in descriptor["resources"]:
                    zf.write(files[resource["name"]], resource["path"])
        finally:
            self.package.close()
            self.tmp.cleanup()
        return self.count


def write_tabular(zip_path: Path) -> int:
    """The HSDS tabular data package as a zip: datapackage.json and one CSV per table we
    fill, every foreign key pointing at a row of the package. Returns the services written."""
    return _each_offer(_TabularSink(zip_path))[0]


# GeoJSON


def public_locations() -> QuerySet[Location]:
    """Places where public offers happen and that have coordinates."""
    used = OfferLocation.objects.filter(offer__in=public_offers()).values("location_id")
    return Location.objects.filter(
        pk__in=used, latitude__isnull=False, longitude__isnull=False
    ).order_by("name", "pk")


@in_source_language
def write_geojson(stream: TextIO) -> int:
    """An RFC 7946 FeatureCollection: one Point per public place with coordinates, with the
    public offers held there. Returns the features written."""
    count = 0
    stream.write('{"type":"FeatureCollection","features":[')
    locations = in_chunks(public_locations())
    offer_url = offer_urls()
    while chunk := _take(locations, CHUNK):
        offers: dict[int, list[dict]] = {}
        links = (
            public_offers()
            .filter(offer_locations__location_id__in=[loc.pk for loc in chunk])
            .order_by("name", "pk")
            .values_list("offer_locations__location_id", "public_id", "name")
        )
        for location_id, public_id, name in links:
            offers.setdefault(location_id, []).append(
                {"id": str(public_id), "name": name, "url": offer_url(public_id)}
            )
        for loc in chunk:
            stream.write(",\n" if count else "\n")
            stream.write(_json(_feature(loc, offers.get(loc.pk, []))))
            count += 1
    stream.write("\n]}\n" if count else "]}\n")
    return count


def _take(items: Iterator, size: int) -> list:
    out = []
    for item in items:
        out.append(item)
        if len(out) == size:
            break
    return out


def _feature(loc: Location, offers: list[dict]) -> dict:
    return {
        "type": "Feature",
        "id": str(loc.public_id),
        "geometry": {"type": "Point", "coordinates": [float(loc.longitude), float(loc.latitude)]},
        "properties": {
            "id": str(loc.public_id),
            "name": loc.name,
            "address": loc.street,
            "postcode": loc.postcode,
            "city": loc.city,
            "step_free_access": loc.step_free_access,
            "offers": offers,
        },
    }


# Offers as a spreadsheet

# German headers: the export is German. `;` is the list separator German Excel and
# LibreOffice expect, so a double click opens the file in columns.
OFFER_COLUMNS = (
    "ID",
    "Name",
    "Status",
    "Träger",
    "Kurzbeschreibung",
    "Kategorien",
    "Sprachen",
    "Zielgruppen",
    "Kosten",
    "Alter",
    "Adressen",
    "Telefon",
    "E-Mail",
    "Website",
    "Zuletzt geprüft",
    "Seite",
)
OFFERS_DELIMITER = ";"


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


class _OffersCsvSink:
    """offers.csv: one row per offer for spreadsheets."""

    def __init__(self, stream: TextIO):
        stream.write("\ufeff")
        self.writer = csv.writer(stream, delimiter=OFFERS_DELIMITER, lineterminator="\r\n")
        self.writer.writerow(OFFER_COLUMNS)
        self.offer_url = offer_urls()
        self.count = 0

    def add(self, offer: Offer, service: dict) -> None:
        row = _offer_row(offer, self.offer_url(offer.public_id), service)
        self.writer.writerow([spreadsheet_safe(cell) for cell in row])
        self.count += 1

    def finish(self) -> int:
        return self.count


def write_offers_csv(stream: TextIO) -> int:
    """Public offers, one row each, for spreadsheets: UTF-8 with BOM (Excel reads it as
    UTF-8), `;`-separated, RFC 4180 quoting, formula-like cells neutralised."""
    return _each_offer(_OffersCsvSink(stream))[0]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _offer_row(offer: Offer, page: str, service: dict) -> list[str]:
    """The spreadsheet row of an offer, from the offer and its HSDS service."""
    org = service.get("organization", {})
    terms = [a["taxonomy_term"] for a in service.get("attributes", [])]
    places = [
        sal["location"] for sal in service.get("service_at_locations", []) if "location" in sal
    ]
    addresses = _unique(
        ", ".join(
            part
            for part in (
                place.get("name", ""),
                address["address_1"],
                f"{address['postal_code']} {address['city']}".strip(),
            )
            if part
        )
        for place in places
        for address in place.get("addresses", [])
    )
    contacts = service.get("contacts", [])
    phones = _unique(p["number"] for c in contacts for p in c.get("phones", []))
    phones = phones or _unique(p["number"] for p in org.get("phones", []))
    emails = _unique([service.get("email", "")])
    emails = emails or _unique(c.get("email", "") for c in contacts)
    emails = emails or _unique([org.get("email", "")])
    return [
        service["id"],
        service["name"],
        offer.get_status_display(),
        org.get("name", ""),
        service.get("summary", ""),
        ", ".join(t["name"] for t in terms if t["taxonomy_id"] == hsds.CATEGORY_TAXONOMY_ID),
        ", ".join(lang["name"] for lang in service.get("languages", []) if lang.get("name")),
        ", ".join(t["name"] for t in terms if t["taxonomy_id"] == hsds.TARGET_GROUP_TAXONOMY_ID),
        _cost(offer, service.get("fees_description", "")),
        _ages(offer.age_min, offer.age_max),
        " | ".join(addresses),
        ", ".join(phones),
        ", ".join(emails),
        offer.website,
        service.get("assured_date", ""),
        page,
    ]


def _cost(offer: Offer, fee_text: str) -> str:
    if offer.cost == Offer.Cost.FEE and fee_text:
        return fee_text
    if offer.cost == Offer.Cost.FEE and offer.fee_amount is not None:
        return f"{offer.fee_amount:.2f} €".replace(".", ",")
    return str(offer.get_cost_display())


def _ages(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"ab {low}"
    if high is not None:
        return f"bis {high}"
    return ""


# The downloads


def _text_file(writer: Callable[[TextIO], int]) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        with path.open("w", encoding="utf-8", newline="") as stream:
            return writer(stream)

    return write


@dataclass(frozen=True)
class Export:
    content_type: str
    write: Callable[[Path], int]
    description: str = ""


EXPORTS: dict[str, Export] = {
    "hsds.json": Export(
        "application/json",
        _text_file(write_hsds_json),
        "every public offer as a fully nested HSDS 3.0 service, with translations",
    ),
    "hsds-tabular.zip": Export(
        "application/zip", write_tabular, "the HSDS 3.0 tabular data package (CSV files)"
    ),
    "locations.geojson": Export(
        "application/geo+json", _text_file(write_geojson), "the places of public offers"
    ),
    "offers.csv": Export(
        "text/csv; charset=utf-8",
        _text_file(write_offers_csv),
        "public offers as a spreadsheet (German, ';'-separated)",
    ),
}


def build(name: str, path: Path) -> None:
    """Write the export to a temporary file beside `path`, then move it into place, so a
    reader sees the old file or the whole new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        EXPORTS[name].write(Path(tmp))
        os.chmod(tmp, 0o644)  # noqa: S103 - public data, readable by a front web server
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exports_root() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _data_state() -> str:
    """The content generation, plus the number and newest change of offers: a restored or
    new database that counts generations from 1 again does not reuse files built from
    other data."""
    latest = Offer.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    stamp = latest["last"].strftime("%Y%m%d%H%M%S%f") if latest["last"] else "0"
    return f"{content.content_generation()}-{latest['n']}-{stamp}"


def current_file(name: str) -> Path:
    """The export for the current data, built on first request; folders of older data are
    removed when a newer one is built."""
    state = _data_state()
    folder = exports_root() / state
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        build(name, path)
        for old in exports_root().iterdir():
            if old.is_dir() and old.name != state:
                shutil.rmtree(old, ignore_errors=True)
    return path


class Written(NamedTuple):
    name: str
    path: Path
    size: int
    seconds: float


ONE_PASS = {"hsds.json": _JsonSink, "hsds-tabular.zip": _TabularSink, "offers.csv": _OffersCsvSink}


def export_all(folder: Path, names: Iterable[str] | None = None) -> list[Written]:
    """Write the exports (all, or those named) into `folder`. The files made from offers are
    written in one pass over them; `seconds` of those is the time of that shared pass."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names or EXPORTS)
    for name in names:
        if name not in EXPORTS:
            raise KeyError(name)
    written = []
    together = [name for name in names if name in ONE_PASS]
    if together:
        started = time.monotonic()
        parts = {name: folder / f".{name}.part" for name in together}
        streams, sinks = [], []
        try:
            for name in together:
                if ONE_PASS[name] is _TabularSink:
                    sinks.append(_TabularSink(parts[name]))
                else:
                    stream = parts[name].open("w", encoding="utf-8", newline="")
                    streams.append(stream)
                    sinks.append(ONE_PASS[name](stream))
            _each_offer(*sinks)
        except BaseException:
            for part in parts.values():
                part.unlink(missing_ok=True)
            raise
        finally:
            for stream in streams:
                stream.close()
        seconds = time.monotonic() - started
        for name, part in parts.items():
            os.chmod(part, 0o644)  # noqa: S103 - public data, readable by a front web server
            os.replace(part, folder / name)
            path = folder / name
            written.append(Written(name, path, path.stat().st_size, seconds))
    for name in names:
        if name in ONE_PASS:
            continue
        started = time.monotonic()
        path = folder / name
        build(name, path)
        written.append(Written(name, path, path.stat().st_size, time.monotonic() - started))
    return sorted(written, key=lambda w: names.index(w.name))
