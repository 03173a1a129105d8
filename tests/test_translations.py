"""Translation state is computed by the database for whole lists."""

import pytest
from django.urls import reverse

from tests.factories import OfferFactory, UserFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.directory import services
from wegweiser.directory.models import Category, Offer, OfferTranslation
from wegweiser.translations.state import with_translation_state


@pytest.fixture
def offers(db):
    made = {name: OfferFactory(name=name) for name in ["missing", "current", "outdated", "machine"]}
    for name in ["current", "outdated", "machine"]:
        OfferTranslation.objects.create(
            offer=made[name],
            language="ar",
            name="…",
            source_revision=1,
            origin="machine" if name == "machine" else "human",
        )
    outdated = made["outdated"]
    services.entry_update(
        outdated,
        data={"description": "Neuer Text"},
        expected_version=1,
        actor=UserFactory(),
        office=outdated.organisation.office,
    )
    return made


def test_states_of_a_whole_list_in_one_query(offers, django_assert_num_queries):
    with django_assert_num_queries(1):
        states = dict(
            with_translation_state(Offer.objects.all(), "ar").values_list(
                "name", "translation_state"
            )
        )
    assert states == {
        "missing": "missing",
        "current": "current",
        "outdated": "outdated",
        "machine": "machine",
    }
    assert set(
        with_translation_state(Offer.objects.all(), "tr").values_list(
            "translation_state", flat=True
        )
    ) == {"missing"}


def test_a_minor_source_change_keeps_translations_current(offers):
    offer = offers["current"]
    services.entry_update(
        offer,
        data={"summary": "Tippfehler behoben"},
        expected_version=1,
        actor=UserFactory(),
        office=offer.organisation.office,
        minor=True,
    )
    state = with_translation_state(Offer.objects.filter(pk=offer.pk), "ar").get().translation_state
    assert state == "current"


def test_coverage_dashboard(world, client, offers):
    topic = Category.objects.get(code="counselling-debt")
    offers["current"].categories.add(topic)
    offers["missing"].categories.add(topic)
    login(client, world.members[Role.TRANSLATOR].user)
    response = client.get(reverse("translations:coverage"))
    assert response.status_code == 200
    coverage = response.context["coverage"]
    assert coverage.cell(topic.parent_id, "ar") == (1, 2)
    assert [o.name for o in coverage.oldest_outdated["ar"]] == ["outdated"]
