"""The review cycle: reminder mails through a real SMTP server, "still current" links that
confirm without logging in, the review page, the public flag and the start page."""

import email
import re
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import OfferFactory
from tests.helpers import Inbox, free_port, login
from wegweiser.accounts.models import Role
from wegweiser.core.models import MailBounce
from wegweiser.directory.models import Offer, Organisation
from wegweiser.partners.models import ChangeRequest, ReviewReminder
from wegweiser.partners.review import send_reminders


@pytest.fixture
def smtp(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def _mails(inbox):
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return [email.message_from_bytes(m.original_content) for m in inbox.messages]


def _text(message) -> str:
    return next(
        p.get_payload(decode=True).decode()
        for p in message.walk()
        if p.get_content_type() == "text/plain"
    )


def _stale(entry, days=200):
    """Make an entry last verified `days` ago."""
    entry.verified_at = timezone.now() - timedelta(days=days)
    entry.save()
    return entry


@pytest.fixture
def due(world):
    """The partner's organisation with one stale and one current offer; the partner editor
    reads mail in Arabic."""
    partner = world.members[Role.PARTNER_EDITOR].user
    partner.email, partner.language = "amal@partner.example", "ar"
    partner.save()
    stale = _stale(OfferFactory(organisation=world.partner_organisation, name="Nähcafé"))
    OfferFactory(organisation=world.partner_organisation, name="Frisch")
    _stale(world.offer)  # another organisation's: not in this partner's mail
    return stale


def _links(text):
    return re.findall(r"https?://\S+/accounts/review/\S+/", text)


def _path(link):
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.mark.django_db(transaction=True)
def test_reminders_are_queued_mailed_in_the_partners_language_once_per_interval(world, due, smtp):
    call_command("send_review_reminders", stdout=open("/dev/null", "w"))
    [message] = _mails(smtp)
    assert message["To"] == "amal@partner.example"
    with translation.override("ar"):
        subject = translation.gettext("Please check your entries in the Wegweiser")
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        subject
    )
    text = _text(message)
    assert "Nähcafé" in text and "Frisch" not in text and world.offer.name not in text
    assert len(_links(text)) == 1
    assert reverse("directory:offer_edit", args=[due.public_id]) in text
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert 'dir="rtl"' in html.get_payload(decode=True).decode()

    # The next daily run sends nothing: reminded within the interval.
    call_command("send_review_reminders", stdout=open("/dev/null", "w"))
    assert len(_mails(smtp)) == 1
    # Once the interval has passed without a confirmation, it is reminded again.
    later = timezone.now() + timedelta(days=due.review_interval_days + 1)
    assert send_reminders(now=later)["entries"] >= 1


@pytest.mark.django_db
def test_still_current_link_confirms_once_without_login(world, due, client, monkeypatch):
    sent = []
    monkeypatch.setattr("wegweiser.partners.review.mail_send", lambda **mail: sent.append(mail))
    with_callbacks = send_reminders
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        with_callbacks()
    [link] = _links(sent[0]["body"])
    url = _path(link)

    page = client.get(url)  # opening the link changes nothing
    assert page.status_code == 200 and 'lang="ar"' in page.content.decode()
    due.refresh_from_db()
    assert due.is_stale
    assert client.post(url).status_code == 200
    due.refresh_from_db()
    assert not due.is_stale
    assert due.verified_by == world.members[Role.PARTNER_EDITOR].user
    # Used again: a friendly "confirmed already", nothing written.
    version = due.version
    again = client.post(url)
    due.refresh_from_db()
    assert again.status_code == 200 and due.version == version
    # Once confirmed, the entry is not due and not reminded.
    assert send_reminders()["entries"] == 0

    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    assert client.get("/accounts/review/not-a-token/").status_code == 404
    real_time = time.time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real_time() + 31 * 86400)
    assert client.get(url).status_code == 410


@pytest.mark.django_db
def test_a_link_stops_working_when_the_partner_loses_access(world, due, client, monkeypatch):
    sent = []
    monkeypatch.setattr("wegweiser.partners.review.mail_send", lambda **mail: sent.append(mail))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        send_reminders()
    url = _path(_links(sent[0]["body"])[0])
    world.members[Role.PARTNER_EDITOR].organisations.clear()
    assert client.post(url).status_code == 404
    due.refresh_from_db()
    assert due.is_stale


@pytest.mark.django_db
def test_bounced_addresses_get_no_reminders(world, due):
    MailBounce.objects.create(email="amal@partner.example", code=550)
    assert send_reminders() == {"mails": 0, "entries": 0}
    assert not ReviewReminder.objects.exists()


@pytest.mark.django_db
def test_unconfirmed_entries_are_flagged_publicly_after_the_grace_period(world, client):
    offer = OfferFactory(organisation=world.organisation, name="Alte Beratung")
    url = reverse("site:offer", kwargs={"public_id": offer.public_id})
    _stale(offer, days=offer.review_interval_days + 10)  # stale, within the grace period
    assert "unconfirmed" not in client.get(url).content.decode()
    _stale(offer, days=offer.review_interval_days + 61)
    cache.clear()  # public pages are kept for the day; time passing is not a content change
    page = client.get(url).content.decode()
    with translation.override("de"):
        flag = translation.gettext(
            "Not confirmed since %(date)s. Please check with the organisation before you go."
        ) % {"date": timezone.localtime(offer.verified_at).strftime("%d.%m.%Y")}
    assert "verified unconfirmed" in page and flag in page


@pytest.mark.django_db
def test_review_page_and_start_page_show_the_work_waiting(world, due, client):
    ChangeRequest.objects.create(
        office=world.office,
        organisation=world.partner_organisation,
        kind="offer.update",
        target_id=due.pk,
        target_repr="Nähcafé",
        changes={"summary": ["", "neu"]},
        author=world.members[Role.PARTNER_EDITOR].user,
    )
    dormant = world.members[Role.VIEWER]
    dormant.role = Role.PARTNER_EDITOR
    dormant.created_at = timezone.now() - timedelta(days=400)
    dormant.save()
    type(dormant).objects.filter(pk=dormant.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    login(client, world.members[Role.COORDINATOR].user)
    start = client.get(reverse("directory:dashboard"))
    assert start.context["open_request_count"] == 1
    assert start.context["due_count"] >= 2  # the partner's offer and the office's
    assert [m.pk for m in start.context["dormant"]] == [dormant.pk]
    review_page = client.get(reverse("directory:review"))
    organisations = [org for org, rows in review_page.context["groups"]]
    assert world.partner_organisation in organisations and world.organisation in organisations

    client.logout()
    login(client, world.members[Role.PARTNER_EDITOR].user)
    mine = client.get(reverse("directory:review"))
    assert [org for org, rows in mine.context["groups"]] == [world.partner_organisation]
    assert client.get(reverse("directory:dashboard")).context["open_request_count"] == 1


@pytest.mark.django_db
def test_confirming_from_the_review_page_takes_the_entry_off_it(world, due, client):
    login(client, world.members[Role.PARTNER_EDITOR].user)
    url = reverse("directory:entry_confirm", kwargs={"kind": "offers", "public_id": due.public_id})
    assert client.post(url).status_code == 302
    page = client.get(reverse("directory:review"))
    entries = [row["entry"] for org, rows in page.context["groups"] for row in rows]
    assert Offer.objects.get(pk=due.pk) not in entries
    assert not any(isinstance(e, Organisation) and e.is_stale for e in entries)
