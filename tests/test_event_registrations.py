"""Registration in Wegweiser: places, the waiting list moving up, mails in the registrant's
language through a real SMTP server, signed cancel links, deletion after the date."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import EventFactory
from tests.helpers import Inbox, free_port, login
from wegweiser.accounts.models import Role
from wegweiser.core.models import AuditEntry
from wegweiser.events import registrations
from wegweiser.events.models import Registration
from wegweiser.events.recurrence import BERLIN


def _stamp(event) -> str:
    return event.starts_at.astimezone(BERLIN).strftime("%Y%m%dT%H%M")


def _register(client, event, name, contact, people=1, language="de"):
    with translation.override(language):
        url = reverse(
            "events:register", kwargs={"public_id": event.public_id, "stamp": _stamp(event)}
        )
    return client.post(url, {"name": name, "contact": contact, "people": people, "consent": "on"})


@pytest.mark.django_db(transaction=True)
def test_places_waiting_list_mails_and_cancel_links(world, client, settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    event = EventFactory(organisation=world.organisation, registration="internal", capacity=3)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert _register(client, event, "Amal", "amal@test.example", 2, "ar").status_code == 200
        assert _register(client, event, "Olena", "+49 341 123456", 1).status_code == 200
        assert _register(client, event, "Minh", "minh@test.example", 1, "vi").status_code == 200
        states = dict(Registration.objects.values_list("people", "state").order_by("id")[:1])
        assert states == {2: "confirmed"}
        assert list(Registration.objects.order_by("id").values_list("state", flat=True)) == [
            "confirmed",
            "confirmed",
            "waiting",
        ]
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        # Two mails (the phone number gets none): Arabic and Vietnamese.
        assert sorted(m.rcpt_tos[0] for m in inbox.messages) == [
            "amal@test.example",
            "minh@test.example",
        ]
        arabic = next(m for m in inbox.messages if m.rcpt_tos == ["amal@test.example"])
        text = arabic.content.decode("utf-8", "replace")
        assert "/ar/anmeldung/" in text
        link = "/ar/anmeldung/" + text.split("/ar/anmeldung/")[1].split()[0]
        # Amal cancels: two places free up, Minh moves up and gets a mail.
        assert client.get(link).status_code == 200
        assert client.post(link).status_code == 200
        assert list(Registration.objects.order_by("id").values_list("state", flat=True)) == [
            "cancelled",
            "confirmed",
            "confirmed",
        ]
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        assert [m.rcpt_tos[0] for m in inbox.messages][-1] == "minh@test.example"
    finally:
        controller.stop()
    assert client.get(link.replace("anmeldung/", "anmeldung/x")).status_code == 404


@pytest.mark.django_db
def test_full_events_and_bad_input(world, client):
    translation.activate("de")
    event = EventFactory(organisation=world.organisation, registration="internal", capacity=1)
    url = reverse("events:register", kwargs={"public_id": event.public_id, "stamp": _stamp(event)})
    bad = client.post(url, {"name": "", "contact": "not a contact", "people": 99})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"name", "contact", "people", "consent"}
    wrong_date = url.replace(_stamp(event), "20000101T1000")
    assert client.get(wrong_date).status_code == 404
    none = EventFactory(organisation=world.organisation)
    none_url = reverse(
        "events:register", kwargs={"public_id": none.public_id, "stamp": _stamp(none)}
    )
    assert client.get(none_url).status_code == 404  # no registration here for this event
    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_links_expire_with_the_date_and_data_is_deleted_after_it(world, settings):
    event = EventFactory(organisation=world.organisation, registration="internal", capacity=5)
    registration = registrations.register(
        event,
        event.starts_at,
        registrations.Registrant("A", "a@test.example", 1, "", "de"),
        base_url="http://testserver",
    )
    token = registrations.cancel_token(registration)
    assert registrations.registration_for_token(token) == registration
    assert registrations.registration_for_token(token[:-2] + "xx") is None
    later = timezone.now() + timedelta(days=3)
    Registration.objects.filter(pk=registration.pk).update(
        occurrence_start=timezone.now() - timedelta(days=2)
    )
    assert registrations.registration_for_token(token) is None  # the date has passed
    settings.EVENT_REGISTRATION_RETENTION_DAYS = 30
    assert registrations.purge_old(later) == 0
    assert registrations.purge_old(later + timedelta(days=30)) == 1
    assert AuditEntry.objects.filter(action="events.registrations.purged").exists()


@pytest.mark.django_db
def test_staff_see_and_export_registrations_and_the_reading_is_logged(world, client):
    registrations.register(
        world.event,
        world.event.starts_at,
        registrations.Registrant("=SUM(A1)", "x@test.example", 1, "Rollstuhl", "de"),
        base_url="http://testserver",
    )
    login(client, world.members[Role.STAFF].user)
    page = client.get(
        reverse("events_staff:registrations", kwargs={"public_id": world.event.public_id})
    )
    assert "Rollstuhl" in page.content.decode()
    export = client.get(
        reverse("events_staff:registrations_export", kwargs={"public_id": world.event.public_id})
    )
    text = export.content.decode("utf-8-sig")
    assert "'=SUM(A1)" in text and "x@test.example" in text
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"events.registrations.viewed", "events.registrations.exported"} <= actions
    stored = Registration.objects.get()
    assert "Rollstuhl" not in stored.needs_encrypted and "x@test" not in stored.contact_encrypted
