"""What only a browser shows: accessibility (axe-core, bundled with axe-playwright-python),
right-to-left layout, keyboard use."""

import pyotp
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


def _log_in_with_second_factor(page, live_server, username):
    """Log in as coordinator: the first log-in enrols an authenticator, as a person would
    with their phone (the code is computed from the key shown on the page)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-wegweiser-2026")
    page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/second-factor/**")
    assert _violations(page) == []
    secret = page.inner_text("#totp-secret")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.press("#id_code", "Enter")
    page.wait_for_selector("ul.codes")
    assert page.locator("ul.codes li").count() == 10
    assert _violations(page) == []
    page.click(
        "text=I have saved them"
        if page.locator("html").get_attribute("lang") == "en"
        else "a.button"
    )
    page.wait_for_url(f"{live_server.url}/staff/")


def test_login_page_has_no_axe_violations(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert _violations(page) == []


def test_staff_pages_have_no_axe_violations(live_server, page):
    load_demo()
    from wegweiser.directory.models import Offer, Organisation
    from wegweiser.partners.models import ChangeRequest

    offer = Offer.objects.filter(offer_locations__isnull=False).first()
    organisation = Organisation.objects.first()
    requests = list(ChangeRequest.objects.all())
    _log_in_with_second_factor(page, live_server, "koordination")
    paths = [
        "/staff/",
        "/staff/offers/",
        "/staff/organisations/",
        "/staff/locations/",
        f"/staff/offers/{offer.public_id}/",
        f"/staff/offers/{offer.public_id}/edit/",
        f"/staff/organisations/{organisation.public_id}/",
        f"/staff/offer-locations/{offer.offer_locations.first().public_id}/hours/",
        "/staff/audit/",
        "/accounts/members/",
        "/accounts/",
        "/staff/translations/",
        "/staff/translations/ar/",
        "/staff/translations/ar/import/",
        f"/staff/translations/offers/{offer.public_id}/ar/",
        "/staff/site/feedback/",
        "/staff/site/pages/",
        "/staff/site/pages/imprint/",
        "/staff/review/",
        "/staff/partners/",
        "/staff/partners/requests/",
        "/staff/partners/requests/?show=decided",
        *[f"/staff/partners/requests/{r.public_id}/" for r in requests],
        *[f"/staff/partners/requests/{r.public_id}/edit/" for r in requests],
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert _violations(page) == [], path


def test_keyboard_path_from_login_to_an_offer(live_server, page):
    load_demo()
    page.goto(f"{live_server.url}/accounts/login/")
    # The user name field has the focus on arrival; everything else is typed.
    page.wait_for_function("document.activeElement.id === 'id_username'", timeout=5000)
    page.keyboard.type("lesen")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-wegweiser-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.goto(f"{live_server.url}/staff/offers/")
    page.keyboard.press("Tab")  # the skip link comes first, and leads to the content
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.focus("#id_q")
    page.keyboard.type("Deutsch")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/offers/?*q=Deutsch*")
    first = page.locator("table.list tbody a").first
    name = first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == name


@pytest.mark.parametrize("language", ["de", "ar"])
def test_still_current_link_and_public_flag_pass_axe(live_server, page, language):
    """The page behind a reminder's link (in the partner's language) and an offer page
    flagged "not confirmed since"."""
    load_demo()
    from wegweiser.accounts.models import User
    from wegweiser.directory.models import Offer
    from wegweiser.partners.review import confirm_token

    partner = User.objects.get(username="partner")
    partner.language = language
    partner.save()
    own = partner.memberships.get().organisations.all()
    offer = next(o for o in Offer.objects.live().filter(organisation__in=own) if o.is_stale)
    page.goto(f"{live_server.url}/accounts/review/{confirm_token(offer, partner)}/")
    assert page.eval_on_selector("html", "e => e.lang") == language
    assert _violations(page) == []
    page.click("form button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert _violations(page) == []
    flagged = next(o for o in Offer.objects.live() if o.unconfirmed_since)
    page.goto(f"{live_server.url}/{language}/angebot/{flagged.public_id}/")
    assert page.locator(".verified.unconfirmed").count() == 1
    assert _violations(page) == []


def test_staff_tables_scroll_in_their_box_on_a_narrow_arabic_screen(live_server, page):
    """Wide tables scroll inside their box; hidden labels in them must not widen the page."""
    load_demo()
    _log_in_with_second_factor(page, live_server, "koordination")
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ["/staff/review/", "/staff/partners/", "/staff/partners/requests/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.eval_on_selector("html", "e => e.dir") == "rtl", path
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
