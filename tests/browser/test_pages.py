"""What only a browser shows: accessibility (axe-core, bundled with axe-playwright-python),
right-to-left layout, keyboard use."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from wegweiser.directory.demo.loader import load_demo

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


def _violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes) {v['nodes'][0]['target']}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("language", ["de", "ar", "en"])
def test_public_start_page_has_no_axe_violations(live_server, page, language):
    load_demo()
    page.goto(f"{live_server.url}/{language}/")
    assert _violations(page) == []
    direction = page.eval_on_selector("html", "e => [e.lang, e.dir]")
    assert direction == [language, "rtl" if language == "ar" else "ltr"]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-wegweiser-2026")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/staff/")


def test_login_page_has_no_axe_violations(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert _violations(page) == []


def test_staff_pages_have_no_axe_violations(live_server, page):
    load_demo()
    from wegweiser.directory.models import Offer, Organisation

    offer = Offer.objects.filter(offer_locations__isnull=False).first()
    organisation = Organisation.objects.first()
    _log_in(page, live_server, "koordination")
    paths = [
        "/staff/",
        "/staff/offers/",
        "/staff/organisations/",
        "/staff/locations/",
        f"/staff/offers/{offer.public_id}/",
        f"/staff/offers/{offer.public_id}/edit/",
        f"/staff/organisations/{organisation.public_id}/",
        f"/staff/offer-locations/{offer.offer_locations.first().public_id}/hours/",
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert _violations(page) == [], path


def test_keyboard_path_from_login_to_an_offer(live_server, page):
    load_demo()
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus("#id_username")
    page.keyboard.type("mitarbeit")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-wegweiser-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.goto(f"{live_server.url}/staff/offers/")
    page.focus("#id_q")
    page.keyboard.type("Deutsch")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    first = page.locator("table.list tbody a").first
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "/staff/offers/" in page.url and page.url.rstrip("/").count("/") >= 5
    assert page.locator("h1").inner_text() != ""
