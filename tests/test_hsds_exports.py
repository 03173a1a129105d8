"""The open-data exports: HSDS JSON valid against the official schema, the HSDS tabular package
(descriptor, headers, keys, typed rows), the GeoJSON map, the spreadsheet CSV with formula
cells neutralised, the download view with its per-generation files, and the command. Also
the tabular reader and key checker the importer shares, on the official example package."""

import csv
import io
import json
import zipfile
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ContactFactory,
    LocationFactory,
    OfferFactory,
    OfferLocationFactory,
    OrganisationFactory,
)
from wegweiser.core import content
from wegweiser.core.models import ContentGeneration, Language
from wegweiser.directory.models import (
    Category,
    EntryStatus,
    Offer,
    OfferTranslation,
    OpeningHours,
    ScheduleException,
    TargetGroup,
)
from wegweiser.opendata import exports, tabular, validation
from wegweiser.site.queries import public_offers

EXAMPLES = Path(__file__).resolve().parent / "data" / "hsds" / "examples" / "csv"
KNOWN_DANGLING = {
    "location.organization_id",
    "contact.organization_id",
    "contact.service_at_location_id",
    "taxonomy_term.taxonomy_id",
}


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.API_RATE_LIMIT_REQUESTS = 0


@pytest.fixture
def directory(world):
    """The world plus a fully described offer, a place two offers share, a contact two
    offers share, and offers and a place that are not public."""
    ar, de = Language.objects.get(code="ar"), Language.objects.get(code="de")
    world.organisation.register_number = "VR 1234"
    world.organisation.phone = "+49 341 1111"
    world.organisation.save()
    near = LocationFactory(
        office=world.office,
        name="Stadtteilhaus",
        latitude=Decimal("51.346600"),
        longitude=Decimal("12.414100"),
        step_free_access=True,
        accessibility_notes="Eingang ebenerdig.",
    )
    sewing = OfferFactory(
        organisation=world.organisation,
        name="Nähcafé für Frauen",
        email="naehcafe@bruecke.example",
        cost=Offer.Cost.FEE,
        fee_amount=Decimal("2.50"),
        fee_text="2,50 € pro Treffen",
        age_min=16,
        age_max=99,
        website="https://bruecke.example/naehcafe",
    )
    sewing.target_groups.add(TargetGroup.objects.get(code="women"))
    sewing.categories.add(Category.objects.get(code="counselling-debt"))
    sewing.languages.add(de, ar)
    sewing.contacts.add(world.contact)
    world.contact.languages.add(ar)
    OfferTranslation.objects.create(
        offer=sewing, language="ar", source_revision=1, name="مقهى الخياطة"
    )
    here = OfferLocationFactory(offer=sewing, location=near, note="Raum 2")
    OpeningHours.objects.create(offer_location=here, weekday=0, opens=time(10), closes=time(12))
    next_week = timezone.localdate() + timedelta(days=7)
    ScheduleException.objects.create(
        offer_location=here,
        kind="extra",
        date_from=next_week,
        date_until=next_week,
        opens=time(14),
        closes=time(16),
    )
    OfferLocationFactory(offer=world.offer, location=near)
    shared = ContactFactory(organisation=world.organisation, email="team@bruecke.example")
    sewing.contacts.add(shared)
    world.offer.contacts.add(shared)

    hidden_place = LocationFactory(
        office=world.office, latitude=Decimal("51.3"), longitude=Decimal("12.3")
    )
    archived_org = OrganisationFactory(office=world.office, entry_status=EntryStatus.ARCHIVED)
    hidden = [
        OfferFactory(organisation=world.organisation, entry_status="archived"),
        OfferFactory(organisation=world.organisation, status="inactive"),
        OfferFactory(organisation=archived_org),
    ]
    for offer in hidden:
        OfferLocationFactory(offer=offer, location=hidden_place)
    return {
        "world": world,
        "sewing": sewing,
        "near": near,
        "shared": shared,
        "hidden": hidden,
        "hidden_place": hidden_place,
    }


def _public_ids() -> set[str]:
    return {str(pk) for pk in public_offers().values_list("public_id", flat=True)}


def _hsds_json() -> list[dict]:
    stream = io.StringIO()
    count = exports.write_hsds_json(stream)
    data = json.loads(stream.getvalue())
    assert count == len(data)
    return data


def _schema_errors(name: str, record: dict) -> list[str]:
    """validation.errors, also for the tables whose schema validation.py does not list."""
    if name in validation.OBJECT_TYPES:
        return validation.errors(name, record)
    checker = validation.HSDSValidator(
        {"$ref": f"{name}.json"}, registry=validation.registry(), format_checker=validation.formats
    )
    return [e.message for e in checker.iter_errors(record)]


# HSDS JSON


def test_json_export_holds_exactly_the_public_offers_all_valid(directory):
    services = _hsds_json()
    assert {s["id"] for s in services} == _public_ids()
    assert len(services) == len(_public_ids())
    for service in services:
        assert validation.errors("service", service) == [], service["id"]
    sewing = next(s for s in services if s["id"] == str(directory["sewing"].public_id))
    assert sewing["name"] == "Nähcafé für Frauen"
    assert sewing["translations"]["ar"]["name"] == "مقهى الخياطة"
    assert sewing["service_at_locations"][0]["schedules"]
    assert sewing["organization"]["organization_identifiers"][0]["identifier"] == "VR 1234"


def test_json_export_reads_in_chunks_with_queries_per_chunk_not_per_offer(world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    OfferFactory(organisation=world.organisation)  # the world has two
    _hsds_json()  # once-per-process lookups out of the way
    with CaptureQueriesContext(connection) as one_chunk:
        assert len(_hsds_json()) == 3
    for _n in range(3):
        OfferLocationFactory(offer=OfferFactory(organisation=world.partner_organisation))
    with CaptureQueriesContext(connection) as two_chunks:
        services = _hsds_json()
    assert len(services) == 6
    assert [s["id"] for s in services] == [
        str(o.public_id) for o in public_offers().order_by("name", "pk")
    ]
    per_chunk = len(one_chunk) - 1  # the id query is shared
    # A chunk whose offers lack some relation skips that prefetch, so at most twice as many.
    assert len(two_chunks) <= 1 + 2 * per_chunk


def test_json_export_is_german_whatever_language_is_active(directory):
    from django.utils import translation

    with translation.override("ar"):
        services = _hsds_json()
    sewing = next(s for s in services if s["id"] == str(directory["sewing"].public_id))
    assert sewing["name"] == "Nähcafé für Frauen"


# HSDS tabular package


@pytest.fixture
def package(directory, tmp_path):
    path = tmp_path / "hsds-tabular.zip"
    exports.write_tabular(path)
    return path


def _nested(resource: str, record: dict):
    """(table, record) for a record and everything nested in it."""
    yield resource, record
    for key, value in record.items():
        child = exports.NESTED.get(key)
        if child is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            yield from _nested(child, item)


def test_tabular_package_descriptor_lists_the_files_with_the_official_columns(package):
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        descriptor = json.loads(archive.read("datapackage.json"))
        assert {r["path"] for r in descriptor["resources"]} == names - {"datapackage.json"}
        assert {r["name"] for r in descriptor["resources"]} == set(exports.RESOURCES)
        official = {r["name"]: r for r in validation.datapackage()["resources"]}
        for resource in descriptor["resources"]:
            data = archive.read(resource["path"])
            assert not data.startswith(b"\xef\xbb\xbf"), resource["path"]
            text = data.decode("utf-8")
            header = next(csv.reader(io.StringIO(text)))
            fields = [f["name"] for f in resource["schema"]["fields"]]
            assert header == fields
            assert fields == [f["name"] for f in official[resource["name"]]["schema"]["fields"]]
            assert "translations" not in header and "accessibility_description" not in header
            assert text.endswith("\r\n")
            assert resource["hash"].startswith("sha256:")
            for fk in resource["schema"].get("foreignKeys", []):
                assert fk["reference"]["resource"] in exports.RESOURCES
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["licenses"] and descriptor["name"] and descriptor["title"]
    assert descriptor["created"].startswith(str(timezone.now().year))


def test_tabular_package_keys_resolve_and_rows_validate(package):
    tables, descriptor = tabular.read_tabular(package)
    assert tabular.foreign_key_problems(tables, descriptor) == []
    assert tabular.unique_problems(tables, descriptor) == []
    for resource in descriptor["resources"]:
        for row in tables[resource["name"]]:
            assert _schema_errors(resource["name"], row) == [], (resource["name"], row)
    assert {r["id"] for r in tables["service"]} == _public_ids()


def test_tabular_package_has_a_row_for_every_nested_record(directory, package):
    tables, _descriptor = tabular.read_tabular(package)
    ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for service in _hsds_json():
        for resource, record in _nested("service", service):
            assert record["id"] in ids[resource], (resource, record)
    schedules = tables["schedule"]
    assert schedules and all(row["service_at_location_id"] for row in schedules)
    locations = [r for r in tables["location"] if r["id"] == str(directory["near"].public_id)]
    assert len(locations) == 1  # two offers, one row
    attributes = tables["attribute"]
    assert {a["link_type"] for a in attributes} == {"service"}
    terms = {t["id"] for t in tables["taxonomy_term"]}
    assert all(a["taxonomy_term_id"] in terms for a in attributes)
    languages = [row for row in tables["language"] if row.get("phone_id")]
    assert languages, "languages of a contact's phone link to the phone"
    contacts = {row["id"]: row for row in tables["contact"]}
    sewing = str(directory["sewing"].public_id)
    assert contacts[str(directory["world"].contact.public_id)]["service_id"] == sewing
    assert "service_id" not in contacts[str(directory["shared"].public_id)]
    costs = {row["service_id"]: row for row in tables["cost_option"]}
    assert costs[sewing]["amount"] == 2.5


def test_tabular_package_leaves_out_what_is_not_public(directory, package):
    tables, _descriptor = tabular.read_tabular(package)
    hidden = {str(o.public_id) for o in directory["hidden"]}
    assert not hidden & {r["id"] for r in tables["service"]}
    assert str(directory["hidden_place"].public_id) not in {r["id"] for r in tables["location"]}


# Reading and checking tabular packages


def test_official_example_package_has_exactly_the_four_known_dangling_keys():
    tables, descriptor = tabular.read_tabular(EXAMPLES)
    problems = tabular.foreign_key_problems(tables, descriptor)
    assert len(problems) == 4
    assert {p.split(":")[0] for p in problems} == KNOWN_DANGLING
    assert all(isinstance(p, str) for p in problems)
    location = next(p for p in problems if p.resource == "location")
    assert location.field == "organization_id"
    assert location.row_id == tables["location"][0]["id"]
    assert tabular.unique_problems(tables, descriptor) == []


def test_official_example_rows_are_typed_by_the_descriptor():
    tables, _descriptor = tabular.read_tabular(EXAMPLES)
    service = tables["service"][0]
    assert service["minimum_age"] == 12 and isinstance(service["minimum_age"], int)
    assert validation.errors("service", service) == []
    location = tables["location"][0]
    assert isinstance(location["latitude"], int | float)


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_read_tabular_takes_a_zipfile_with_bom_and_no_descriptor():
    header = "id,organization_id,name,status,minimum_age\r\n"
    services = ("\ufeff" + header + "s1,o1,Kurs,active,\r\n").encode()
    organizations = b"id,name,description\r\no1,Verein,\r\n"
    with zipfile.ZipFile(
        _zip({"export/services.csv": services, "export/organizations.csv": organizations})
    ) as archive:
        tables, descriptor = tabular.read_tabular(archive)
    assert tables["service"] == [
        {"id": "s1", "organization_id": "o1", "name": "Kurs", "status": "active"}
    ]
    assert [r["name"] for r in descriptor["resources"]] == ["organization", "service"]
    assert tabular.foreign_key_problems(tables, descriptor) == []


def test_read_tabular_rejects_other_encodings_naming_file_and_line(tmp_path):
    (tmp_path / "services.csv").write_bytes(
        "id,name,status\r\ns1,Kurs,active\r\ns2,Café,active\r\n".encode("cp1252")
    )
    with pytest.raises(tabular.TabularError) as error:
        tabular.read_tabular(tmp_path)
    assert "services.csv" in str(error.value) and "line 3" in str(error.value)
    assert "UTF-8" in str(error.value)
    (tmp_path / "services.csv").write_bytes("id,name\r\n".encode("utf-16"))
    with pytest.raises(tabular.TabularError, match="services.csv: line 1: .*UTF-16"):
        tabular.read_tabular(tmp_path)


def test_read_tabular_rejects_broken_csv_and_missing_files(tmp_path):
    (tmp_path / "services.csv").write_bytes(b"id,name,status\r\ns1,Kurs\r\n")
    with pytest.raises(tabular.TabularError, match="services.csv: line 2: 2 cells"):
        tabular.read_tabular(tmp_path)
    descriptor = {"resources": [{"name": "service", "path": "services.csv", "schema": {}}]}
    (tmp_path / "services.csv").unlink()
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(tabular.TabularError, match="lists services.csv"):
        tabular.read_tabular(tmp_path)
    with pytest.raises(tabular.TabularError, match="not a zip"):
        tabular.read_tabular(tmp_path / "datapackage.json")
    descriptor["resources"][0]["schema"] = {"foreignKeys": [{"fields": "organization_id"}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(tabular.TabularError, match="resource 1 needs"):
        tabular.read_tabular(tmp_path)


def test_key_checks_report_duplicates_and_dangling_references():
    descriptor = validation.datapackage()
    tables = {
        "organization": [{"id": "o1"}, {"id": "o1"}],
        "service": [{"id": "s1", "organization_id": "o2"}, {"id": "s2"}],
    }
    problems = tabular.foreign_key_problems(tables, descriptor)
    assert [p.split(":")[0] for p in problems] == ["service.organization_id"]
    assert problems[0].row_id == "s1" and "'o2'" in problems[0]
    duplicates = tabular.unique_problems(tables, descriptor)
    assert [p.split(":")[0] for p in duplicates] == ["organization.id"]


# GeoJSON


def test_geojson_is_a_feature_collection_of_public_places_with_coordinates(directory):
    stream = io.StringIO()
    exports.write_geojson(stream)
    data = json.loads(stream.getvalue())
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["id"]: f for f in data["features"]}
    near = directory["near"]
    assert set(features) == {str(near.public_id)}  # no coordinates / only hidden offers: out
    feature = features[str(near.public_id)]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [12.4141, 51.3466]}
    props = feature["properties"]
    assert props["name"] == "Stadtteilhaus" and props["step_free_access"] is True
    assert props["postcode"] == near.postcode and props["city"] == near.city
    offers = {o["id"]: o for o in props["offers"]}
    assert set(offers) == {
        str(directory["sewing"].public_id),
        str(directory["world"].offer.public_id),
    }
    assert all(o["url"].startswith("http") and o["id"] in o["url"] for o in offers.values())


# Offers CSV


def _offers_csv() -> tuple[bytes, list[list[str]]]:
    stream = io.StringIO(newline="")
    exports.write_offers_csv(stream)
    data = stream.getvalue().encode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    return data, rows


def test_offers_csv_has_one_row_per_public_offer_and_opens_as_utf8_with_bom(directory):
    data, rows = _offers_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    header, body = rows[0], rows[1:]
    assert header == list(exports.OFFER_COLUMNS)
    assert len(body) == len(_public_ids())
    assert {row[0] for row in body} == _public_ids()
    sewing = next(dict(zip(header, r, strict=True)) for r in body if r[1].startswith("Nähcafé"))
    assert sewing["Kosten"] == "2,50 € pro Treffen"
    assert sewing["Alter"] == "16–99"
    assert sewing["Website"] == "https://bruecke.example/naehcafe"
    assert "Stadtteilhaus" in sewing["Adressen"]
    assert sewing["Seite"].endswith(f"/{directory['sewing'].public_id}/")


def test_offers_csv_neutralises_formula_cells(world):
    names = ['=HYPERLINK("http://x")', "+1", "@SUM(1)", "-2", "\tTab"]
    for name in names:
        OfferFactory(organisation=world.organisation, name=name, summary="=1+1")
    _data, rows = _offers_csv()
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(exports.FORMULA_START)]
    by_name = {row[1] for row in rows[1:]}
    assert {"'" + name for name in names} <= by_name
    assert all(row[4] == "'=1+1" for row in rows[1:] if row[1].startswith("'"))


# Downloads


def _download(client, name: str):
    """The response and, for a file, its body (read whole, which also closes the file)."""
    response = client.get(reverse("hsds:export", kwargs={"name": name}))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_download_is_public_attachment_and_unknown_name_is_a_problem(client, directory):
    response, body = _download(client, "offers.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="offers.csv"')
    assert body.startswith(b"\xef\xbb\xbf")
    missing, _body = _download(client, "secrets.csv")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["status"] == 404


def test_download_file_is_built_once_per_content_generation(client, directory, settings):
    _response, body = _download(client, "hsds.json")
    assert json.loads(body)
    path = exports.current_file("hsds.json")
    stamp = path.stat().st_mtime_ns
    _download(client, "hsds.json")
    assert exports.current_file("hsds.json") == path
    assert path.stat().st_mtime_ns == stamp
    content.content_changed()
    _download(client, "hsds.json")
    rebuilt = exports.current_file("hsds.json")
    assert rebuilt != path and rebuilt.exists()
    assert not path.parent.exists(), "the older generation's folder is removed"
    assert [p.name for p in rebuilt.parent.iterdir()] == ["hsds.json"]


def test_a_database_with_other_data_at_the_same_generation_gets_its_own_file(directory, world):
    """A restored or new database counts generations from 1 again: the same generation with
    other offers must not serve the file built before."""
    before = exports.current_file("offers.csv")
    generation = content.content_generation()
    OfferFactory(organisation=world.organisation, name="Nach der Wiederherstellung")
    ContentGeneration.objects.filter(pk=1).update(value=generation)
    after = exports.current_file("offers.csv")
    assert after != before
    assert "Nach der Wiederherstellung" in after.read_text(encoding="utf-8-sig")


def test_a_failed_build_leaves_no_file(directory, monkeypatch):
    def broken(path):
        path.write_text("[half")
        raise RuntimeError("disk full")

    export = exports.EXPORTS["hsds.json"]
    monkeypatch.setitem(exports.EXPORTS, "hsds.json", exports.Export(export.content_type, broken))
    with pytest.raises(RuntimeError):
        exports.current_file("hsds.json")
    folder = exports.exports_root() / exports._data_state()
    assert list(folder.iterdir()) == []


# The command


def test_command_writes_all_four_exports(directory, tmp_path):
    out = io.StringIO()
    call_command("export_hsds", "--output", str(tmp_path / "out"), stdout=out)
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written == set(exports.EXPORTS)
    for name in exports.EXPORTS:
        assert name in out.getvalue()
    assert " s " in out.getvalue()
    with zipfile.ZipFile(tmp_path / "out" / "hsds-tabular.zip") as archive:
        assert "services.csv" in archive.namelist()
    json.loads((tmp_path / "out" / "locations.geojson").read_text(encoding="utf-8"))


def test_command_writes_only_what_is_asked(db, tmp_path):
    call_command(
        "export_hsds", "--output", str(tmp_path), "--only", "offers.csv", stdout=io.StringIO()
    )
    assert [p.name for p in tmp_path.iterdir()] == ["offers.csv"]
