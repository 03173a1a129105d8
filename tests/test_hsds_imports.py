"""Importing Open Referral HSDS 3.0 data: the official examples (JSON and tabular), a round
trip of our own offers, all-or-nothing refusal of bad files, escaping of imported text, the
staff page, the management command and the search index. The suite runs on SQLite and
PostgreSQL."""

import csv
import io
import json
import re
import shutil
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from tests.factories import (
    LocationFactory,
    OfferFactory,
    OfferLocationFactory,
    OfficeFactory,
    UserFactory,
)
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.core.models import Language
from wegweiser.directory.models import (
    Category,
    Location,
    Offer,
    OfferLocation,
    OfferTranslation,
    OpeningHours,
    Organisation,
    ScheduleException,
)
from wegweiser.opendata import hsds
from wegweiser.opendata.imports import ImportRefused, import_hsds
from wegweiser.opendata.models import ImportedRecord, ImportRun
from wegweiser.search.models import SearchDocument

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "hsds"
EXAMPLES = DATA / "examples"
NEGATIVE = DATA / "negative-examples"

# Ids in the official examples.
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
SERVICE_AT_LOCATION_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"


# Input


def _load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _bytes(services) -> bytes:
    return json.dumps(services, ensure_ascii=False).encode()


def _example() -> dict:
    """service_full.json, unchanged."""
    return _load("service_full.json")


def _new_id() -> str:
    return str(uuid.uuid4())


def _service(name: str = "Sprachcafé am Rabet", *, organization: dict | None = None, **fields):
    """A small valid nested HSDS service with its organisation, one place with weekly hours
    and one language."""
    sid, loc, sal = _new_id(), _new_id(), _new_id()
    service = {
        "id": sid,
        "name": name,
        "description": "Deutsch sprechen bei Tee und Gebäck.",
        "status": "active",
        "organization": organization
        or {"id": _new_id(), "name": f"Träger von {name}", "description": ""},
        "service_at_locations": [
            {
                "id": sal,
                "service_id": sid,
                "location_id": loc,
                "location": {
                    "id": loc,
                    "location_type": "physical",
                    "name": "Haus am Park",
                    "addresses": [
                        {
                            "id": _new_id(),
                            "location_id": loc,
                            "address_1": "Eisenbahnstraße 5",
                            "city": "Leipzig",
                            "state_province": "Sachsen",
                            "postal_code": "04315",
                            "country": "DE",
                            "address_type": "physical",
                        }
                    ],
                },
                "schedules": [
                    {
                        "id": _new_id(),
                        "freq": "WEEKLY",
                        "byday": "MO,WE",
                        "opens_at": "10:00",
                        "closes_at": "12:00",
                    }
                ],
            }
        ],
        "languages": [{"id": _new_id(), "name": "Arabisch", "code": "ar"}],
    }
    service.update(fields)
    return service


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _zipped_folder(folder: Path, prefix: str = "") -> bytes:
    return _zip({prefix + p.name: p.read_bytes() for p in sorted(folder.iterdir())})


def _rewrite_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def _repaired_package(tmp_path: Path) -> Path:
    """The official csv/ package with its four dangling foreign keys pointed at rows that
    exist; nothing else changed."""
    folder = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", folder)
    with (folder / "taxonomies.csv").open(encoding="utf-8", newline="") as handle:
        taxonomy_id = next(csv.DictReader(handle))["id"]

    def location(row):
        row.update(organization_id=ORGANIZATION_ID)

    def contact(row):
        row.update(organization_id=ORGANIZATION_ID, service_at_location_id=SERVICE_AT_LOCATION_ID)

    _rewrite_csv(folder / "locations.csv", location)
    _rewrite_csv(folder / "contacts.csv", contact)
    _rewrite_csv(folder / "taxonomy_terms.csv", lambda row: row.update(taxonomy_id=taxonomy_id))
    return folder


def _import(data, **options):
    """import_hsds with messages in English (the default language is German)."""
    with translation.override("en"):
        return import_hsds(data, **options)


# Observation


def _written() -> dict[str, int]:
    """Row counts of everything an import may write."""
    models = (
        Organisation,
        Offer,
        Location,
        OfferLocation,
        OpeningHours,
        OfferTranslation,
        Offer.categories.through,
        Offer.languages.through,
        ImportedRecord,
        ImportRun,
        SearchDocument,
    )
    return {model._meta.db_table: model.objects.count() for model in models}


def _state(office) -> dict:
    """version, revision and updated_at of every directory row of the office."""
    return {
        model.__name__: sorted(
            model.objects.filter(**{lookup: office}).values_list(
                "pk", "version", "revision", "updated_at"
            )
        )
        for model, lookup in (
            (Organisation, "office"),
            (Location, "office"),
            (Offer, "organisation__office"),
        )
    } | {
        "places": sorted(
            OfferLocation.objects.filter(offer__organisation__office=office).values_list(
                "pk", flat=True
            )
        ),
        "hours": sorted(
            OpeningHours.objects.filter(
                offer_location__offer__organisation__office=office
            ).values_list("pk", flat=True)
        ),
    }


DIRECTORY_WRITE = re.compile(r'^\s*(insert|update|delete)\b[^"]*"(directory|search)_', re.I)


def _directory_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if DIRECTORY_WRITE.match(q["sql"])]


def _rows(report, kind: str) -> list:
    return [row for row in report.rows if row.kind == kind]


def _outcomes(report) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for row in report.rows:
        out.setdefault(row.kind, {})[row.external_id] = row.outcome
    return out


def _search(client, word: str) -> list[str]:
    response = client.get("/de/suche/", {"q": word})
    assert response.status_code == 200
    return [str(card.name) for card in response.context["cards"]]


@pytest.fixture
def coordinator(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    client.cookies["django_language"] = "en"
    return client


def _upload(client, data: bytes, *, name="services.json", source="partner-portal", term_map=""):
    return client.post(
        reverse("opendata_staff:home"),
        {
            "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
            "source": source,
            "term_map": term_map,
        },
    )


# The official examples


def test_the_official_location_keeps_its_postal_address_and_loses_its_bogus_latitude(world):
    """Its only address is postal (used, as there is nothing else) and its latitude is 100:
    the place is imported without coordinates and the report says why."""
    report = _import(_bytes(_example()), office=world.office, source="official")
    (location,) = _rows(report, "location")
    assert location.outcome == "new" and not location.reasons
    assert any("latitude" in note and "100" in note for note in location.notes)
    assert "note: latitude 100" in report.as_text()
    _import(_bytes(_example()), office=world.office, source="official", dry_run=False)
    place = Location.objects.get(public_id=LOCATION_ID)
    assert (place.latitude, place.longitude) == (None, None)
    assert (place.street, place.postcode, place.city) == (
        "1-30 Main Street MyVillage",
        "ABC 1234",
        "MyCity",
    )


def test_a_dry_run_of_the_official_service_reports_it_new_and_writes_nothing(world):
    before = _written()
    report = _import(_bytes(_example()), office=world.office, source="official")
    assert _outcomes(report) == {
        "organisation": {ORGANIZATION_ID: "new"},
        "location": {LOCATION_ID: "new"},
        "offer": {SERVICE_ID: "new"},
    }
    assert report.counts()["offer"] == {"new": 1, "changed": 0, "unchanged": 0, "rejected": 0}
    assert report.can_apply and not report.applied and not report.rejected
    assert "Dry run: nothing written." in report.as_text()
    assert _written() == before


def test_applying_the_official_service_creates_organisation_offer_place_hours_languages(world):
    report = _import(_bytes(_example()), office=world.office, source="official", dry_run=False)
    assert report.applied and "Applied." in report.as_text()

    offer = Offer.objects.get(public_id=SERVICE_ID)
    organisation = offer.organisation
    assert str(organisation.public_id) == ORGANIZATION_ID
    assert organisation.office == world.office
    assert organisation.name == "Example Organization Inc."
    assert organisation.legal_status == "Limited Company"
    assert organisation.website == "http://example.com"
    assert offer.name == "Community Counselling"
    assert offer.description.startswith("Counselling Services provided by trained")
    assert offer.website == "http://example.com/counselling"
    assert offer.email == "email@example.com"
    assert (offer.age_min, offer.age_max) == (12, 100)
    assert offer.interpreting_available
    assert offer.cost == Offer.Cost.FEE and offer.fee_amount == 35
    assert offer.application_process.startswith("If you are an NHS patient")
    assert offer.eligibility.startswith("This service is intended for all people aged 12")
    assert offer.status == Offer.Status.ACTIVE
    assert [lang.code for lang in offer.languages.all()] == ["ur"]
    assert not offer.categories.exists()

    (place,) = offer.offer_locations.select_related("location")
    assert str(place.public_id) == SERVICE_AT_LOCATION_ID
    location = place.location
    assert str(location.public_id) == LOCATION_ID and location.office == world.office
    assert location.name == "MyCity Civic Center"
    assert location.street == "1-30 Main Street MyVillage"
    assert (location.postcode, location.city) == ("ABC 1234", "MyCity")
    assert location.transit_directions.startswith("MyCity Civic Center is serviced by")
    hours = sorted(place.opening_hours.values_list("weekday", "opens", "closes"))
    assert [(day, str(opens), str(closes)) for day, opens, closes in hours] == [
        (3, "10:00:00", "18:00:00"),
        (4, "10:00:00", "18:00:00"),
    ]

    assert sorted(
        ImportedRecord.objects.filter(office=world.office, source="official").values_list(
            "kind", "external_id"
        )
    ) == [("location", LOCATION_ID), ("offer", SERVICE_ID), ("organisation", ORGANIZATION_ID)]
    (run,) = ImportRun.objects.all()
    assert run.office == world.office and run.source == "official"
    assert run.counts["offer"]["new"] == 1


def test_the_official_taxonomy_term_is_reported_unknown(world):
    report = _import(_bytes(_example()), office=world.office, source="official")
    assert report.unknown_terms == {"code": 1}
    (offer,) = _rows(report, "offer")
    assert any("code" in note and "no matching category" in note for note in offer.notes)
    assert "Unknown taxonomy term code (1 services)" in report.as_text()


@pytest.mark.parametrize("theirs", ["code", "name", TERM_ID])
def test_a_term_map_gives_the_offer_our_category(world, theirs):
    term_map = {theirs: "counselling-debt"}
    data = _bytes(_example())
    report = _import(data, office=world.office, source="official", term_map=term_map)
    assert report.unknown_terms == {}
    _import(data, office=world.office, source="official", term_map=term_map, dry_run=False)
    offer = Offer.objects.get(public_id=SERVICE_ID)
    assert [c.code for c in offer.categories.all()] == ["counselling-debt"]


def test_the_official_list_page_is_read_through_its_contents(world):
    data = (EXAMPLES / "service_list.json").read_bytes()
    before = _written()
    report = _import(data, office=world.office, source="official-list")
    assert _outcomes(report) == {
        "organisation": {ORGANIZATION_ID: "new"},
        "offer": {SERVICE_ID: "new"},
    }
    assert _written() == before
    _import(data, office=world.office, source="official-list", dry_run=False)
    offer = Offer.objects.get(public_id=SERVICE_ID)
    assert offer.name == "Community Counselling"
    assert offer.organisation.name == "Example Organization Inc."
    assert offer.organisation.office == world.office
    assert not offer.offer_locations.exists()
    again = _import(data, office=world.office, source="official-list")
    assert {row.outcome for row in again.rows} == {"unchanged"}


# Tabular packages (wegweiser/opendata/tabular.py)


def _assert_official_package_refused(report) -> None:
    rejected: dict[tuple[str, str], str] = {}
    for row in report.rejected:
        key = (row.kind, row.external_id)
        rejected[key] = rejected.get(key, "") + " ".join(row.reasons)
    assert "organization" in rejected[("location", LOCATION_ID)]
    assert (
        "'985e4a42-bd9f-4edc-911d-0243a4640aca' in row 2 of locations.csv"
        in rejected[("location", LOCATION_ID)]
    )
    contact = rejected[("contact", "1e7efce3-639b-4880-940c-b95cd30cdb50")]
    assert "organization" in contact and "service_at_location" in contact
    assert "taxonomy" in rejected[("taxonomy_term", TERM_ID)]
    assert not report.can_apply


def test_the_official_csv_folder_is_refused_for_its_dangling_foreign_keys(world):
    before = _written()
    _assert_official_package_refused(_import(EXAMPLES / "csv", office=world.office, source="csv"))
    with pytest.raises(ImportRefused):
        _import(EXAMPLES / "csv", office=world.office, source="csv", dry_run=False)
    assert _written() == before


@pytest.mark.parametrize("prefix", ["", "hsds-export/"])
def test_the_official_csv_package_as_a_zip_is_refused_the_same_way(world, prefix):
    data = _zipped_folder(EXAMPLES / "csv", prefix)
    before = _written()
    _assert_official_package_refused(
        _import(data, office=world.office, source="csv", file_name="hsds.zip")
    )
    with pytest.raises(ImportRefused):
        _import(data, office=world.office, source="csv", file_name="hsds.zip", dry_run=False)
    assert _written() == before


def test_a_repaired_csv_package_imports_like_the_same_json(world, tmp_path):
    folder = _repaired_package(tmp_path)
    report = _import(folder, office=world.office, source="official", dry_run=False)
    assert _outcomes(report) == {
        "organisation": {ORGANIZATION_ID: "new"},
        "location": {LOCATION_ID: "new"},
        "offer": {SERVICE_ID: "new"},
    }
    offer = Offer.objects.get(public_id=SERVICE_ID)
    assert (offer.name, offer.age_min, offer.age_max) == ("Community Counselling", 12, 100)
    assert [lang.code for lang in offer.languages.all()] == ["ur"]
    (place,) = offer.offer_locations.all()
    assert sorted(place.opening_hours.values_list("weekday", flat=True)) == [3, 4]
    # The same records in JSON under the same source change nothing.
    again = _import(_bytes(_example()), office=world.office, source="official")
    changed = {(r.kind, r.external_id): r.fields for r in again.rows if r.outcome != "unchanged"}
    assert changed == {}
    # And the zip of the package as well.
    zipped = _import(
        _zipped_folder(folder), office=world.office, source="official", file_name="p.zip"
    )
    assert {row.outcome for row in zipped.rows} == {"unchanged"}


# Round trip: our own offers, serialised as HSDS, imported into another office


@pytest.fixture
def exported(world):
    """The first office's offers as HSDS services, with categories, languages, hours, ages,
    a fee and a reviewed translation."""
    offer = world.offer
    offer.description = "Kleine Gruppen, Kinderbetreuung im Nebenraum."
    offer.age_min, offer.age_max = 16, 99
    offer.cost, offer.fee_amount, offer.fee_text = Offer.Cost.FEE, 12, "12 € im Monat"
    offer.save()
    offer.categories.add(Category.objects.get(code="german-courses"))
    offer.languages.add(*Language.objects.filter(code__in=["de", "ar"]))
    OpeningHours.objects.create(
        offer_location=world.offer_location, weekday=1, opens="09:00", closes="12:00"
    )
    OpeningHours.objects.create(
        offer_location=world.offer_location, weekday=3, opens="14:00", closes="17:30"
    )
    OfferTranslation.objects.create(
        offer=offer, language="ar", source_revision=1, name="دورة ألمانية", reviewed=True
    )
    second = OfferFactory(
        organisation=world.partner_organisation,
        name="Beratung für Eltern",
        summary="Fragen zu Kita und Schule",
    )
    second.categories.add(Category.objects.get(code="counselling-debt"))
    place = OfferLocationFactory(
        offer=second,
        location=LocationFactory(office=world.office, street="Hermann-Liebmann-Str. 9"),
    )
    OpeningHours.objects.create(offer_location=place, weekday=4, opens="10:00", closes="12:00")
    soon = timezone.localdate() + timedelta(days=10)
    ScheduleException.objects.create(
        offer_location=place,
        kind=ScheduleException.Kind.EXTRA,
        date_from=soon,
        date_until=soon + timedelta(days=1),
        opens="15:00",
        closes="18:00",
        note="Sommerfest",
    )
    services = [
        hsds.service(o, "de")
        for o in hsds.service_queryset().filter(organisation__office=world.office)
    ]
    assert len(services) == 2
    return services


@pytest.fixture
def neighbour():
    return OfficeFactory(name="Nachbarstadt", slug="nachbarstadt")


def _snapshot(offer: Offer) -> dict:
    return {
        "name": offer.name,
        "summary": offer.summary,
        "description": offer.description,
        "ages": (offer.age_min, offer.age_max),
        "cost": (offer.cost, offer.fee_amount, offer.fee_text),
        "categories": sorted(c.code for c in offer.categories.all()),
        "languages": sorted(lang.code for lang in offer.languages.all()),
        "organisation": offer.organisation.name,
        "places": sorted(
            (
                ol.location.street,
                ol.location.postcode,
                sorted(ol.opening_hours.values_list("weekday", "opens", "closes")),
                sorted(
                    ol.exceptions.values_list("kind", "date_from", "date_until", "opens", "note")
                ),
            )
            for ol in offer.offer_locations.select_related("location")
        ),
        "translations": sorted(offer.translations.values_list("language", "name")),
    }


def test_round_trip_everything_new_then_unchanged_without_writes(world, exported, neighbour):
    data = _bytes(exported)
    first = _import(data, office=neighbour, source="leipzig")
    assert {kind: c["new"] for kind, c in first.counts().items()} == {
        "organisation": 2,
        "location": 2,
        "offer": 2,
    }
    assert {row.outcome for row in first.rows} == {"new"}
    assert ImportRun.objects.count() == 0
    with CaptureQueriesContext(connection) as queries:
        _import(data, office=neighbour, source="leipzig", dry_run=False)
    assert _directory_writes(queries.captured_queries)  # the check below is not vacuous
    assert ImportRun.objects.count() == 1

    originals = {
        o.name: _snapshot(o) for o in Offer.objects.filter(organisation__office=world.office)
    }
    copies = Offer.objects.filter(organisation__office=neighbour)
    assert {o.name: _snapshot(o) for o in copies} == originals
    # Public ids already taken by the originals are not reused.
    assert not set(copies.values_list("public_id", flat=True)) & {
        uuid.UUID(s["id"]) for s in exported
    }

    state = _state(neighbour)
    report = _import(data, office=neighbour, source="leipzig")
    assert {row.outcome for row in report.rows} == {"unchanged"}
    assert ImportRun.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:
        report = _import(data, office=neighbour, source="leipzig", dry_run=False)
    assert {row.outcome for row in report.rows} == {"unchanged"}
    assert _directory_writes(queries.captured_queries) == []
    assert _state(neighbour) == state
    assert ImportRun.objects.count() == 2


def test_round_trip_one_changed_description_changes_exactly_that_offer(world, exported, neighbour):
    _import(_bytes(exported), office=neighbour, source="leipzig", dry_run=False)
    first, second = exported
    first["description"] = "Neu: auch samstags, mit Kinderbetreuung."
    data = _bytes(exported)

    report = _import(data, office=neighbour, source="leipzig")
    changed = [row for row in report.rows if row.outcome != "unchanged"]
    assert [(row.kind, row.name, row.fields) for row in changed] == [
        ("offer", first["name"], ["description"])
    ]
    before = {
        o.name: (o.version, o.revision, o.updated_at)
        for o in Offer.objects.filter(organisation__office=neighbour)
    }
    _import(data, office=neighbour, source="leipzig", dry_run=False)
    after = {o.name: o for o in Offer.objects.filter(organisation__office=neighbour)}
    edited = after[first["name"]]
    assert edited.description == "Neu: auch samstags, mit Kinderbetreuung."
    version, revision, updated_at = before[first["name"]]
    assert (edited.version, edited.revision) == (version + 1, revision + 1)
    assert edited.updated_at > updated_at
    untouched = after[second["name"]]
    assert (untouched.version, untouched.revision, untouched.updated_at) == before[second["name"]]
    # The other office's original is not touched either.
    world.offer.refresh_from_db()
    assert world.offer.description == "Kleine Gruppen, Kinderbetreuung im Nebenraum."


def test_closures_entered_here_survive_a_changed_import(world, exported, neighbour):
    """HSDS cannot carry closures, so an import that replaces an offer's places keeps the
    closures staff entered for a place the file still has."""
    _import(_bytes(exported), office=neighbour, source="leipzig", dry_run=False)
    first = exported[0]
    copy = Offer.objects.get(organisation__office=neighbour, name=first["name"])
    place = copy.offer_locations.get()
    holiday = timezone.localdate() + timedelta(days=20)
    ScheduleException.objects.create(
        offer_location=place,
        kind=ScheduleException.Kind.CLOSED,
        date_from=holiday,
        date_until=holiday,
        note="Betriebsausflug",
    )
    first["service_at_locations"][0]["schedules"][0]["opens_at"] = "08:30"
    report = _import(_bytes(exported), office=neighbour, source="leipzig", dry_run=False)
    (row,) = [r for r in report.rows if r.outcome == "changed"]
    assert row.fields == ["places and opening hours"]
    place = copy.offer_locations.get()
    closed = place.exceptions.filter(kind=ScheduleException.Kind.CLOSED)
    assert list(closed.values_list("date_from", "note")) == [(holiday, "Betriebsausflug")]
    assert place.opening_hours.filter(opens="08:30").exists()


def test_an_organisation_of_the_office_with_the_same_name_is_adopted(world):
    organization = {"id": _new_id(), "name": world.organisation.name, "description": ""}
    service = _service("Nähcafé", organization=organization)
    report = _import(_bytes([service]), office=world.office, source="partner")
    (org_row,) = _rows(report, "organisation")
    assert org_row.outcome == "unchanged"
    count = Organisation.objects.count()
    _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    assert Organisation.objects.count() == count
    assert Offer.objects.get(name="Nähcafé").organisation == world.organisation
    assert ImportedRecord.objects.filter(
        kind="organisation", external_id=organization["id"], object_id=world.organisation.pk
    ).exists()


def test_a_later_file_may_name_an_organisation_imported_before(world):
    first = _service("Sprachcafé")
    _import(_bytes([first]), office=world.office, source="partner", dry_run=False)
    later = _service("Hausaufgabenhilfe", organization_id=first["organization"]["id"])
    del later["organization"]
    report = _import(_bytes([later]), office=world.office, source="partner", dry_run=False)
    assert _outcomes(report)["offer"] == {later["id"]: "new"}
    assert Offer.objects.get(name="Hausaufgabenhilfe").organisation.name == "Träger von Sprachcafé"
    # Under another source the id means nothing.
    with pytest.raises(ImportRefused):
        _import(_bytes([later]), office=world.office, source="elsewhere", dry_run=False)


# All or nothing

NEGATIVE_EXAMPLES = {
    "01_missing_name.json": "'name' is a required property",
    "02_bad_status_enum.json": "status: 'foo'",
    "03_bad_uuid.json": "id: 'not-a-uuid'",
    "04_bad_int.json": "minimum_age: 'abc'",
    "05_bad_email.json": "email: 'not an email'",
    "06_bad_schedule.json": "freq: 'SOMETIMES'",
    "07_extra_field.json": "organization/id: 'x'",
    "08_bad_datetime.json": "last_modified: 'yesterday'",
}


def test_every_negative_example_is_listed():
    assert sorted(p.name for p in NEGATIVE.glob("*.json")) == sorted(NEGATIVE_EXAMPLES)


@pytest.mark.parametrize("name", sorted(NEGATIVE_EXAMPLES))
def test_one_bad_service_stops_the_whole_file(world, name):
    bad = json.loads((NEGATIVE / name).read_text(encoding="utf-8"))
    good = _service("Sprachcafé")
    data = _bytes([good, bad])
    report = _import(data, office=world.office, source="partner")
    offers = {row.external_id: row for row in _rows(report, "offer")}
    assert offers[good["id"]].outcome == "new"
    (rejected,) = report.rejected
    assert rejected.kind == "offer" and rejected.reasons
    assert any(NEGATIVE_EXAMPLES[name] in reason for reason in rejected.reasons), rejected.reasons
    assert not report.can_apply

    before = _written()
    with pytest.raises(ImportRefused) as refused:
        _import(data, office=world.office, source="partner", dry_run=False)
    assert "1 records were rejected" in refused.value.problems[0]
    assert _written() == before


# Bad input


def _with(**fields) -> bytes:
    return _bytes([_service(**fields)])


def _duplicate_ids() -> bytes:
    one, two = _service("Eins"), _service("Zwei")
    two["id"] = one["id"]
    return _bytes([one, two])


def _unknown_organisation() -> bytes:
    service = _service(organization_id=_new_id())
    del service["organization"]
    return _bytes([service])


def _zip_bomb() -> bytes:
    return _zip({"services.csv": b"id,name\n" + b"0" * 600_000})


def _zip_bomb_by_ratio() -> bytes:
    """Far below the unpacked limit, but a compression ratio no real package has."""
    return _zip({"services.csv": b"id,name\n" + b"0" * 3 * 1024 * 1024})


# (input, file name, refused (file) or rejected (record), what the message says)
BAD_INPUT = {
    "broken JSON": (b'[{"id": "x",\n  "name": }]', "s.json", "refused", "line 2, column"),
    "a number": (b"42", "s.json", "refused", "Expected HSDS services"),
    "a string": (b'"services"', "s.json", "refused", "Expected HSDS services"),
    "wrong type": (lambda: _with(minimum_age="abc"), "s.json", "rejected", "minimum_age"),
    "no name": (
        lambda: _bytes([{k: v for k, v in _service().items() if k != "name"}]),
        "s.json",
        "rejected",
        "'name' is a required property",
    ),
    "empty name": (lambda: _with(name="  "), "s.json", "rejected", "The name is empty"),
    "duplicate ids": (_duplicate_ids, "s.json", "rejected", "appears more than once"),
    "unknown organisation": (
        _unknown_organisation,
        "s.json",
        "rejected",
        "is neither in the file nor imported before",
    ),
    "long name": (
        lambda: _with(name="Kurs " * 50),
        "s.json",
        "rejected",
        "name is longer than 200 characters",
    ),
    "ages reversed": (
        lambda: _with(minimum_age=18, maximum_age=6),
        "s.json",
        "rejected",
        "minimum age is above the maximum age",
    ),
    "not UTF-8": (b'[{"name": "Caf\xe9"}]', "s.json", "refused", "not UTF-8"),
    "too large": (lambda: _with(description="x" * 5000), "s.json", "refused", "larger than"),
    "zip bomb": (_zip_bomb, "p.zip", "refused", "unpacks to too much data"),
    "not a zip": (b"PK\x03\x04 not really a zip", "p.zip", "refused", "not a readable zip"),
    "named zip": (b"just some text", "p.zip", "refused", "not a readable zip"),
}


@pytest.fixture
def small_limits(settings):
    settings.HSDS_IMPORT_MAX_BYTES = 4000
    settings.HSDS_IMPORT_MAX_UNPACKED_BYTES = 500_000


def _case(name: str) -> tuple[bytes, str, str, str]:
    data, file_name, kind, message = BAD_INPUT[name]
    return (data() if callable(data) else data), file_name, kind, message


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_is_refused_or_rejected_and_nothing_is_written(world, small_limits, name):
    data, file_name, kind, message = _case(name)
    before = _written()
    if kind == "refused":
        with pytest.raises(ImportRefused) as refused:
            _import(data, office=world.office, source="partner", file_name=file_name)
        assert any(message in problem for problem in refused.value.problems), refused.value
    else:
        report = _import(data, office=world.office, source="partner", file_name=file_name)
        reasons = [reason for row in report.rejected for reason in row.reasons]
        assert any(message in reason for reason in reasons), reasons
        assert not report.can_apply
    with pytest.raises(ImportRefused):
        _import(data, office=world.office, source="partner", file_name=file_name, dry_run=False)
    assert _written() == before


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_the_staff_page_answers_bad_input_with_400_and_the_message(
    world, coordinator, small_limits, name
):
    data, file_name, _kind, message = _case(name)
    before = _written()
    response = _upload(coordinator, data, name=file_name)
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert response.context["token"] is None
    assert _written() == before


def test_a_zip_bomb_is_refused_by_its_compression_ratio_below_the_size_limit(world):
    before = _written()
    with pytest.raises(ImportRefused, match="unpacks to too much data"):
        _import(_zip_bomb_by_ratio(), office=world.office, source="p", file_name="p.zip")
    assert _written() == before


def _understated_zip() -> bytes:
    """A bomb whose headers claim a member of 100 bytes that really unpacks to 2 MB."""
    real = b"id,name\n" + b"0" * 2_000_000
    data = _zip({"services.csv": real})
    actual = len(real).to_bytes(4, "little")
    assert data.count(actual) == 2  # the local header and the central directory
    return data.replace(actual, (100).to_bytes(4, "little"))


def _encrypted_zip() -> bytes:
    """A member marked as encrypted (flag bit 0 in the central directory)."""
    data = bytearray(_zip({"services.csv": b"id,name\n"}))
    entry = data.index(b"PK\x01\x02")
    data[entry + 8] |= 0x01
    return bytes(data)


def _corrupt_zip() -> bytes:
    """A member whose compressed bytes were damaged after the headers were written."""
    data = bytearray(_zip({"services.csv": b"id,name\n" + b"abc,def\n" * 2000}))
    start = data.index(b"services.csv") + len("services.csv")
    data[start + 5 : start + 25] = b"\xff" * 20
    return bytes(data)


@pytest.mark.parametrize("make", [_understated_zip, _encrypted_zip, _corrupt_zip])
def test_a_crafted_zip_is_refused_not_a_crash(world, coordinator, settings, make):
    settings.HSDS_IMPORT_MAX_UNPACKED_BYTES = 500_000
    data = make()
    before = _written()
    with pytest.raises(ImportRefused, match="not a readable zip archive"):
        _import(data, office=world.office, source="partner", file_name="p.zip")
    response = _upload(coordinator, data, name="p.zip")
    assert response.status_code == 400
    assert "not a readable zip archive" in response.content.decode()
    assert _written() == before


# Imported text is text


def test_html_in_imported_text_is_stored_as_text_and_shown_escaped(world, client):
    script = "<script>alert('x')</script>"
    service = _service(
        name="Kurs <b>fett</b>",
        description=f"{script}<img src=x onerror=alert(1)> Bitte anmelden.",
        summary="<i>kurz</i>",
    )
    _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    offer = Offer.objects.get(public_id=service["id"])
    assert offer.name == "Kurs <b>fett</b>"
    assert offer.description.startswith(script)

    response = client.get(f"/de/angebot/{offer.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kurs &lt;b&gt;fett&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>fett</b>" not in page


# The staff page


def test_the_staff_page_checks_then_imports_a_file(world, coordinator):
    services = [_service("Sprachcafé Quittenbaum"), _service("Nähcafé Quittenbaum")]
    assert coordinator.get(reverse("opendata_staff:home")).status_code == 200
    before = _written()
    response = _upload(coordinator, _bytes(services), term_map="Sprachkurs = german-courses")
    assert response.status_code == 200
    report, token = response.context["report"], response.context["token"]
    assert report.counts()["offer"]["new"] == 2 and report.can_apply
    page = response.content.decode()
    assert "Check of the file" in page and "partner-portal" in page
    assert re.search(r"Offers</th><td>2</td><td>0</td><td>0</td><td>0</td>", page)
    apply_url = reverse("opendata_staff:import_apply", args=[token])
    assert apply_url in page
    assert _written() == before

    response = coordinator.post(apply_url, follow=True)
    assert response.status_code == 200
    assert "Imported: 6 new, 0 changed, 0 unchanged records." in response.content.decode()
    offers = Offer.objects.filter(name__endswith="Quittenbaum", organisation__office=world.office)
    assert offers.count() == 2
    run = ImportRun.objects.get()
    assert run.actor == world.members[Role.COORDINATOR].user
    assert (run.source, run.file_name) == ("partner-portal", "services.json")
    assert ImportedRecord.objects.filter(office=world.office, source="partner-portal").count() == 6

    # The token is used up.
    assert coordinator.post(apply_url).status_code == 404
    assert ImportRun.objects.count() == 1


def test_the_apply_token_belongs_to_the_session_that_checked_the_file(world, client, coordinator):
    response = _upload(coordinator, _bytes([_service()]))
    apply_url = reverse("opendata_staff:import_apply", args=[response.context["token"]])
    for name in ("other_coordinator", Role.STAFF):
        other = type(client)()
        login(other, world.members[name].user)
        assert other.post(apply_url).status_code == 404
    assert not ImportRun.objects.exists()
    assert coordinator.post(apply_url).status_code == 302
    assert ImportRun.objects.count() == 1


def test_a_made_up_token_is_not_found(coordinator):
    assert (
        coordinator.post(reverse("opendata_staff:import_apply", args=["x" * 22])).status_code == 404
    )


def test_a_rejected_file_is_reported_without_a_way_to_apply_it(world, coordinator):
    bad = json.loads((NEGATIVE / "04_bad_int.json").read_text(encoding="utf-8"))
    response = _upload(coordinator, _bytes([_service(), bad]))
    assert response.status_code == 400
    assert response.context["token"] is None
    page = response.content.decode()
    assert "minimum_age" in page and "Nothing can be imported while records are rejected" in page


def test_a_bad_term_map_is_a_form_error(coordinator):
    response = _upload(coordinator, _bytes([_service()]), term_map="Sprachkurs german-courses")
    assert response.status_code == 400
    assert "write &#x27;their term = our category code&#x27;" in response.content.decode()


def test_staff_may_import_too(world, client):
    login(client, world.members[Role.STAFF].user)
    response = _upload(client, _bytes([_service()]))
    assert response.status_code == 200 and response.context["token"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.TRANSLATOR, Role.PARTNER_EDITOR])
def test_other_roles_are_forbidden(world, client, role):
    login(client, world.members[role].user)
    assert client.get(reverse("opendata_staff:home")).status_code == 403
    assert _upload(client, _bytes([_service()])).status_code == 403
    apply_url = reverse("opendata_staff:import_apply", args=["x" * 22])
    assert client.post(apply_url).status_code == 403


def test_users_without_an_office_get_404_and_anonymous_users_log_in(world, client):
    response = client.get(reverse("opendata_staff:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(reverse("opendata_staff:import_apply", args=["x" * 22]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    login(client, UserFactory(username="nobody"))
    assert client.get(reverse("opendata_staff:home")).status_code == 404


# The command


@pytest.fixture
def service_file(tmp_path):
    path = tmp_path / "services.json"
    path.write_bytes(_bytes([_service("Sprachcafé Kommandobrücke")]))
    return path


def _command(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_hsds", *map(str, args), stdout=out)
    return out.getvalue()


def test_the_command_dry_run_prints_counts_and_writes_nothing(world, service_file):
    before = _written()
    output = _command(service_file, "--source", "partner", "--office", "test")
    assert "offer: new 1, changed 0, unchanged 0, rejected 0" in output
    assert "organisation: new 1" in output and "location: new 1" in output
    assert "Dry run: nothing written." in output
    assert _written() == before


def test_the_command_applies_with_apply(world, service_file):
    output = _command(service_file, "--source", "partner", "--office", "test", "--apply")
    assert "Applied." in output
    offer = Offer.objects.get(name="Sprachcafé Kommandobrücke")
    assert offer.organisation.office == world.office
    assert ImportRun.objects.get().file_name == "services.json"
    output = _command(service_file, "--source", "partner", "--office", "test")
    assert "offer: new 0, changed 0, unchanged 1, rejected 0" in output


def test_the_command_maps_terms_from_a_file(world, tmp_path):
    path = tmp_path / "example.json"
    path.write_bytes(_bytes(_example()))
    terms = tmp_path / "terms.txt"
    terms.write_text("# their term = our category\ncode = counselling-debt\n", encoding="utf-8")
    _command(path, "--source", "x", "--office", "test", "--apply", "--map-terms", terms)
    offer = Offer.objects.get(public_id=SERVICE_ID)
    assert [c.code for c in offer.categories.all()] == ["counselling-debt"]


def test_the_command_refuses_rejected_and_unreadable_files(world, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(_bytes([_service(), _service(minimum_age=18, maximum_age=6)]))
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"id": "x",\n  "name": }]')
    before = _written()
    with pytest.raises(CommandError, match="rejected"):
        _command(bad, "--source", "partner", "--office", "test")
    with pytest.raises(CommandError, match="rejected; nothing was imported"):
        _command(bad, "--source", "partner", "--office", "test", "--apply")
    with pytest.raises(CommandError, match="line 2, column"):
        _command(broken, "--source", "partner", "--office", "test", "--apply")
    with pytest.raises(CommandError, match="--office"):
        _command(bad, "--source", "partner")
    assert _written() == before


def test_the_command_reads_a_tabular_folder(world, tmp_path):
    folder = _repaired_package(tmp_path)
    output = _command(folder, "--source", "csv", "--office", "test", "--apply")
    assert "offer: new 1" in output and "Applied." in output
    assert Offer.objects.filter(public_id=SERVICE_ID).exists()
    with pytest.raises(CommandError):
        _command(EXAMPLES / "csv", "--source", "official-csv", "--office", "test")


# The search index


def test_an_imported_offer_is_found_by_the_public_search(world, client):
    service = _service(
        "Schachtreff", description="Wir spielen Schach, auch für Quastenflosser-Freunde."
    )
    _import(_bytes([service]), office=world.office, source="partner")
    assert _search(client, "Quastenflosser") == []
    _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    assert _search(client, "Quastenflosser") == ["Schachtreff"]
    assert _search(client, "Schachtreff") == ["Schachtreff"]

    service["description"] = "Wir spielen Schach mit Zauberwürfel-Pausen."
    _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    assert _search(client, "Zauberwürfel") == ["Schachtreff"]
    assert _search(client, "Quastenflosser") == []


def test_a_renamed_organisation_reindexes_its_offers(world, client):
    """The search text of an offer holds its organisation's name: an import that changes only
    the organisation must still bring the offer's documents up to date."""
    service = _service("Nähcafé")
    service["organization"]["name"] = "Verein Fadenkreuz"
    _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    assert _search(client, "Fadenkreuz") == ["Nähcafé"]

    service["organization"]["name"] = "Verein Zwirnstern"
    report = _import(_bytes([service]), office=world.office, source="partner", dry_run=False)
    outcomes = {(row.kind, row.outcome) for row in report.rows}
    assert ("organisation", "changed") in outcomes and ("offer", "unchanged") in outcomes
    assert _search(client, "Zwirnstern") == ["Nähcafé"]
    assert _search(client, "Fadenkreuz") == []
