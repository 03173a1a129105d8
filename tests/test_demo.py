"""The demo district and the synthetic generator."""

import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.helpers import login
from wegweiser.accounts.models import Membership, Role, User
from wegweiser.directory.demo.loader import load_demo
from wegweiser.directory.management.commands.generate_district import generate
from wegweiser.directory.models import (
    Category,
    Location,
    Offer,
    OfferTranslation,
    OpeningHours,
    Organisation,
)


def _fingerprint():
    return (
        sorted(Organisation.objects.values_list("public_id", "version", "updated_at")),
        sorted(Offer.objects.values_list("public_id", "version", "verified_at")),
        Location.objects.count(),
        OpeningHours.objects.count(),
        OfferTranslation.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.django_db
def test_demo_district_is_big_enough_and_loading_twice_changes_nothing():
    load_demo()
    first = _fingerprint()
    created_again = load_demo()
    assert _fingerprint() == first
    assert created_again == {
        "organisations": 0,
        "offers": 0,
        "locations": 0,
        "users": 0,
        "events": 0,
        "editions": 0,
        "change requests": 0,
    }

    assert Organisation.objects.count() >= 60
    assert Offer.objects.count() >= 150
    assert Location.objects.count() >= 40
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(Organisation.Kind.values)
    # every category is used by some offer
    unused = Category.objects.filter(offers__isnull=True, children__isnull=True)
    assert list(unused.values_list("code", flat=True)) == []
    languages = set(OfferTranslation.objects.values_list("language", flat=True))
    assert {"en", "ar", "tr", "ru", "uk", "fa", "vi"} <= languages
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Organisation.objects.filter(is_demo=False).count() == 0
    assert Offer.objects.stale().exists()


@pytest.mark.django_db
def test_demo_data_passes_model_validation():
    load_demo()
    for model in (Organisation, Offer, Location):
        for record in model.objects.all():
            record.full_clean(exclude=["logo"])
    for hours in OpeningHours.objects.all():
        hours.full_clean()


@pytest.mark.django_db
def test_load_demo_command_prints_logins(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "koordination" in out and "password" in out


def _generated(seed: int) -> list:
    from django.db import transaction

    with transaction.atomic():
        counts = generate(random.Random(seed), offers=40, office_slug="synthetic")
        rows = list(Offer.objects.order_by("name", "public_id").values_list("public_id", "name"))
        transaction.set_rollback(True)
    assert counts["offers"] == 40
    return rows


@pytest.mark.django_db
def test_synthetic_district_is_deterministic():
    first = _generated(7)
    assert len(first) == 40
    assert _generated(7) == first
    assert _generated(8) != first


@pytest.mark.django_db
def test_demo_shows_every_translation_state():
    from wegweiser.translations.state import with_translation_state

    load_demo()
    states = set(
        with_translation_state(Offer.objects.all(), "tr").values_list(
            "translation_state", flat=True
        )
    )
    assert states == {"missing", "current", "outdated", "machine"}
    arabic = Membership.objects.get(user__username="uebersetzung")
    assert arabic.role == Role.TRANSLATOR and arabic.languages == ["ar"]
    from wegweiser.translations.workbench import queue

    sections = {s.kind: s.total for s in queue(arabic, "ar")}
    assert sections["offers"] > 100 and sections["categories"] == 0  # categories come translated


@pytest.mark.django_db
def test_the_demo_calendar_is_alive_right_after_loading(client):
    from datetime import timedelta

    from django.utils import timezone

    from wegweiser.events import queries
    from wegweiser.events.models import Event, OccurrenceChange

    created = load_demo()
    assert created["events"] >= 40
    events = Event.objects.all()
    assert events.exclude(repeat="none").count() >= 15
    assert events.filter(repeat="dates").exists()
    assert events.exclude(occasion=None).count() >= 5
    assert events.filter(registration="internal").exists()
    assert OccurrenceChange.objects.filter(cancelled=True).count() == 1
    now = timezone.now()
    coming = queries.occurrences_between(queries.public_events(), now, now + timedelta(days=90))
    assert len(coming) >= 100
    page = client.get("/ar/veranstaltungen/", {"when": "month"})
    assert page.status_code == 200 and page.content.decode().count("event-card") >= 20


@pytest.mark.django_db
def test_the_start_page_shows_real_partner_work_right_after_loading(client):
    load_demo()
    login(client, User.objects.get(username="koordination"))
    start = client.get(reverse("directory:dashboard"))
    assert start.context["open_request_count"] == 3
    assert start.context["feedback_count"] >= 3
    assert start.context["due_count"] >= 10
    assert [m.user.username for m in start.context["dormant"]] == ["kulturbuero"]
    assert start.context["bounced"] == ["elterncafe@demo.invalid"]
    for request in start.context["open_requests"]:
        detail = client.get(reverse("partners_staff:request", args=[request.public_id]))
        assert detail.status_code == 200 and detail.context["rows"]
    # Some entries are unconfirmed long enough to be flagged publicly.
    flagged = [o for o in Offer.objects.live() if o.unconfirmed_since]
    assert flagged
