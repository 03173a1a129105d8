"""The public guide in a real browser: axe-core finds nothing on any page type in German,
Arabic (right to left) and Turkish; narrow screens do not scroll sideways; the keyboard
reaches an offer from the start page."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from wegweiser.directory.demo.loader import load_demo

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


def _violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in results.response["violations"]
    ]


@pytest.fixture
def demo_paths():
    load_demo()
    from wegweiser.directory.models import Offer, Organisation

    offer = Offer.objects.filter(
        translations__language="ar", offer_locations__opening_hours__isnull=False
    ).first()
    organisation = Organisation.objects.filter(offers=offer).first()
    from datetime import timedelta

    from django.utils import timezone

    from wegweiser.events.models import Event
    from wegweiser.events.recurrence import BERLIN, occurrences

    event = Event.objects.filter(registration="internal", status="scheduled").first()
    now = timezone.now()
    coming = occurrences(event, now, now + timedelta(days=90))[0]
    stamp = coming.original_start.astimezone(BERLIN).strftime("%Y%m%dT%H%M")
    return [
        "/veranstaltungen/",
        "/veranstaltungen/?when=month&free=on&category=abc",
        f"/veranstaltung/{event.public_id}/",
        f"/veranstaltung/{event.public_id}/anmelden/{stamp}/",
        "/anmeldung/ungueltig/",
        "/",
        "/leichte-sprache/",
        "/suche/?q=beratung",
        "/suche/?q=xyzzy",
        "/suche/?q=kurs&free=on&age=abc",
        "/thema/counselling/",
        "/gebiet/volkmarsdorf/",
        f"/angebot/{offer.public_id}/",
        f"/angebot/{offer.public_id}/drucken/",
        f"/angebot/{offer.public_id}/fehler-melden/",
        "/organisationen/",
        f"/organisation/{organisation.public_id}/",
        "/glossar/",
        "/broschueren/",
        "/angebot-vorschlagen/",
        "/barrierefreiheit/",
        "/impressum/",
        "/datenschutz/",
        "/karte/?q=beratung",
        "/danke/",
        "/gibt-es-nicht/",
    ]


@pytest.mark.parametrize("language", ["de", "ar", "tr"])
def test_every_public_page_type_passes_axe(live_server, page, demo_paths, language):
    failures = {}
    for path in demo_paths:
        page.goto(f"{live_server.url}/{language}{path}")
        found = _violations(page)
        if found:
            failures[path] = found
        direction = page.eval_on_selector("html", "e => e.dir")
        assert direction == ("rtl" if language == "ar" else "ltr"), path
    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in failures.items())


@pytest.mark.parametrize("language", ["de", "ar"])
def test_narrow_screen_has_no_sideways_scrolling(live_server, browser, demo_paths, language):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        for path in demo_paths:
            page.goto(f"{live_server.url}/{language}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, (path, width)
    finally:
        context.close()


def test_right_to_left_layout_is_mirrored(live_server, page, demo_paths):
    page.goto(f"{live_server.url}/ar/")
    brand = page.locator(".brand").bounding_box()
    viewport = page.viewport_size["width"]
    assert brand["x"] > viewport / 2  # the site name starts on the right
    page.goto(f"{live_server.url}/de/")
    assert page.locator(".brand").bounding_box()["x"] < viewport / 2


def test_keyboard_path_search_result_offer(live_server, page, demo_paths):
    page.goto(f"{live_server.url}/de/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(20):  # tab to the search field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("Beratung")
    page.keyboard.press("Enter")
    page.wait_for_url("**/suche/?q=Beratung")
    names = page.locator("ol.results a").all_inner_texts()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('ol.results') !== null"):
            break
    name = page.evaluate("document.activeElement.innerText")
    assert name in names
    page.keyboard.press("Enter")
    page.wait_for_url("**/angebot/**")
    assert page.locator("h1").inner_text() == name


def test_no_request_leaves_the_site(live_server, page, demo_paths):
    outside = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
            else None
        ),
    )
    for path in demo_paths[:12]:
        page.goto(f"{live_server.url}/ar{path}")
    assert outside == []
