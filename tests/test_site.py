"""The public guide through the test client."""

import gzip
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import LocationFactory, OfferFactory, OfferLocationFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.core.models import Language
from wegweiser.directory import services
from wegweiser.directory.models import OfferTranslation, OpeningHours, ScheduleException
from wegweiser.search.index import index_offers
from wegweiser.site.hours import opening_status
from wegweiser.site.models import Feedback

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _url(world, language="de", name="site:offer"):
    from django.utils.translation import override

    with override(language):
        return reverse(name, kwargs={"public_id": world.offer.public_id})


@pytest.mark.parametrize(
    "language, direction",
    [("de", "ltr"), ("ar", "rtl"), ("fa", "rtl"), ("tr", "ltr"), ("vi", "ltr")],
)
def test_html_lang_and_direction(world, client, language, direction):
    html = client.get(f"/{language}/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


def test_first_visit_follows_accept_language(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9,de;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/tr/"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="sw")
    assert response["Location"] == "/de/"


def test_language_switcher_stays_on_the_page(world, client):
    html = client.get("/de/suche/", {"q": "kurs", "free": "on"}).content.decode()
    assert 'href="/ar/suche/?q=kurs&amp;free=on"' in html


def test_missing_translation_falls_back_to_german_marked(world, client):
    world.offer.description = "Wir helfen beim Jobcenter."
    world.offer.save()
    html = client.get(_url(world, "ar")).content.decode()
    assert f'<h1 lang="de">{world.offer.name}</h1>' in html
    assert 'class="fallback-notice"' in html


def test_translation_is_shown_in_its_language(world, client):
    OfferTranslation.objects.create(
        offer=world.offer, language="ar", source_revision=1, name="دورة لغة", description="نص"
    )
    html = client.get(_url(world, "ar")).content.decode()
    assert "<h1>دورة لغة</h1>" in html
    assert 'class="fallback-notice"' not in html


def test_glossary_words_are_explained_in_place(world, client):
    world.offer.description = "Bitte bringen Sie den Bescheid vom Jobcenter mit."
    world.offer.save()
    html = client.get(_url(world, "de")).content.decode()
    assert '<a class="term" href="#term-jobcenter">Jobcenter</a>' in html
    assert '<details id="term-jobcenter">' in html


def test_offer_texts_are_escaped(world, client):
    world.offer.description = "<script>alert(1)</script> Jobcenter"
    world.offer.save()
    html = client.get(_url(world, "de")).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def _berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_opening_status_in_berlin_time(world):
    ol = world.offer_location
    OpeningHours.objects.create(offer_location=ol, weekday=0, opens=time(9), closes=time(12))
    OpeningHours.objects.create(offer_location=ol, weekday=2, opens=time(14), closes=time(16))
    ol = type(ol).objects.prefetch_related("opening_hours", "exceptions").get(pk=ol.pk)
    monday_10 = _berlin(2026, 11, 30, 10, 0)
    assert opening_status(ol, monday_10).state == "open"
    assert opening_status(ol, monday_10).at == _berlin(2026, 11, 30, 12, 0)
    status = opening_status(ol, _berlin(2026, 11, 30, 12, 0))
    assert status.state == "opens" and status.at == _berlin(2026, 12, 2, 14, 0)
    # Across the change to summer time (29 March 2026) the local hour stays 09:00.
    sunday = _berlin(2026, 3, 29, 8, 0)
    assert opening_status(ol, sunday).at == _berlin(2026, 3, 30, 9, 0)
    assert opening_status(ol, sunday).at.utcoffset() == timedelta(hours=2)


def test_closure_exception_is_respected(world):
    ol = world.offer_location
    OpeningHours.objects.create(offer_location=ol, weekday=0, opens=time(9), closes=time(12))
    ScheduleException.objects.create(
        offer_location=ol, kind="closed", date_from="2026-11-30", date_until="2026-12-06"
    )
    ol = type(ol).objects.prefetch_related("opening_hours", "exceptions").get(pk=ol.pk)
    status = opening_status(ol, _berlin(2026, 11, 30, 10, 0))
    assert status.state == "opens" and status.at == _berlin(2026, 12, 7, 9, 0)


def test_offer_page_has_everything_a_resident_needs(world, client):
    world.offer.languages.add(Language.objects.get(code="ar"))
    world.contact.phone = "+49 341 39299 100"
    world.contact.save()
    world.offer.contacts.add(world.contact)
    world.location.latitude, world.location.longitude = 51.3461, 12.4066
    world.location.save()
    html = client.get(_url(world, "de")).content.decode()
    assert 'href="tel:+4934139299100"' in html
    assert 'href="geo:51.346100,12.406600"' in html
    assert "openstreetmap.org/?mlat=51.346100" in html
    for name in ["site:offer_print", "site:offer_vcard", "site:offer_qr", "site:offer_report"]:
        assert _url(world, "de", name) in html
    assert "Zuletzt geprüft am" in html or "Last verified on" in html


def test_vcard_and_qr(world, client):
    world.offer.contacts.add(world.contact)
    vcard = client.get(_url(world, "de", "site:offer_vcard"))
    text = vcard.content.decode()
    assert vcard["Content-Type"].startswith("text/vcard")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and text.endswith("END:VCARD\r\n")
    assert "TEL;TYPE=WORK,VOICE:+49 341 39299 100" in text
    qr = client.get(_url(world, "de", "site:offer_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def _shown(seconds_ago=30):
    """The signed time stamp a shown feedback form carries, as if shown a while ago."""
    import time

    from wegweiser.site.forms import form_stamp

    return form_stamp(time.time() - seconds_ago)


def test_report_a_mistake(world, client):
    url = _url(world, "tr", "site:offer_report")
    response = client.post(
        url, {"message": "Die Telefonnummer ist falsch.", "contact": "", "shown": _shown()}
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.offer == world.offer and feedback.language == "tr"
    assert client.post(url, {"message": ""}).status_code == 400
    # The honeypot field is filled by bots: they get the thank-you page, nothing is stored.
    client.post(url, {"message": "Buy now", "website": "http://spam.example"})
    assert Feedback.objects.count() == 1


def test_accessibility_statement_has_a_feedback_form(world, client):
    page = client.get("/de/barrierefreiheit/")
    assert page.status_code == 200 and b"<form" in page.content
    client.post("/de/barrierefreiheit/", {"message": "Kontrast zu schwach", "shown": _shown()})
    assert Feedback.objects.get().kind == "accessibility"


def test_filters_narrow_the_results(world, client):
    free = OfferFactory(organisation=world.organisation, name="Kostenlos A", cost="free")
    paid = OfferFactory(organisation=world.organisation, name="Kurs B", cost="fee", fee_text="5 €")
    step_free = LocationFactory(office=world.office, step_free_access=True)
    OfferLocationFactory(offer=paid, location=step_free)
    kids = OfferFactory(organisation=world.organisation, name="Kinder C", age_min=6, age_max=12)
    now = timezone.localtime()
    open_place = OfferLocationFactory(offer=free, location=world.location)
    OpeningHours.objects.create(
        offer_location=open_place, weekday=now.weekday(), opens=time(0, 0), closes=time(23, 59, 59)
    )

    assert "Kurs B" not in _names(client, {"free": "on"})
    assert _names(client, {"step_free": "on"}) == {"Kurs B"}
    assert "Kinder C" in _names(client, {"age": "8"}) and "Kinder C" not in _names(
        client, {"age": "30"}
    )
    assert "Kostenlos A" in _names(client, {"open_now": "on"})
    assert _names(client, {"weekday": str(now.weekday())}) >= {"Kostenlos A"}
    assert kids.name in _names(client, {})


def _names(client, params) -> set[str]:
    response = client.get("/de/suche/", params)
    assert response.status_code == 200
    from wegweiser.directory.models import Offer

    ids = response.context["page"].paginator.object_list
    return set(Offer.objects.filter(pk__in=ids).values_list("name", flat=True))


@pytest.mark.parametrize(
    "params, status",
    [
        ({"q": "x" * 10000}, 302),
        ({"q": "\u202eevil\u202c"}, 200),
        ({"q": '"AND*('}, 200),
        ({"q": "NEAR("}, 200),
        ({"q": "1' OR '1'='1"}, 200),
        ({"unknown": "1", "foo": "bar"}, 200),
        ({"category": ["nope", "german-courses"]}, 200),
        ({"age": "-4"}, 400),
        ({"age": "abc"}, 400),
        ({"language": "xx"}, 400),
        ({"page": "999"}, 404),
        ({"page": "abc"}, 404),
        ({"q": "\x00"}, 400),
    ],
)
def test_bad_search_input_never_breaks(world, client, params, status):
    response = client.get("/ar/suche/", params)
    assert response.status_code == status
    if status in (400, 404):
        assert 'lang="ar"' in response.content.decode()[:200]


def test_unknown_language_prefix_is_a_404(client, db):
    assert client.get("/xx/suche/").status_code == 404


def test_public_pages_are_cached_and_revalidated(world, client):
    url = _url(world, "de")
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache"
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content and len(queries) <= 2
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # An edit invalidates: new ETag, new content.
    user = world.members[Role.COORDINATOR].user
    services.entry_update(
        world.offer, data={"summary": "Neu"}, expected_version=1, actor=user, office=world.office
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Neu" in changed.content.decode()


def test_logged_in_users_get_fresh_pages(world, client):
    login(client, world.members[Role.STAFF].user)
    assert "ETag" not in client.get("/de/")


def _static_size(html: str, client) -> int:
    total = len(gzip.compress(html.encode()))
    for href in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        from django.contrib.staticfiles import finders

        path = finders.find(href.removeprefix("/static/"))
        total += len(gzip.compress(open(path, "rb").read()))
    return total


@pytest.mark.parametrize("path", ["/de/", "/ar/suche/?q=beratung", "offer"])
def test_pages_are_light_and_make_no_third_party_requests(world, client, path):
    url = _url(world, "ar") if path == "offer" else path
    html = client.get(url).content.decode()
    assert _static_size(html, client) <= 80 * 1024
    loaded = re.findall(r'<(?:script|link|img|iframe|source)[^>]+(?:src|href)="([^"]+)"', html)
    assert all(u.startswith("/") or u.startswith("data:") for u in loaded), loaded


def test_pages_from_the_cache_keep_every_security_header(world, client):
    client.get("/de/")
    with CaptureQueriesContext(connection) as queries:
        cached = client.get("/de/")
    assert len(queries) <= 1  # at most the content generation
    for header in [
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "ETag",
        "Content-Language",
    ]:
        assert header in cached, header
    assert cached["Content-Language"] == "de"


def test_staff_edit_the_imprint_and_the_public_page_changes(world, client):
    url = reverse("site_staff:page_edit", kwargs={"slug": "imprint"})
    login(client, world.members[Role.COORDINATOR].user)
    response = client.post(url, {"title": "Impressum", "body": "Neue Anschrift", "version": 1})
    assert response.status_code == 302
    client.logout()
    assert "Neue Anschrift" in client.get("/de/impressum/").content.decode()
    # A second save from the same version is a conflict.
    login(client, world.members[Role.STAFF].user)
    conflict = client.post(url, {"title": "Impressum", "body": "Andere", "version": 1})
    assert conflict.status_code == 409


def test_staff_see_and_close_feedback(world, client):
    client.post(
        _url(world, "de", "site:offer_report"), {"message": "Falsche Uhrzeit", "shown": _shown()}
    )
    login(client, world.members[Role.STAFF].user)
    page = client.get(reverse("site_staff:feedback_list"))
    assert "Falsche Uhrzeit" in page.content.decode()
    item = Feedback.objects.get()
    client.post(reverse("site_staff:feedback_handled", kwargs={"pk": item.pk}))
    item.refresh_from_db()
    assert item.handled_at is not None


def test_result_counts_are_exact_and_pages_continue_the_ranking(world, client):
    for i in range(25):
        OfferFactory(
            organisation=world.organisation,
            name=f"Nähcafé {i}",
            verified_at=timezone.now() - timedelta(days=i),
        )
    index_offers(world.organisation.offers.values_list("pk", flat=True))
    client.cookies["django_language"] = "en"
    first = client.get("/en/suche/", {"q": "nähcafé"})
    second = client.get("/en/suche/", {"q": "nähcafé", "page": 2})
    assert "25 offers found" in first.content.decode()
    names = [str(c.name) for c in first.context["cards"] + second.context["cards"]]
    assert names == [f"Nähcafé {i}" for i in range(25)]  # the freshest first, none twice
    assert client.get("/en/suche/", {"q": "nähcafé", "page": 3}).status_code == 404


def test_machine_translations_are_shown_with_a_notice(world, client):
    OfferTranslation.objects.create(
        offer=world.offer,
        language="tr",
        source_revision=1,
        name="Almanca kursu",
        description="Makine çevirisi",
        origin="machine",
    )
    html = client.get(_url(world, "tr")).content.decode()
    assert "Makine çevirisi" in html
    assert html.count('class="fallback-notice"') == 1


def test_start_page_says_how_complete_the_language_is(world, client):
    OfferTranslation.objects.create(
        offer=world.offer, language="uk", name="Курс", source_revision=1
    )
    OfferFactory(organisation=world.organisation, name="Zweites Angebot")
    client.cookies["django_language"] = "en"
    html = client.get("/en/").content.decode()
    assert 'class="completeness"' in html and "0 %" in html
    # Three public offers (one of another office), one of them in Ukrainian.
    assert "33 %" in client.get("/uk/").content.decode()
    assert 'class="completeness"' not in client.get("/de/").content.decode()


def test_language_links_lead_to_the_same_page_in_each_language(world, client):
    from django.urls import translate_url
    from django.utils.translation import override

    from wegweiser.site.templatetags.guide import language_links

    for name in ["site:offer", "site:offer_print"]:
        response = client.get(_url(world, "ar", name) + "?x=1")
        with override("ar"):
            links = language_links({"request": response.context["request"]})
        assert len(links) == len(settings.LANGUAGES)
        for link in links:
            assert client.get(link["url"]).status_code == 200, link
            with override("ar"):  # what Django's own translation of the path gives
                expected = translate_url(_url(world, "ar", name), link["code"]) + "?x=1"
            assert link["url"] == expected


def test_large_bodies_are_not_kept_in_the_page_cache_but_still_answer_304(
    world, client, monkeypatch
):
    from wegweiser.site import cache as page_cache

    monkeypatch.setattr(page_cache, "MAX_CACHED_BYTES", 100)
    url = "/de/veranstaltungen/kalender.ics"
    first = client.get(url)
    assert first.status_code == 200 and len(first.content) > 100
    assert not [k for k in cache._cache if "page:" in k]  # nothing stored
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_suggest_an_offer_lands_in_the_inbox_and_shows_html_as_text(world, client):
    page = client.get("/ar/angebot-vorschlagen/")
    assert page.status_code == 200 and 'name="shown"' in page.content.decode()
    message = "<script>alert(1)</script> Nähcafé für Frauen, dienstags"
    response = client.post("/ar/angebot-vorschlagen/", {"message": message, "shown": _shown()})
    assert response.status_code == 302 and response["Location"] == "/ar/danke/"
    feedback = Feedback.objects.get()
    assert feedback.kind == "suggestion" and feedback.language == "ar" and feedback.offer is None
    login(client, world.members[Role.STAFF].user)
    inbox = client.get(reverse("site_staff:feedback_list")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nähcafé" in inbox and "<script>alert" not in inbox


def test_bots_are_thanked_and_nothing_is_kept(world, client):
    url = "/de/angebot-vorschlagen/"
    for data in (
        {"message": "Sent too fast", "shown": _shown(seconds_ago=1)},
        {"message": "No stamp at all"},
        {"message": "Forged stamp", "shown": "1234:abc"},
        {"message": "Honeypot", "shown": _shown(), "website": "http://spam.example"},
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"] == "/de/danke/", data
    assert not Feedback.objects.exists()


def test_a_form_open_for_more_than_a_day_is_shown_again_with_the_text(world, client):
    response = client.post(
        "/de/angebot-vorschlagen/", {"message": "Kochkurs", "shown": _shown(2 * 24 * 3600)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("de"):
        said = translation.gettext("The form was open for more than a day. Please send it again.")
    assert "Kochkurs" in page and 'name="shown"' in page and said in page
    fresh = response.context["form"].data["shown"]
    assert fresh != _shown(2 * 24 * 3600)
    assert not Feedback.objects.exists()


def test_a_flood_from_one_address_is_stopped_and_loses_no_text(world, client, settings):
    cache.clear()
    settings.FEEDBACK_PER_HOUR = 3
    url = "/de/angebot-vorschlagen/"
    for i in range(3):
        assert client.post(url, {"message": f"Vorschlag {i}", "shown": _shown()}).status_code == 302
    blocked = client.post(url, {"message": "Vorschlag 4", "shown": _shown()})
    assert blocked.status_code == 429 and "Vorschlag 4" in blocked.content.decode()
    assert Feedback.objects.count() == 3
    other = client.post(
        url, {"message": "Von woanders", "shown": _shown()}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 302
