"""The staff directory through the test client: the create flow, bad input, conflicts,
filters and query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import OfferFactory, OfferLocationFactory, OrganisationFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.core.models import Language
from wegweiser.directory.models import (
    Category,
    Contact,
    Location,
    Offer,
    OpeningHours,
    Organisation,
)


@pytest.fixture
def coordinator(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    client.cookies["django_language"] = "en"
    return client


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def test_whole_flow_organisation_offer_location_hours_contact(world, coordinator):
    response = coordinator.post(
        reverse("directory:organisation_create"),
        {
            "name": "Nachbarschaftshilfe Rabet e.V.",
            "kind": "initiative",
            "review_interval_days": 182,
            "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Nachbarschaftshilfe Rabet e.V.")
    assert organisation.office == world.office
    assert organisation.logo.name.startswith("logos/")

    response = coordinator.post(
        reverse("directory:contact_create", kwargs={"public_id": organisation.public_id}),
        {
            "role": "Beratung",
            "phone": "+49 341 39299 200",
            "languages": ["de", "ar"],
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(organisation=organisation)

    german = Category.objects.get(code="german-courses")
    response = coordinator.post(
        reverse("directory:offer_create", kwargs={"public_id": organisation.public_id}),
        {
            "name": "Sprachcafé",
            "status": "active",
            "cost": "free",
            "categories": [german.pk],
            "languages": ["de", "ar"],
            "contacts": [contact.pk],
            "review_interval_days": 182,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    offer = Offer.objects.get(name="Sprachcafé")
    assert sorted(offer.languages.values_list("code", flat=True)) == ["ar", "de"]

    response = coordinator.post(
        reverse("directory:location_create"),
        {
            "name": "Stadtteilladen",
            "street": "Konradstraße 10",
            "postcode": "04315",
            "city": "Leipzig",
            "state": "Sachsen",
            "country": "DE",
            "latitude": "51.3450",
            "longitude": "12.4100",
            "review_interval_days": 182,
        },
    )
    assert response.status_code == 302
    location = Location.objects.get(name="Stadtteilladen")

    response = coordinator.post(
        reverse("directory:offer_location_add", kwargs={"public_id": offer.public_id}),
        {"location": location.pk},
    )
    assert response.status_code == 302
    offer_location = offer.offer_locations.get()
    hours_url = reverse(
        "directory:offer_location_hours", kwargs={"public_id": offer_location.public_id}
    )
    offer.refresh_from_db()
    response = coordinator.post(
        hours_url,
        _hours_data(
            offer.version,
            [
                (0, "09:00", "12:00"),
                (0, "13:00", "16:00"),
                (2, "10:00", "14:00"),
            ],
        ),
    )
    assert response.status_code == 302, response.context and response.context["hours"].errors
    assert OpeningHours.objects.filter(offer_location=offer_location).count() == 3

    detail = coordinator.get(
        reverse("directory:offer_detail", kwargs={"public_id": offer.public_id})
    )
    text = detail.content.decode()
    assert "Stadtteilladen" in text and "09:00" in text and "13:00" in text
    actions = [e.action for e in detail.context["history"]]
    assert actions[:2] == ["directory.offer.hours_updated", "directory.offer.location_added"]


def _hours_data(version, windows, exceptions=()):
    data = {
        "version": version,
        "by_appointment_only": "",
        "note": "",
        "hours-TOTAL_FORMS": len(windows),
        "hours-INITIAL_FORMS": 0,
        "hours-MIN_NUM_FORMS": 0,
        "hours-MAX_NUM_FORMS": 1000,
        "exceptions-TOTAL_FORMS": len(exceptions),
        "exceptions-INITIAL_FORMS": 0,
        "exceptions-MIN_NUM_FORMS": 0,
        "exceptions-MAX_NUM_FORMS": 1000,
    }
    for i, (day, opens, closes) in enumerate(windows):
        data.update(
            {f"hours-{i}-weekday": day, f"hours-{i}-opens": opens, f"hours-{i}-closes": closes}
        )
    for i, row in enumerate(exceptions):
        data.update({f"exceptions-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.mark.parametrize(
    "windows, message",
    [
        ([(0, "12:00", "09:00")], "Closing time must be after opening time."),
        ([(1, "09:00", "12:00"), (1, "11:00", "14:00")], "overlap"),
    ],
)
def test_bad_opening_hours_are_refused(world, coordinator, windows, message):
    url = reverse(
        "directory:offer_location_hours", kwargs={"public_id": world.offer_location.public_id}
    )
    response = coordinator.post(url, _hours_data(world.offer.version, windows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OpeningHours.objects.filter(offer_location=world.offer_location).exists()


def test_extra_opening_needs_times(world, coordinator):
    url = reverse(
        "directory:offer_location_hours", kwargs={"public_id": world.offer_location.public_id}
    )
    data = _hours_data(
        world.offer.version,
        [],
        [
            {"kind": "extra", "date_from": "2026-12-05", "date_until": "2026-12-05"},
        ],
    )
    response = coordinator.post(url, data)
    assert "An extra opening needs opening and closing times." in response.content.decode()


def _offer_data(offer, **changes):
    data = {
        "name": offer.name,
        "status": "active",
        "cost": "free",
        "version": offer.version,
        "review_interval_days": 182,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"age_min": "18", "age_max": "6"},
            "age_max",
            "The maximum age must not be below the minimum age.",
        ),
        ({"languages": ["de", "xx"]}, "languages", "Unknown language code: xx."),
        ({"cost": "fee"}, "fee_amount", "Give the amount or describe the fee."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_offer_input_gives_a_form_error_and_saves_nothing(
    world, coordinator, changes, field, message
):
    url = reverse("directory:offer_edit", kwargs={"public_id": world.offer.public_id})
    response = coordinator.post(url, _offer_data(world.offer, **changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    world.offer.refresh_from_db()
    assert world.offer.version == 1


def test_form_errors_come_in_the_users_language(world, client):
    user = world.members[Role.COORDINATOR].user
    login(client, user)
    client.cookies["django_language"] = "de"
    url = reverse("directory:offer_edit", kwargs={"public_id": world.offer.public_id})
    response = client.post(url, _offer_data(world.offer, age_min="18", age_max="6"))
    assert "Das Höchstalter darf nicht unter dem Mindestalter liegen." in response.content.decode()


@pytest.mark.parametrize(
    "latitude, longitude, field",
    [
        ("91", "12.4", "latitude"),
        ("51.3", "-181", "longitude"),
        ("abc", "12.4", "latitude"),
    ],
)
def test_invalid_coordinates_are_refused(world, coordinator, latitude, longitude, field):
    response = coordinator.post(
        reverse("directory:location_create"),
        {
            "name": "Irgendwo",
            "street": "Konradstraße 1",
            "postcode": "04315",
            "city": "Leipzig",
            "state": "Sachsen",
            "country": "DE",
            "latitude": latitude,
            "longitude": longitude,
            "review_interval_days": 182,
        },
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Location.objects.filter(name="Irgendwo").exists()


def test_duplicate_organisation_name_in_the_same_office_is_refused(world, coordinator):
    response = coordinator.post(
        reverse("directory:organisation_create"),
        {
            "name": "brücke E.V.",
            "kind": "initiative",
            "review_interval_days": 182,
        },
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["name"])
    assert Organisation.objects.filter(office=world.office).count() == 2


def test_same_name_in_another_office_is_fine(world, coordinator):
    OrganisationFactory(office=world.other_office, name="Sonnenschein e.V.")
    response = coordinator.post(
        reverse("directory:organisation_create"),
        {
            "name": "Sonnenschein e.V.",
            "kind": "initiative",
            "review_interval_days": 182,
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"),
            "image",
        ),
        (SimpleUploadedFile("logo.txt", b"just text", content_type="text/plain"), "image"),
    ],
)
def test_non_image_logo_is_refused(world, coordinator, upload, message):
    url = reverse("directory:organisation_edit", kwargs={"public_id": world.organisation.public_id})
    response = coordinator.post(
        url,
        {
            "name": world.organisation.name,
            "kind": "initiative",
            "version": 1,
            "review_interval_days": 182,
            "logo": upload,
        },
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["logo"])


def test_oversized_logo_is_refused(world, coordinator, settings):
    settings.LOGO_MAX_BYTES = 100
    url = reverse("directory:organisation_edit", kwargs={"public_id": world.organisation.public_id})
    response = coordinator.post(
        url,
        {
            "name": world.organisation.name,
            "kind": "initiative",
            "version": 1,
            "review_interval_days": 182,
            "logo": SimpleUploadedFile("logo.png", _png((64, 64)), content_type="image/png"),
        },
    )
    assert "too large" in str(response.context["form"].errors["logo"])


def test_concurrent_edit_is_shown_as_conflict_and_nothing_is_overwritten(world, client):
    url = reverse("directory:offer_edit", kwargs={"public_id": world.offer.public_id})
    client.cookies["django_language"] = "en"
    login(client, world.members[Role.STAFF].user)
    assert client.post(url, _offer_data(world.offer, summary="Von Staff")).status_code == 302
    login(client, world.members[Role.COORDINATOR].user)
    response = client.post(url, _offer_data(world.offer, summary="Von Koordination"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this entry" in page and "Von Staff" in page
    world.offer.refresh_from_db()
    assert world.offer.summary == "Von Staff"
    # The re-shown form now carries the version the editor has seen; saving again wins.
    assert response.context["form"]["version"].value() == 2
    again = client.post(url, _offer_data(world.offer, summary="Von Koordination"))
    assert again.status_code == 302
    world.offer.refresh_from_db()
    assert world.offer.summary == "Von Koordination"


def test_concurrent_hours_edit_is_a_conflict(world, coordinator):
    url = reverse(
        "directory:offer_location_hours", kwargs={"public_id": world.offer_location.public_id}
    )
    assert coordinator.post(url, _hours_data(1, [(0, "09:00", "10:00")])).status_code == 302
    response = coordinator.post(url, _hours_data(1, [(0, "11:00", "12:00")]))
    assert response.status_code == 409
    assert list(OpeningHours.objects.values_list("opens", flat=True))[0].hour == 9


def test_confirm_in_one_click(world, coordinator):
    url = reverse(
        "directory:entry_confirm", kwargs={"kind": "offers", "public_id": world.offer.public_id}
    )
    assert coordinator.post(url).status_code == 302
    world.offer.refresh_from_db()
    assert world.offer.verified_by == world.members[Role.COORDINATOR].user


def test_offer_list_filters(world, coordinator):
    arabic = Language.objects.get(code="ar")
    counselling = Category.objects.get(code="counselling-migration")
    match = OfferFactory(organisation=world.organisation, name="Beratung auf Arabisch")
    match.languages.add(arabic)
    match.categories.add(counselling)
    OfferLocationFactory(offer=match, location=world.location)
    url = reverse("directory:offer_list")
    found = coordinator.get(url, {"language": "ar", "category": "counselling"}).context["page"]
    assert [o.name for o in found] == ["Beratung auf Arabisch"]
    found = coordinator.get(url, {"q": "arabisch"}).context["page"]
    assert [o.name for o in found] == ["Beratung auf Arabisch"]
    assert coordinator.get(url, {"stale": "on"}).context["page"].paginator.count == 0
    own = coordinator.get(url, {"organisation": str(world.organisation.public_id)})
    assert {o.organisation for o in own.context["page"]} == {world.organisation}
    foreign = coordinator.get(url, {"organisation": str(world.foreign_organisation.public_id)})
    assert "organisation" in foreign.context["form"].errors
    # A bad filter value is a form error, not a crash.
    response = coordinator.get(url, {"language": "xx", "organisation": "not-a-uuid", "page": "999"})
    assert response.status_code == 200
    assert response.context["form"].errors


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("name", ["offer_list", "organisation_list", "location_list"])
def test_list_query_count_does_not_grow_with_rows(world, coordinator, name):
    url = reverse(f"directory:{name}")
    few = _queries(coordinator, url)
    for i in range(30):
        offer = OfferFactory(organisation=world.organisation, name=f"Angebot {i}")
        OfferLocationFactory(offer=offer)
    assert _queries(coordinator, url) == few
    assert few <= 14
