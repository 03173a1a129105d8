"""The translators' workbench: queue, side-by-side editing, the source change since the last
translation, checks, office scoping and language binding."""

import pytest
from django.urls import reverse

from tests.factories import OfferFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.directory import services
from wegweiser.directory.models import OfferTranslation
from wegweiser.search.index import index_offers
from wegweiser.translations.workbench import translation_problems, word_diff


@pytest.fixture
def translator(world, client):
    login(client, world.members[Role.TRANSLATOR].user)
    client.cookies["django_language"] = "en"
    return client


def _edit_url(offer, language="ar"):
    return reverse(
        "translations:edit",
        kwargs={"kind": "offers", "public_id": offer.public_id, "language": language},
    )


def test_queue_lists_missing_translations_most_important_first(world, translator):
    page = translator.get(reverse("translations:queue", kwargs={"language": "ar"}))
    kinds = [s.kind for s in page.context["sections"]]
    assert kinds[:3] == ["categories", "glossary", "pages"]
    offers = next(s for s in page.context["sections"] if s.kind == "offers")
    assert world.offer in offers.items
    assert world.foreign_offer not in offers.items


def test_translator_saves_a_translation_and_it_goes_public(world, translator, client):
    index_offers([world.offer.pk])
    response = translator.post(
        _edit_url(world.offer),
        {
            "source_revision": world.offer.revision,
            "name": "دورة اللغة الألمانية",
            "summary": "دورة للمبتدئين",
        },
    )
    assert response.status_code == 302
    row = OfferTranslation.objects.get(offer=world.offer, language="ar")
    assert row.origin == "human" and row.source_revision == world.offer.revision
    assert row.translated_by == world.members[Role.TRANSLATOR].user
    client.logout()
    assert (
        "دورة اللغة الألمانية"
        in client.get(f"/ar/angebot/{world.offer.public_id}/").content.decode()
    )


def test_the_change_to_the_source_since_the_last_translation_is_shown(world, translator):
    offer = world.offer
    OfferTranslation.objects.create(offer=offer, language="ar", name="قديم", source_revision=1)
    user = world.members[Role.COORDINATOR].user
    services.entry_update(
        offer,
        data={"summary": "Ein Kurs für Mütter und Väter."},
        expected_version=1,
        actor=user,
        office=world.office,
    )
    page = translator.get(_edit_url(offer))
    diff = str(page.context["changes"]["summary"])
    assert diff == (
        "Ein Kurs für <del>Anfängerinnen</del> <ins>Mütter</ins> und "
        "<del>Anfänger.</del> <ins>Väter.</ins>"
    )


def test_language_binding_and_office_scope(world, translator):
    assert translator.get(_edit_url(world.offer, "tr")).status_code == 403
    assert translator.get(_edit_url(world.foreign_offer)).status_code == 404
    assert translator.get(_edit_url(world.offer, "de")).status_code == 404
    assert translator.get(_edit_url(world.offer, "xx")).status_code == 404


def test_a_source_change_while_translating_is_a_conflict(world, translator):
    stale_revision = world.offer.revision
    services.entry_update(
        world.offer,
        data={"name": "Neuer Name"},
        expected_version=1,
        actor=world.members[Role.STAFF].user,
        office=world.office,
    )
    response = translator.post(
        _edit_url(world.offer), {"source_revision": stale_revision, "name": "اسم"}
    )
    assert response.status_code == 200
    assert "The source text changed" in response.content.decode()
    assert not OfferTranslation.objects.filter(offer=world.offer).exists()


@pytest.mark.parametrize(
    "source, translation, problem",
    [
        ("Hallo {name}", "مرحبا", "placeholders"),
        ("Noch %(count)s Plätze", "%(count)s", None),
        ("Kurs", "<script>alert(1)</script>", "markup"),
        ("Kurs", "<b>Kurs</b>", "markup"),
    ],
)
def test_translation_checks(source, translation, problem):
    assert translation_problems(source, translation) == ([problem] if problem else [])


def test_broken_markup_is_refused_in_the_form(world, translator):
    response = translator.post(
        _edit_url(world.offer),
        {"source_revision": world.offer.revision, "name": "<img src=x onerror=alert(1)>"},
    )
    assert response.status_code == 200
    assert "remove the tags" in response.content.decode()
    assert not OfferTranslation.objects.exists()


def test_word_diff_escapes():
    assert str(word_diff("a <b>", "a <i>")) == "a <del>&lt;b&gt;</del> <ins>&lt;i&gt;</ins>"


def test_queue_needs_no_query_per_item(world, translator, django_assert_max_num_queries):
    for i in range(15):
        OfferFactory(organisation=world.organisation, name=f"Angebot {i}")
    with django_assert_max_num_queries(30):
        translator.get(reverse("translations:queue", kwargs={"language": "ar"}))


def test_second_pair_of_eyes(world, client):
    from tests.factories import MembershipFactory
    from wegweiser.core.models import Language

    Language.objects.filter(code="ar").update(requires_review=True)
    translator = world.members[Role.TRANSLATOR]
    login(client, translator.user)
    client.post(
        _edit_url(world.offer), {"source_revision": world.offer.revision, "name": "ترجمة للمراجعة"}
    )
    row = OfferTranslation.objects.get(offer=world.offer, language="ar")
    assert row.reviewed is False
    client.logout()
    public = client.get(f"/ar/angebot/{world.offer.public_id}/").content.decode()
    assert "ترجمة للمراجعة" not in public  # not public before review
    # The translator cannot approve their own work; a second Arabic translator can.
    login(client, translator.user)
    assert client.post(_edit_url(world.offer), {"action": "approve"}).status_code == 403
    second = MembershipFactory(office=world.office, role=Role.TRANSLATOR, languages=["ar"])
    login(client, second.user)
    page = client.get(_edit_url(world.offer))
    assert page.context["can_review"]
    assert client.post(_edit_url(world.offer), {"action": "approve"}).status_code == 302
    client.logout()
    public = client.get(f"/ar/angebot/{world.offer.public_id}/").content.decode()
    assert "ترجمة للمراجعة" in public


def test_translation_memory_and_glossary_hints(world, translator):
    twin = OfferFactory(
        organisation=world.organisation, name=world.offer.name, summary=world.offer.summary
    )
    OfferTranslation.objects.create(
        offer=twin, language="ar", name="دورة ألمانية", source_revision=twin.revision
    )
    world.offer.description = "Bitte bringen Sie den Bescheid vom Jobcenter mit."
    world.offer.save()
    page = translator.get(_edit_url(world.offer))
    assert page.context["memory"]["name"] == ["دورة ألمانية"]
    assert [h.german for h in page.context["hints"]] == ["Jobcenter"]
    response = translator.post(
        _edit_url(world.offer),
        {
            "source_revision": world.offer.revision,
            "name": "دورة",
            "description": "أحضروا الرسالة معكم.",
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("Jobcenter" in t for t in texts)  # the glossary word was dropped: a warning
    assert OfferTranslation.objects.filter(offer=world.offer, language="ar").exists()


def test_coming_events_are_translated_in_the_workbench_and_shown(world, translator, client):
    from wegweiser.events.models import EventTranslation

    page = translator.get(reverse("translations:queue", kwargs={"language": "ar"}))
    events = next(s for s in page.context["sections"] if s.kind == "events")
    assert world.event in events.items and world.foreign_event not in events.items
    url = reverse(
        "translations:edit",
        kwargs={"kind": "events", "public_id": world.event.public_id, "language": "ar"},
    )
    response = translator.post(
        url, {"source_revision": world.event.revision, "title": "مقهى اللغة"}
    )
    assert response.status_code == 302
    assert EventTranslation.objects.get(event=world.event, language="ar").title == "مقهى اللغة"
    client.logout()
    assert (
        "مقهى اللغة" in client.get(f"/ar/veranstaltung/{world.event.public_id}/").content.decode()
    )
