"""The HSDS 3.0 API under /api/hsds/, through the test client: records valid against the
official schemas, paging, filters, languages, what stays private, conditional requests,
CORS, problem documents, query counts, the rate limit and the OpenAPI document."""

import json
import math
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
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
from wegweiser.accounts.models import Role
from wegweiser.core import content
from wegweiser.core.models import Language
from wegweiser.directory import services as directory_services
from wegweiser.directory.models import (
    Category,
    ContactTranslation,
    EntryStatus,
    LocationTranslation,
    Offer,
    OfferTranslation,
    OpeningHours,
    OrganisationTranslation,
    ScheduleException,
    TargetGroup,
)
from wegweiser.opendata import hsds, openapi, validation
from wegweiser.search.index import index_offers
from wegweiser.site.queries import public_offers

PROBLEM = "application/problem+json"
SEWING_AR = {"name": "مقهى الخياطة للنساء", "summary": "نخيط معا كل يوم اثنين."}


@pytest.fixture(autouse=True)
def _fresh_api(settings):
    """Responses are cached per content generation, and rate-limit counters live in the
    same cache: start every test with neither, and without the limit."""
    settings.API_RATE_LIMIT_REQUESTS = 0
    cache.clear()
    yield
    cache.clear()


def _get(client, name, params=None, **kwargs):
    return client.get(reverse(f"hsds:{name}", kwargs=kwargs or None), params or {})


def _ok(response) -> dict:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/json"
    return response.json()


def _valid(kind: str, record: dict) -> None:
    assert validation.errors(kind, record) == [], record


def _nulls(data, path="") -> list[str]:
    """Every path in a JSON document that holds null."""
    if data is None:
        return [path or "(document)"]
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _nulls(value, f"{path}/{key}")]
    if isinstance(data, list):
        return [p for i, value in enumerate(data) for p in _nulls(value, f"{path}/{i}")]
    return []


def _lines(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


def _ids(page: dict) -> list[str]:
    return [record["id"] for record in page["contents"]]


@pytest.fixture
def directory(world):
    """The world plus offers with everything HSDS can show, in three places, and offers
    that are not public."""
    ar, de = Language.objects.get(code="ar"), Language.objects.get(code="de")
    near = LocationFactory(
        office=world.office,
        name="Stadtteilhaus",
        postcode="04315",
        latitude=Decimal("51.346600"),
        longitude=Decimal("12.414100"),
        transit_directions="Tram 1, Haltestelle Einertstraße",
        step_free_access=True,
    )
    # About 1 km east of `near`, and about 2.7 km west of it.
    nearby = LocationFactory(
        office=world.office,
        postcode="04318",
        latitude=Decimal("51.346600"),
        longitude=Decimal("12.428500"),
    )
    far = LocationFactory(
        office=world.other_office,
        postcode="04109",
        latitude=Decimal("51.340000"),
        longitude=Decimal("12.375000"),
    )
    sewing = OfferFactory(
        organisation=world.organisation,
        name="Nähcafé für Frauen",
        summary="Wir nähen gemeinsam, jeden Montag.",
        description="Nähmaschinen sind da, Stoff bringen Sie mit.",
        email="naehcafe@bruecke.example",
        cost=Offer.Cost.FEE,
        fee_amount=Decimal("2.50"),
        fee_text="2,50 € pro Treffen",
        age_min=16,
        interpreting_available=True,
        accessibility_notes="Eingang ebenerdig.",
    )
    sewing.target_groups.add(TargetGroup.objects.get(code="women"))
    sewing.languages.add(de, ar)
    sewing.contacts.add(world.contact)
    OfferTranslation.objects.create(offer=sewing, language="ar", source_revision=1, **SEWING_AR)
    OfferTranslation.objects.create(
        offer=sewing, language="fa", source_revision=1, name="ungeprüft", reviewed=False
    )
    OrganisationTranslation.objects.create(
        organisation=world.organisation, language="ar", source_revision=1, name="جسر"
    )
    LocationTranslation.objects.create(
        location=near, language="ar", source_revision=1, name="بيت الحي"
    )
    ContactTranslation.objects.create(
        contact=world.contact, language="ar", source_revision=1, role="استشارة"
    )
    world.contact.languages.add(ar)
    sewing_here = OfferLocationFactory(offer=sewing, location=near, note="Raum 2")
    OpeningHours.objects.create(
        offer_location=sewing_here, weekday=0, opens=time(10), closes=time(12), note="Nähen"
    )
    next_week = timezone.localdate() + timedelta(days=7)
    ScheduleException.objects.create(
        offer_location=sewing_here,
        kind="extra",
        date_from=next_week,
        date_until=next_week,
        opens=time(14),
        closes=time(16),
    )
    debt = OfferFactory(organisation=world.partner_organisation, name="Schuldnerberatung am Abend")
    debt.categories.add(Category.objects.get(code="counselling-debt"))
    OfferLocationFactory(offer=debt, location=nearby)
    course = OfferFactory(organisation=world.foreign_organisation, name="Deutsch im Park")
    course.categories.add(Category.objects.get(code="german-courses"))
    OfferLocationFactory(offer=course, location=far)
    Offer.objects.filter(pk=course.pk).update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))

    archived_org = OrganisationFactory(office=world.office, entry_status=EntryStatus.ARCHIVED)
    hidden = {
        "archived": OfferFactory(organisation=world.organisation, entry_status="archived"),
        "inactive": OfferFactory(organisation=world.organisation, status="inactive"),
        "defunct": OfferFactory(organisation=world.organisation, status="defunct"),
        "archived organisation": OfferFactory(organisation=archived_org),
    }
    hidden_places = {
        key: OfferLocationFactory(offer=offer, location=near) for key, offer in hidden.items()
    }
    index_offers(Offer.objects.values_list("pk", flat=True))
    return {
        "world": world,
        "sewing": sewing,
        "sewing_here": sewing_here,
        "debt": debt,
        "course": course,
        "near": near,
        "hidden": hidden,
        "hidden_places": hidden_places,
        "archived_org": archived_org,
    }


def _public_ids() -> set[str]:
    return {str(pk) for pk in public_offers().values_list("public_id", flat=True)}


# The root and each endpoint, valid against the official schemas


def test_root_names_version_profile_and_openapi(client, db):
    data = _ok(_get(client, "root"))
    assert data["version"] == "3.0"
    assert data["profile"].endswith("/api/hsds/profile")
    assert data["openapi_url"].endswith("/api/hsds/openapi.json")


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"minimal": "true"}, {"lang": "ar"}])
def test_services_list_is_valid_hsds(client, directory, params):
    page = _ok(_get(client, "services", {**params, "per_page": 100}))
    assert set(_ids(page)) == _public_ids()
    for record in page["contents"]:
        _valid("service", record)
    sewing = next(r for r in page["contents"] if r["id"] == str(directory["sewing"].public_id))
    if params.get("minimal"):
        assert set(sewing) == {"id", "name", "status", "last_modified"}
    elif params.get("full"):
        assert sewing["organization"]["id"] == str(directory["world"].organisation.public_id)
        assert sewing["service_at_locations"][0]["schedules"]
    else:
        assert "organization" not in sewing and "service_at_locations" not in sewing


def test_service_detail_is_fully_nested_and_valid(client, directory):
    sewing = directory["sewing"]
    record = _ok(_get(client, "service", public_id=sewing.public_id))
    _valid("service", record)
    assert record["name"] == "Nähcafé für Frauen"
    assert record["summary"] == "Wir nähen gemeinsam, jeden Montag."
    assert record["accessibility_description"] == "Eingang ebenerdig."
    assert record["organization_id"] == record["organization"]["id"]
    assert record["cost_options"][0]["amount"] == 2.5
    assert {lang["code"] for lang in record["languages"]} == {"de", "ar"}
    assert record["contacts"][0]["phones"][0]["number"] == directory["world"].contact.phone
    assert {a["taxonomy_term"]["code"] for a in record["attributes"]} == {"women"}
    (place,) = record["service_at_locations"]
    assert place["id"] == str(directory["sewing_here"].public_id)
    assert place["location"]["addresses"][0]["postal_code"] == "04315"
    weekly = next(s for s in place["schedules"] if s.get("freq") == "WEEKLY")
    assert (weekly["byday"], weekly["opens_at"], weekly["closes_at"]) == ("MO", "10:00", "12:00")
    assert any(s.get("dtstart") for s in place["schedules"])  # the extra opening


@pytest.mark.parametrize("params", [{}, {"full": "true", "per_page": 10}, {"lang": "ar"}])
def test_organizations_list_is_valid_hsds(client, directory, params):
    page = _ok(_get(client, "organizations", {"per_page": 10, **params}))
    ids = set(_ids(page))
    world = directory["world"]
    assert str(world.organisation.public_id) in ids
    assert str(directory["archived_org"].public_id) not in ids
    for record in page["contents"]:
        _valid("organization", record)
        assert ("services" in record) == bool(params.get("full"))


def test_organization_detail_nests_contacts_and_services(client, directory):
    org = directory["world"].organisation
    record = _ok(_get(client, "organization", public_id=org.public_id))
    _valid("organization", record)
    assert record["name"] == "Brücke e.V."
    assert [c["id"] for c in record["contacts"]] == [str(directory["world"].contact.public_id)]
    offered = {s["id"] for s in record["services"]}
    assert offered == {str(directory["sewing"].public_id), str(directory["world"].offer.public_id)}
    for service in record["services"]:
        _valid("service", service)


@pytest.mark.parametrize("params", [{}, {"full": "true"}])
def test_service_at_locations_list_is_valid_hsds(client, directory, params):
    page = _ok(_get(client, "service_at_locations", {**params, "per_page": 100}))
    hidden = {str(ol.public_id) for ol in directory["hidden_places"].values()}
    assert str(directory["sewing_here"].public_id) in _ids(page)
    assert not hidden & set(_ids(page))
    for record in page["contents"]:
        _valid("service_at_location", record)
        _valid("service", record["service"])
        _valid("location", record["location"])
        assert ("schedules" in record) == (
            bool(params) and record["id"] == str(directory["sewing_here"].public_id)
        )


def test_service_at_location_detail_is_valid(client, directory):
    place = directory["sewing_here"]
    record = _ok(_get(client, "service_at_location", public_id=place.public_id))
    _valid("service_at_location", record)
    assert record["service_id"] == record["service"]["id"] == str(directory["sewing"].public_id)
    assert record["location"]["name"] == "Stadtteilhaus"
    assert record["description"] == "Raum 2"
    assert len(record["schedules"]) == 2


def test_taxonomies_and_their_detail(client, db):
    page = _ok(_get(client, "taxonomies"))
    assert page["total_items"] == 2
    for record in page["contents"]:
        _valid("taxonomy", record)
        assert _ok(_get(client, "taxonomy", public_id=record["id"])) == record


def test_taxonomy_terms_and_their_detail(client, db):
    page = _ok(_get(client, "taxonomy_terms", {"per_page": 100}))
    assert page["total_items"] == Category.objects.count() + TargetGroup.objects.count()
    for record in page["contents"]:
        _valid("taxonomy_term", record)
    debt = next(r for r in page["contents"] if r["code"] == "counselling-debt")
    assert debt["parent_id"] == hsds.category_term_id("counselling")
    assert _ok(_get(client, "taxonomy_term", public_id=debt["id"])) == debt


def test_taxonomy_term_filters(client, db):
    def codes(params):
        page = _ok(_get(client, "taxonomy_terms", {"per_page": 100, **params}))
        return {r["code"] for r in page["contents"]}

    groups = codes({"taxonomy_id": hsds.TARGET_GROUP_TAXONOMY_ID})
    assert groups == set(TargetGroup.objects.values_list("code", flat=True))
    children = codes({"parent_id": hsds.category_term_id("counselling")})
    assert "counselling-debt" in children and "counselling" not in children
    top = codes({"top_only": "true"})
    assert "counselling" in top and "counselling-debt" not in top
    assert codes({"search": "schuldner"}) == {"counselling-debt"}


# Paging


def test_pages_have_the_hsds_shape_and_numbers(client, directory):
    total = len(_public_ids())
    assert total == 5
    pages = math.ceil(total / 2)
    seen = []
    for number in range(1, pages + 1):
        page = _ok(_get(client, "services", {"per_page": 2, "page": number}))
        assert page["total_items"] == total
        assert page["total_pages"] == pages
        assert page["page_number"] == number
        assert page["size"] == len(page["contents"]) == (2 if number < pages else total % 2 or 2)
        assert page["first_page"] is (number == 1)
        assert page["last_page"] is (number == pages)
        assert page["empty"] is False
        seen += _ids(page)
    assert sorted(seen) == sorted(_public_ids())

    beyond = _ok(_get(client, "services", {"per_page": 2, "page": pages + 1}))
    assert beyond["contents"] == [] and beyond["size"] == 0
    assert beyond["empty"] is True and beyond["last_page"] is True
    assert beyond["first_page"] is False and beyond["total_items"] == total


def test_nothing_found_is_one_empty_page(client, directory):
    page = _ok(_get(client, "services", {"search": "Zzyzxqwv"}))
    assert page == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


# Filters


def _service_names(client, params) -> set[str]:
    page = _ok(_get(client, "services", {"per_page": 100, **params}))
    return {record["name"] for record in page["contents"]}


@pytest.mark.parametrize("name", ["search", "q"])
def test_search_and_its_alias_find_an_offer(client, directory, name):
    assert _service_names(client, {name: "Nähcafé"}) == {"Nähcafé für Frauen"}
    assert _service_names(client, {name: "Schuldnerberatung"}) == {"Schuldnerberatung am Abend"}


def test_search_finds_arabic_text_with_lang_ar(client, directory):
    page = _ok(_get(client, "services", {"search": "الخياطة", "lang": "ar"}))
    assert [r["name"] for r in page["contents"]] == [SEWING_AR["name"]]


def test_search_in_organizations(client, directory):
    page = _ok(_get(client, "organizations", {"search": "Partner"}))
    assert [r["name"] for r in page["contents"]] == ["Partner e.V."]


def test_taxonomy_term_includes_sub_categories(client, directory):
    counselling = hsds.category_term_id("counselling")
    assert _service_names(client, {"taxonomy_term_id": counselling}) == {
        "Schuldnerberatung am Abend"
    }
    debt = hsds.category_term_id("counselling-debt")
    assert _service_names(client, {"taxonomy_term_id": debt}) == {"Schuldnerberatung am Abend"}
    housing = hsds.category_term_id("housing")
    assert _service_names(client, {"taxonomy_term_id": housing}) == set()
    women = hsds.target_group_term_id("women")
    assert _service_names(client, {"taxonomy_term_id": women}) == {"Nähcafé für Frauen"}
    unknown = "00000000-0000-0000-0000-000000000000"
    assert _service_names(client, {"taxonomy_term_id": unknown}) == set()
    # An unknown term or taxonomy with a search (a server error once, found by schemathesis).
    assert _service_names(client, {"taxonomy_term_id": unknown, "search": "Nähcafé"}) == set()
    assert _service_names(client, {"taxonomy_id": unknown, "search": "Nähcafé"}) == set()
    places = _get(client, "service_at_locations", {"taxonomy_id": unknown, "q": "Nähcafé"})
    assert _ok(places)["contents"] == []


def test_taxonomy_id(client, directory):
    categories = {"taxonomy_id": hsds.CATEGORY_TAXONOMY_ID}
    assert _service_names(client, categories) == {"Schuldnerberatung am Abend", "Deutsch im Park"}
    groups = {"taxonomy_id": hsds.TARGET_GROUP_TAXONOMY_ID}
    assert _service_names(client, groups) == {"Nähcafé für Frauen"}


def test_organization_id(client, directory):
    partner = directory["world"].partner_organisation
    params = {"organization_id": str(partner.public_id)}
    assert _service_names(client, params) == {"Schuldnerberatung am Abend"}
    places = _ok(_get(client, "service_at_locations", params))
    assert [r["service_id"] for r in places["contents"]] == [str(directory["debt"].public_id)]


def test_modified_after(client, directory):
    recent = _service_names(client, {"modified_after": "2024-01-01T00:00:00Z"})
    assert "Deutsch im Park" not in recent and "Nähcafé für Frauen" in recent
    assert "Deutsch im Park" in _service_names(client, {"modified_after": "2019-12-31"})


def _places(client, params) -> set[str]:
    page = _ok(_get(client, "service_at_locations", {"per_page": 100, **params}))
    return {record["service"]["name"] for record in page["contents"]}


def test_postcode(client, directory):
    assert _places(client, {"postcode": "04318"}) == {"Schuldnerberatung am Abend"}
    assert "Nähcafé für Frauen" in _places(client, {"postcode": "04315"})
    assert _places(client, {"postcode": "99999"}) == set()


def test_proximity_counts_metres_from_the_postcode(client, directory):
    assert _places(client, {"postcode": "04315", "proximity": 500}) == {"Nähcafé für Frauen"}
    assert _places(client, {"postcode": "04315", "proximity": 2000}) == {
        "Nähcafé für Frauen",
        "Schuldnerberatung am Abend",
    }
    assert _places(client, {"postcode": "04315", "proximity": 5000}) == {
        "Nähcafé für Frauen",
        "Schuldnerberatung am Abend",
        "Deutsch im Park",
    }


# Streams, minimal records, languages, empty fields


@pytest.mark.parametrize("name", ["services", "organizations", "service_at_locations"])
def test_ndjson_streams_every_record_one_per_line(client, directory, name):
    records = _lines(_get(client, name, {"format": "ndjson", "per_page": 1}))
    kind = {"services": "service", "organizations": "organization"}.get(name, name[:-1])
    for record in records:
        _valid(kind, record)
    if name == "services":
        assert {r["id"] for r in records} == _public_ids()
        assert len(records) == len(_public_ids())
    else:
        paged = _ok(_get(client, name, {"per_page": 100}))
        assert [r["id"] for r in records] == _ids(paged)


def test_ndjson_of_taxonomy_terms(client, db):
    records = _lines(_get(client, "taxonomy_terms", {"format": "ndjson"}))
    assert len(records) == Category.objects.count() + TargetGroup.objects.count()


def test_arabic_where_reviewed_and_german_per_field_elsewhere(client, directory):
    sewing = directory["sewing"]
    record = _ok(_get(client, "service", {"lang": "ar"}, public_id=sewing.public_id))
    _valid("service", record)
    assert record["name"] == SEWING_AR["name"]
    assert record["summary"] == SEWING_AR["summary"]
    assert record["description"] == sewing.description  # no Arabic description
    assert record["translations"] == {"ar": SEWING_AR}  # the unreviewed Persian is left out
    assert record["organization"]["name"] == "جسر"
    assert record["organization"]["translations"] == {"ar": {"name": "جسر"}}
    location = record["service_at_locations"][0]["location"]
    assert location["name"] == "بيت الحي"
    assert location["transportation"] == "Tram 1, Haltestelle Einertstraße"
    assert record["contacts"][0]["department"] == "استشارة"

    german = _ok(_get(client, "service", public_id=sewing.public_id))
    assert german["name"] == "Nähcafé für Frauen"
    assert german["translations"] == record["translations"]


def test_terms_in_arabic(client, site_content):
    term = hsds.category_term_id("counselling")
    record = _ok(_get(client, "taxonomy_term", {"lang": "ar"}, public_id=term))
    assert record["language"] == "ar"
    assert record["name"] == record["translations"]["ar"]["name"] != "Beratung"


def test_empty_optional_fields_are_left_out(client, directory):
    plain = directory["debt"]
    record = _ok(_get(client, "service", public_id=plain.public_id))
    for field in ("email", "url", "description", "minimum_age", "languages", "contacts"):
        assert field not in record
    assert "translations" not in record


def test_no_response_holds_null(client, directory):
    sewing, place = directory["sewing"], directory["sewing_here"]
    org = directory["world"].organisation
    responses = [
        _get(client, "root"),
        _get(client, "services", {"full": "true"}),
        _get(client, "services", {"lang": "ar"}),
        _get(client, "services", {"minimal": "true"}),
        _get(client, "service", public_id=sewing.public_id),
        _get(client, "service", public_id=directory["debt"].public_id),
        _get(client, "organizations", {"full": "true", "per_page": 10}),
        _get(client, "organization", public_id=org.public_id),
        _get(client, "service_at_locations", {"full": "true"}),
        _get(client, "service_at_location", public_id=place.public_id),
        _get(client, "taxonomies"),
        _get(client, "taxonomy_terms", {"per_page": 100, "lang": "ar"}),
    ]
    for response in responses:
        assert _nulls(_ok(response)) == [], response.request["PATH_INFO"]
    assert _nulls(_lines(_get(client, "services", {"format": "ndjson", "full": "true"}))) == []


# What is not public


@pytest.mark.parametrize("key", ["archived", "inactive", "defunct", "archived organisation"])
def test_non_public_offers_never_appear(client, directory, key):
    offer = directory["hidden"][key]
    place = directory["hidden_places"][key]
    listed = _ok(_get(client, "services", {"per_page": 100}))
    assert str(offer.public_id) not in _ids(listed)
    streamed = _lines(_get(client, "services", {"format": "ndjson"}))
    assert str(offer.public_id) not in {r["id"] for r in streamed}
    places = _ok(_get(client, "service_at_locations", {"per_page": 100}))
    assert str(place.public_id) not in _ids(places)
    organisations = _ok(_get(client, "organizations", {"full": "true", "per_page": 10}))
    nested = {s["id"] for o in organisations["contents"] for s in o["services"]}
    assert str(offer.public_id) not in nested
    for name, public_id in [("service", offer.public_id), ("service_at_location", place.public_id)]:
        response = _get(client, name, public_id=public_id)
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 404


def test_archived_organisation_answers_404(client, directory):
    response = _get(client, "organization", public_id=directory["archived_org"].public_id)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    "name", ["service", "organization", "service_at_location", "taxonomy", "taxonomy_term"]
)
def test_unknown_ids_answer_404_problem(client, db, name):
    response = _get(client, name, public_id="0b0e1f6e-3c1a-4c4b-9d3e-1f2a3b4c5d6e")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["title"] == "Not found" and problem["status"] == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def test_archiving_through_the_service_takes_an_offer_out_at_once(client, directory):
    world, sewing = directory["world"], directory["sewing"]
    url = reverse("hsds:service", kwargs={"public_id": sewing.public_id})
    assert client.get(url).status_code == 200
    directory_services.entry_archive(
        sewing,
        archived=True,
        actor=world.members[Role.COORDINATOR].user,
        office=world.office,
    )
    assert client.get(url).status_code == 404
    assert str(sewing.public_id) not in _ids(_ok(_get(client, "services")))


# HTTP: conditional requests, CORS, methods, problems


def test_etag_and_if_none_match(client, directory):
    url = reverse("hsds:services")
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, {"page": 1})["ETag"] != etag  # another query, another answer
    content.content_changed()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_cors_on_every_answer(client, directory):
    ok = _get(client, "services")
    bad = _get(client, "services", {"per_page": 0})
    missing = _get(client, "service", public_id="0b0e1f6e-3c1a-4c4b-9d3e-1f2a3b4c5d6e")
    for response, status in [(ok, 200), (bad, 400), (missing, 404)]:
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        reverse("hsds:services"),
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]


def test_head_answers_like_get(client, directory):
    response = client.head(reverse("hsds:services"))
    assert response.status_code == 200 and response["ETag"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_not_allowed(client, db, method):
    response = getattr(client, method)(reverse("hsds:services"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Content-Type"] == PROBLEM
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("services", {"per_page": "100000"}, "per_page"),
        ("services", {"per_page": "0"}, "per_page"),
        ("services", {"page": "-1"}, "page"),
        ("services", {"page": "abc"}, "page"),
        ("services", {"modified_after": "yesterday"}, "modified_after"),
        ("services", {"modified_after": "0001-01-01T00:00:00+01:00"}, "modified_after"),
        ("services", {"taxonomy_term_id": "not-a-uuid"}, "taxonomy_term_id"),
        ("services", {"taxonomy_id": "not-a-uuid"}, "taxonomy_id"),
        ("services", {"organization_id": "42"}, "organization_id"),
        ("services", {"format": "xml"}, "format"),
        ("services", {"lang": "xx"}, "lang"),
        ("services", {"minimal": "maybe"}, "minimal"),
        ("services", {"full": "maybe"}, "full"),
        ("services", {"search": "x" * 201}, "search"),
        ("organizations", {"full": "true", "per_page": "50"}, "per_page"),
        ("organizations", {"search": "a\x00b"}, "search"),  # PostgreSQL refuses NUL
        ("service_at_locations", {"postcode": "04\x00"}, "postcode"),
        ("service_at_locations", {"proximity": "1000"}, "proximity"),
        ("service_at_locations", {"postcode": "04315", "proximity": "far"}, "proximity"),
        ("service_at_locations", {"postcode": "x" * 11}, "postcode"),
        ("taxonomy_terms", {"parent_id": "nope"}, "parent_id"),
        ("taxonomy_terms", {"top_only": "maybe"}, "top_only"),
    ],
)
def test_bad_parameters_answer_400_problem(client, db, name, params, parameter):
    response = _get(client, name, params)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 400
    assert problem["parameter"] == parameter
    assert problem["type"].endswith("/api/hsds/profile#bad-parameter")
    assert problem["detail"]
    assert problem["instance"].startswith("/api/hsds/")


# Query counts


@pytest.fixture
def many(db, site_content):
    """55 offers with all the trimmings, each of its own organisation, in the index."""
    ar = Language.objects.get(code="ar")
    category = Category.objects.get(code="counselling-debt")
    group = TargetGroup.objects.get(code="women")
    offers = []
    for n in range(55):
        offer = OfferFactory(name=f"Beratungsangebot {n:02d}")
        offer.categories.add(category)
        offer.target_groups.add(group)
        offer.languages.add(ar)
        contact = ContactFactory(organisation=offer.organisation)
        contact.languages.add(ar)
        offer.contacts.add(contact)
        OfferTranslation.objects.create(
            offer=offer, language="ar", source_revision=1, name=f"استشارة {n}"
        )
        OrganisationTranslation.objects.create(
            organisation=offer.organisation, language="ar", source_revision=1, name=f"جمعية {n}"
        )
        place = OfferLocationFactory(offer=offer)
        LocationTranslation.objects.create(
            location=place.location, language="ar", source_revision=1, name=f"مكان {n}"
        )
        OpeningHours.objects.create(
            offer_location=place, weekday=n % 7, opens=time(9), closes=time(17)
        )
        offers.append(offer)
    index_offers(o.pk for o in offers)
    return offers


PAGED = [
    ("services", {}, (5, 50)),
    ("services", {"full": "true"}, (5, 50)),
    ("services", {"minimal": "true"}, (5, 50)),
    ("services", {"lang": "ar", "full": "true"}, (5, 50)),
    ("services", {"search": "Beratungsangebot"}, (5, 50)),
    ("services", {"taxonomy_term_id": hsds.category_term_id("counselling")}, (5, 50)),
    ("organizations", {}, (5, 50)),
    ("organizations", {"full": "true"}, (2, 10)),
    ("service_at_locations", {}, (5, 50)),
    ("service_at_locations", {"full": "true", "lang": "ar"}, (5, 50)),
    ("service_at_locations", {"search": "Beratungsangebot"}, (5, 50)),
    ("taxonomies", {}, (1, 2)),
    ("taxonomy_terms", {}, (5, 50)),
]


def test_query_count_does_not_grow_with_the_page(client, many, monkeypatch):
    """One test for all lists, so the 55 offers are made once."""
    monkeypatch.setattr(content, "MEMO_SECONDS", 0)  # read the generation on every request

    def queries(name: str, params: dict, per_page: int) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            page = _ok(_get(client, name, {**params, "per_page": per_page}))
        assert page["size"] == min(per_page, page["total_items"]), (name, params)
        return len(captured)

    growing = {}
    for name, params, (small, large) in PAGED:
        queries(name, params, small)  # warm up: translations, lazily loaded reference data
        counts = (queries(name, params, small), queries(name, params, large))
        if counts[0] != counts[1]:
            growing[f"{name} {params}"] = counts
    assert growing == {}


def test_pages_cover_the_list_in_order_and_follow_changes(client, many, monkeypatch):
    """Deep pages are slices of the list's ids kept per content generation: every page in
    turn gives each service once, in name order, and a change shows at once."""
    monkeypatch.setattr(content, "MEMO_SECONDS", 0)

    def names() -> list[str]:
        seen, page = [], 1
        while True:
            body = _ok(_get(client, "services", {"per_page": 10, "page": page}))
            seen += [record["name"] for record in body["contents"]]
            if page >= body["total_pages"]:
                return seen
            page += 1

    before = names()
    assert before == sorted(before) and len(before) == len(set(before)) == 55
    first = many[0]
    directory_services.entry_update(
        first,
        data={"name": "Zz zuletzt"},
        expected_version=first.version,
        actor=None,
        office=first.organisation.office,
    )
    after = names()
    assert after[-1] == "Zz zuletzt" and first.name not in after and len(after) == 55


# Rate limit


def test_rate_limit_answers_429_with_retry_after(client, db, settings):
    settings.API_RATE_LIMIT_REQUESTS = 3
    settings.API_RATE_LIMIT_WINDOW = 10**9  # one window for the whole test, whatever the clock
    url = reverse("hsds:root")
    for _ in range(3):
        assert client.get(url).status_code == 200
    limited = client.get(url)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited["Content-Type"] == PROBLEM
    assert limited.json()["status"] == 429
    assert limited["Access-Control-Allow-Origin"] == "*"

    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session"
    for _ in range(5):
        assert client.get(url).status_code == 200


def test_rate_limit_leaves_the_site_alone(client, db, settings):
    settings.API_RATE_LIMIT_REQUESTS = 1
    settings.API_RATE_LIMIT_WINDOW = 10**9
    assert client.get(reverse("hsds:root")).status_code == 200
    assert client.get(reverse("hsds:root")).status_code == 429
    assert client.get(reverse("healthz")).status_code == 200


# The OpenAPI document


def test_committed_openapi_document_is_current(client, db):
    built = openapi.build()
    assert openapi.COMMITTED.read_text(encoding="utf-8") == openapi.dumps(built)
    served = client.get(reverse("hsds:openapi"))
    assert served.status_code == 200
    assert served.json() == built
    call_command("hsds_openapi", "--check")


def test_openapi_document_is_valid_openapi_3_1():
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    doc = openapi.build()
    OPENAPI_31_VALIDATOR.validate(doc)

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    remote = [ref for ref in refs(doc) if not ref.startswith("#/components/")]
    assert remote == []  # nothing to fetch
    dangling = [r for r in refs(doc) if r.split("/")[3] not in doc["components"][r.split("/")[2]]]
    assert dangling == []


def test_openapi_document_covers_every_api_url():
    from wegweiser.opendata import urls

    documented = set(openapi.build()["paths"])
    routed = {
        "/" + str(p.pattern).replace("<str:public_id>", "{id}").replace("<str:name>", "{name}")
        for p in urls.urlpatterns
        if p.name != "unknown"  # the catch-all that answers 404 for anything else
    }
    assert documented == routed


@pytest.mark.parametrize(
    "path", ["services/not-a-uuid", "organizations/123", "no-such-endpoint", "services/x/y"]
)
def test_unknown_ids_and_paths_answer_a_problem_document(db, client, path):
    response = client.get("/api/hsds/" + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["status"] == 404


def test_openapi_bundles_the_official_schemas_with_our_extensions():
    schemas = openapi.build()["components"]["schemas"]
    official = json.loads((validation.SCHEMA_DIR / "phone.json").read_text())
    assert schemas["phone"]["properties"]["number"] == official["properties"]["number"]
    assert schemas["phone"]["properties"]["languages"]["items"] == {
        "$ref": "#/components/schemas/language"
    }
    for kind in ("service", "organization", "location", "taxonomy_term", "contact"):
        assert "translations" in schemas[kind]["properties"], kind
    assert {"summary", "accessibility_description"} <= set(schemas["service"]["properties"])
