"""Search behaves the same on SQLite FTS5 and PostgreSQL (the suite runs on both)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    OfferFactory,
    OfferLocationFactory,
    OrganisationFactory,
    UserFactory,
)
from wegweiser.directory import services
from wegweiser.directory.models import Category, OfferTranslation
from wegweiser.search.index import index_offers
from wegweiser.search.normalize import normalize
from wegweiser.search.query import parse, ranked_offer_ids


def _search(text: str, language: str = "de") -> set[str]:
    from wegweiser.directory.models import Offer

    languages = [language, "de"] if language != "de" else ["de"]
    ids = ranked_offer_ids(parse(text, language), languages)
    return set(Offer.objects.filter(pk__in=ids).values_list("name", flat=True))


@pytest.fixture
def offers(db, site_content):
    organisation = OrganisationFactory(name="Brücke Damaskus e.V.")
    made = {
        "kurs": OfferFactory(
            organisation=organisation,
            name="Deutschkurs für Mütter",
            summary="Deutsch lernen mit Kinderbetreuung",
        ),
        "beratung": OfferFactory(
            organisation=organisation,
            name="Beratung bei Bescheiden",
            summary="Öffnungszeiten siehe unten",
        ),
        "arzt": OfferFactory(
            name="Gesundheitslotsen",
            summary="Begleitung zur ärztlichen Versorgung",
            description="Wir gehen mit Ihnen zur ärztlichen Versorgung.",
        ),
        "job": OfferFactory(name="Hilfe mit Briefen", summary="Wir erklären Briefe vom Jobcenter."),
    }
    made["debt"] = OfferFactory(name="Sprechstunde Geld", summary="Wenn das Geld nicht reicht")
    made["debt"].categories.add(Category.objects.get(code="counselling-debt"))
    OfferTranslation.objects.create(
        offer=made["beratung"],
        language="vi",
        source_revision=1,
        name="Tư vấn về giấy tờ",
        summary="Tư vấn miễn phí",
    )
    OfferTranslation.objects.create(
        offer=made["kurs"], language="ar", source_revision=1, name="دورة اللغة الألمانية للأمهات"
    )
    index_offers(o.pk for o in made.values())
    return made


def test_normalisation_drops_diacritics_and_case():
    assert normalize("Öffnungszeiten") == "offnungszeiten"
    assert normalize("tư vấn") == "tu van"
    assert normalize("Straße") == "strasse"
    assert normalize("أهلاً") == normalize("اهلا")


def test_diacritic_insensitive(offers):
    assert "Beratung bei Bescheiden" in _search("offnungszeiten")
    assert "Beratung bei Bescheiden" in _search("ÖFFNUNGSZEITEN")


def test_vietnamese_without_diacritics(offers):
    assert _search("tu van", "vi") == {"Beratung bei Bescheiden"}


def test_arabic_translation_and_german_both_searched(offers):
    assert _search("الألمانية", "ar") == {"Deutschkurs für Mütter"}
    assert "Deutschkurs für Mütter" in _search("deutschkurs", "ar")


def test_prefix(offers):
    assert _search("deutschk") == {"Deutschkurs für Mütter"}


def test_one_typo_in_long_words(offers):
    assert "Beratung bei Bescheiden" in _search("Beratnug")  # swapped letters
    assert "Beratung bei Bescheiden" in _search("Beratuug")  # one wrong letter
    assert _search("Bertg") == set()  # two typos: no guessing


def test_synonyms(offers):
    assert "Deutschkurs für Mütter" in _search("Sprachkurs")
    assert "Gesundheitslotsen" in _search("Arzt")


def test_organisation_and_category_names_are_searched(offers):
    assert {"Deutschkurs für Mütter", "Beratung bei Bescheiden"} <= _search("Damaskus")
    assert _search("Schuldnerberatung") == {"Sprechstunde Geld"}


def test_glossary_words_are_searched(offers):
    # "Jobcenter" is a glossary word; its translation finds the German entry from Arabic.
    from wegweiser.site.models import GlossaryTerm

    term = GlossaryTerm.objects.filter(slug="jobcenter").first()
    if term is None:
        pytest.fail("the glossary must contain Jobcenter")
    arabic = term.translations.get(language="ar").term
    assert "Hilfe mit Briefen" in _search(arabic, "ar")


def test_relevance_then_freshness(db, site_content):
    old = OfferFactory(name="Elterncafé alt", verified_at=timezone.now() - timedelta(days=300))
    new = OfferFactory(name="Elterncafé neu", verified_at=timezone.now())
    index_offers([old.pk, new.pk])
    from django.test import Client

    response = Client().get("/de/suche/", {"q": "Elterncafé"})
    names = [str(c.name) for c in response.context["cards"]]
    assert names == ["Elterncafé neu", "Elterncafé alt"]


def test_index_follows_edits_and_archiving(offers):
    offer = offers["job"]
    user = UserFactory()
    office = offer.organisation.office
    services.entry_update(
        offer, data={"name": "Hilfe mit Formularen"}, expected_version=1, actor=user, office=office
    )
    assert "Hilfe mit Formularen" in _search("Formularen")
    assert _search("Briefen") == set() or "Hilfe mit Formularen" in _search("Briefen")
    offer.refresh_from_db()
    services.entry_archive(offer, archived=True, actor=user, office=office)
    assert _search("Formularen") == set()


def test_organisation_rename_reindexes_its_offers(offers):
    organisation = offers["kurs"].organisation
    services.entry_update(
        organisation,
        data={"name": "Jasmin e.V."},
        expected_version=1,
        actor=UserFactory(),
        office=organisation.office,
    )
    assert "Deutschkurs für Mütter" in _search("Jasmin")


@pytest.mark.parametrize(
    "query",
    [
        '"AND*(',
        "NEAR(",
        "a OR b NOT c",
        "*",
        "'; DROP TABLE x; --",
        "\x00\x01",
        "\u202eabc",
        "Beratung:*",
        "!&|<->",
        "x" * 500,
        "日本語",
        "   ",
    ],
)
def test_hostile_queries_are_just_words(offers, query):
    _search(query)  # must not raise on either backend
    assert isinstance(_search(query + " beratung"), set)


def test_matches_in_the_name_rank_before_fresher_matches_elsewhere(db, site_content):
    elsewhere = OfferFactory(
        name="Offener Treff", summary="Mit Fahrradwerkstatt", verified_at=timezone.now()
    )
    in_name = OfferFactory(
        name="Fahrradwerkstatt", verified_at=timezone.now() - timedelta(days=400)
    )
    index_offers([elsewhere.pk, in_name.pk])
    ids = ranked_offer_ids(parse("fahrradwerkstatt", "de"), ["de"])
    assert ids == [in_name.pk, elsewhere.pk]


def test_confirming_an_entry_moves_it_up(db, site_content):
    old = OfferFactory(name="Nähtreff alt", verified_at=timezone.now() - timedelta(days=300))
    new = OfferFactory(name="Nähtreff neu", verified_at=timezone.now() - timedelta(days=10))
    index_offers([old.pk, new.pk])
    assert ranked_offer_ids(parse("nähtreff", "de"), ["de"]) == [new.pk, old.pk]
    services.entry_confirm(old, actor=UserFactory(), office=old.organisation.office)
    assert ranked_offer_ids(parse("nähtreff", "de"), ["de"]) == [old.pk, new.pk]


def test_an_offer_found_in_two_languages_is_one_result(offers):
    ids = ranked_offer_ids(parse("deutschkurs", "ar"), ["ar", "de"])
    assert ids.count(offers["kurs"].pk) == 1


@pytest.fixture
def varied(db, site_content):
    """Offers that differ in everything the filters ask about, all named "Treffpunkt"."""
    import random

    from wegweiser.core.models import Language
    from wegweiser.directory.models import Area, Category, TargetGroup

    rng = random.Random(7)  # noqa: S311  # nosec B311
    categories = list(Category.objects.all())
    languages = list(Language.objects.all()[:6])
    groups = list(TargetGroup.objects.all())
    areas = list(Area.objects.filter(kind="subdistrict"))
    made = []
    for i in range(16):
        age_min, age_max = rng.choice([None, 0, 6, 18]), rng.choice([None, 12, 27, 99])
        if age_min is not None and age_max is not None:
            age_max = max(age_min, age_max)
        offer = OfferFactory(
            name=f"Treffpunkt {i}",
            cost=rng.choice(["free", "fee"]) if i % 3 else "free",
            registration_required=rng.random() < 0.3,
            age_min=age_min,
            age_max=age_max,
        )
        offer.categories.set(rng.sample(categories, 2))
        offer.languages.set(rng.sample(languages, 2))
        offer.target_groups.set(rng.sample(groups, 1))
        for _ in range(rng.randint(0, 2)):
            OfferLocationFactory(
                offer=offer,
                location__area=rng.choice(areas),
                location__step_free_access=rng.random() < 0.5,
                by_appointment_only=rng.random() < 0.3,
            )
        made.append(offer)
    index_offers(o.pk for o in made)
    return made


def test_filter_words_find_what_the_filters_find(varied, client):
    """Each filter, searched through the index's filter words, finds exactly the offers the
    same filter finds in SQL (site/queries.apply_filters), alone and combined."""
    from wegweiser.core.models import Language
    from wegweiser.directory.models import Area, Category, TargetGroup
    from wegweiser.site import queries
    from wegweiser.site.forms import SearchForm

    area = Area.objects.get(kind="district")
    cases = [{"category": c.code} for c in Category.objects.filter(parent=None)[:3]] + [
        {"category": Category.objects.exclude(parent=None).first().code},
        {"language": Language.objects.all()[1].code},
        {"target": TargetGroup.objects.first().code},
        {"area": area.slug},
        {"area": Area.objects.filter(kind="subdistrict").first().slug},
        {"age": "8"},
        {"age": "30"},
        {"free": "on"},
        {"step_free": "on"},
        {"no_appointment": "on"},
        {"free": "on", "age": "8", "step_free": "on"},
    ]
    checked = 0
    for case in cases:
        form = SearchForm({"q": "treffpunkt", **case})
        assert form.is_valid(), form.errors
        expected = set(
            queries.apply_filters(queries.public_offers(), form.cleaned_data)
            .filter(name__startswith="Treffpunkt")
            .values_list("name", flat=True)
        )
        response = client.get("/de/suche/", {"q": "treffpunkt", **case})
        found = {str(c.name) for c in response.context["cards"]}
        assert found == expected, case
        checked += bool(expected) and len(expected) < len(varied)
    assert checked >= 8  # most cases narrow the result without emptying it


def test_language_slots_are_the_lowest_free_numbers_whatever_the_sequence(db):
    from wegweiser.search.index import language_slots
    from wegweiser.search.models import SearchLanguage

    SearchLanguage.objects.all().delete()
    SearchLanguage.objects.bulk_create(
        [SearchLanguage(pk=1, code="de"), SearchLanguage(pk=3, code="ar")]
    )
    assert language_slots(["de", "tr", "vi"], create=True) == {"de": 1, "tr": 2, "vi": 4}
    assert language_slots(["tr"]) == {"tr": 2}
