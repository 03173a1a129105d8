"""Shared fixtures: two offices, a user of every role in the first, a coordinator in the
second, and a small directory in each."""

import os
from dataclasses import dataclass

import pytest
from django.db import connection

from tests.factories import (
    ContactFactory,
    EventFactory,
    LocationFactory,
    MembershipFactory,
    OfferFactory,
    OfferLocationFactory,
    OfficeFactory,
    OrganisationFactory,
)
from wegweiser.accounts.models import Role

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip visibly on SQLite; in CI's PostgreSQL run they must run."""
    wants_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    if wants_postgres:
        return
    reason = "PostgreSQL tests skipped: set DATABASE_URL=postgres://… to run them"
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite (embedded)"
    return [f"wegweiser database backend: {backend}"]


@pytest.fixture(autouse=True, scope="session")
def _database_is_what_was_asked(django_db_setup, django_db_blocker):
    """In CI a PostgreSQL run that silently used SQLite would be a lie: fail instead."""
    with django_db_blocker.unblock():
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            assert connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters kept in the cache (rate limits of the API and of residents' messages) start
    at zero in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _own_brochure_folder(settings, tmp_path):
    """Typeset brochures are cached by the hash of their inputs: each test starts empty."""
    settings.BROCHURE_DIR = tmp_path / "brochures"


@pytest.fixture
def site_content(db):
    from wegweiser.site.content import site_content_load

    site_content_load()


@dataclass
class World:
    office: object
    other_office: object
    members: dict
    organisation: object
    partner_organisation: object
    offer: object
    location: object
    offer_location: object
    contact: object
    foreign_organisation: object
    foreign_offer: object
    foreign_location: object
    foreign_offer_location: object
    foreign_contact: object
    event: object = None
    partner_event: object = None
    foreign_event: object = None


@pytest.fixture
def world(db, site_content):
    office = OfficeFactory(name="Koordinierungsstelle Test", slug="test")
    other = OfficeFactory(name="Andere Stelle", slug="other")
    organisation = OrganisationFactory(office=office, name="Brücke e.V.")
    partner_org = OrganisationFactory(office=office, name="Partner e.V.")
    offer = OfferFactory(organisation=organisation)
    location = LocationFactory(office=office)
    offer_location = OfferLocationFactory(offer=offer, location=location)
    contact = ContactFactory(organisation=organisation)
    members = {
        role: MembershipFactory(office=office, role=role, user__username=role)
        for role in Role.values
    }
    members[Role.PARTNER_EDITOR].organisations.set([partner_org])
    members[Role.TRANSLATOR].languages = ["ar"]
    members[Role.TRANSLATOR].save()
    members["other_coordinator"] = MembershipFactory(
        office=other, role=Role.COORDINATOR, user__username="other_coordinator"
    )
    foreign_org = OrganisationFactory(office=other, name="Fremd e.V.")
    foreign_offer = OfferFactory(organisation=foreign_org)
    foreign_location = LocationFactory(office=other)
    foreign_ol = OfferLocationFactory(offer=foreign_offer, location=foreign_location)
    event = EventFactory(
        organisation=organisation,
        repeat="weekly",
        repeat_count=5,
        registration="internal",
        capacity=10,
    )
    partner_event = EventFactory(organisation=partner_org)
    foreign_event = EventFactory(organisation=foreign_org)
    return World(
        office=office,
        other_office=other,
        members=members,
        organisation=organisation,
        partner_organisation=partner_org,
        offer=offer,
        location=location,
        offer_location=offer_location,
        contact=contact,
        foreign_organisation=foreign_org,
        foreign_offer=foreign_offer,
        foreign_location=foreign_location,
        foreign_offer_location=foreign_ol,
        foreign_contact=ContactFactory(organisation=foreign_org),
        event=event,
        partner_event=partner_event,
        foreign_event=foreign_event,
    )
