"""Inviting partners: the mail goes through a real SMTP server (aiosmtpd), the link in it
makes a partner editor bound to the organisation, and every bad link is refused."""

import email
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from tests.factories import (
    ContactFactory,
    OfferFactory,
    OfferLocationFactory,
    OrganisationFactory,
)
from tests.helpers import Inbox, form_data, free_port, login
from wegweiser.accounts.models import Membership, Role, User
from wegweiser.core.audit import history_for
from wegweiser.core.models import MailBounce
from wegweiser.directory.models import Contact, Offer, Weekday
from wegweiser.events.models import Event
from wegweiser.partners.models import ChangeRequest, Invitation

PASSWORD = "ein-langes-Passwort-2026"


BOUNCING = "gone@partner.example"


@pytest.fixture
def smtp(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    inbox = Inbox(refuse={BOUNCING})
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def _invite(client, world, **fields):
    data = {
        "organisation": world.partner_organisation.pk,
        "name": "Amal Haddad",
        "email": "amal@partner.example",
        "language": "ar",
    } | fields
    return client.post(reverse("partners_staff:list"), data)


def _mails(inbox):
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return [email.message_from_bytes(m.original_content) for m in inbox.messages]


def _link(message) -> str:
    text = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://\S+/accounts/invitation/\S+/", text).group(0)


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.mark.django_db(transaction=True)
def test_invitation_by_mail_makes_a_partner_editor_of_that_organisation(world, client, smtp):
    login(client, world.members[Role.COORDINATOR].user)
    assert _invite(client, world).status_code == 302
    [message] = _mails(smtp)
    assert message["To"] == "amal@partner.example"
    sender = str(email.header.make_header(email.header.decode_header(message["From"])))
    assert sender.startswith(f"{world.office.name} · Wegweiser <")
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert 'lang="ar" dir="rtl"' in html.get_payload(decode=True).decode()
    link = _link(message)
    assert (
        world.partner_organisation.name
        in message.get_payload()[0].get_payload(decode=True).decode()
    )

    client.logout()
    page = client.get(_path(link))
    assert page.status_code == 200 and 'lang="ar"' in page.content.decode()
    weak = client.post(_path(link), {"username": "amal", "password1": "123", "password2": "123"})
    assert weak.status_code == 400 and not User.objects.filter(username="amal").exists()
    done = client.post(
        _path(link), {"username": "amal", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:account")
    user = User.objects.get(username="amal")
    assert user.email == "amal@partner.example" and user.language == "ar"
    membership = Membership.objects.get(user=user, office=world.office)
    assert membership.role == Role.PARTNER_EDITOR
    assert list(membership.organisations.all()) == [world.partner_organisation]
    # The partner is logged in and edits their organisation; another one answers 404.
    own = reverse("directory:organisation_edit", args=[world.partner_organisation.public_id])
    assert client.get(own).status_code == 200
    other = reverse("directory:organisation_edit", args=[world.organisation.public_id])
    assert client.get(other).status_code == 404
    # The link worked once.
    client.logout()
    assert client.get(_path(link)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_resent_revoked_expired_and_tampered_links_are_refused(world, client, smtp):
    login(client, world.members[Role.COORDINATOR].user)
    _invite(client, world, language="de")
    [first] = _mails(smtp)
    invitation = Invitation.objects.get()
    client.post(reverse("partners_staff:resend", args=[invitation.pk]))
    second = _mails(smtp)[-1]
    old, new = _path(_link(first)), _path(_link(second))
    assert old != new
    client.logout()
    assert client.get(old).status_code == 404  # replaced by the new link
    assert client.get(new[:-5] + "xxxx/").status_code == 404  # tampered
    assert client.get(new).status_code == 200
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(new).status_code == 404  # expired
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))
    login(client, world.members[Role.STAFF].user)
    client.post(reverse("partners_staff:revoke", args=[invitation.pk]))
    client.logout()
    page = client.get(new)
    with translation.override("de"):
        said = translation.gettext("This invitation link does not work")
    assert page.status_code == 404 and said in page.content.decode()
    assert not User.objects.filter(email="amal@partner.example").exists()


@pytest.mark.django_db
def test_an_existing_account_accepts_after_logging_in(world, client):
    from wegweiser.partners import services

    translator = world.members[Role.TRANSLATOR].user
    translator.email = "t@partner.example"
    translator.save()
    invitation = services.invitation_create(
        office=world.office,
        organisation=world.partner_organisation,
        email="t@partner.example",
        name="",
        language="de",
        actor=world.members[Role.COORDINATOR].user,
    )
    token = "known-token-for-the-test"
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=services._digest(token)  # the real token is only in the mail
    )
    url = reverse("partners:accept", args=[token])
    page = client.get(url)
    assert reverse("accounts:login") in page.content.decode()
    login(client, translator)
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.accepted_by == translator


def test_the_list_shows_who_has_access_and_only_office_staff_invite(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    page = client.get(reverse("partners_staff:list")).content.decode()
    assert world.partner_organisation.name in page
    assert world.members[Role.PARTNER_EDITOR].user.username in page
    bad = _invite(client, world, email="not an address", language="xx")
    form = bad.context["form"]
    assert bad.status_code == 400 and {"email", "language"} <= set(form.errors)
    foreign = _invite(client, world, organisation=world.foreign_organisation.pk)
    assert foreign.status_code == 400 and "organisation" in foreign.context["form"].errors
    assert not Invitation.objects.exists()
    login(client, world.members[Role.PARTNER_EDITOR].user)
    assert _invite(client, world).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_address_that_bounces_is_marked_and_not_retried(world, client, smtp):
    login(client, world.members[Role.COORDINATOR].user)
    assert _invite(client, world, email=BOUNCING).status_code == 302
    assert _mails(smtp) == []
    assert MailBounce.objects.get(email=BOUNCING).code == 550
    # Nothing left to retry: the refusal is permanent.
    assert not DBTaskResult.objects.filter(status="READY").exists()
    page = client.get(reverse("partners_staff:list"))
    with translation.override("de"):
        assert translation.gettext("mail bounced") in page.content.decode()


# --- change requests -------------------------------------------------------------------


def _partner_offer(world, **fields):
    return OfferFactory(
        organisation=world.partner_organisation, name="Nähcafé", summary="", **fields
    )


def _as(client, world, role):
    client.logout()
    login(client, world.members[role].user)
    return client


def _edit(client, url, **changes):
    """Open an edit page and post its form with `changes`, as a browser would."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.context["form"]) | changes
    return client.post(url, data)


def _offer_edit_url(offer):
    return reverse("directory:offer_edit", kwargs={"public_id": offer.public_id})


@pytest.mark.django_db(transaction=True)
def test_a_partners_edit_waits_for_the_office_and_is_accepted(world, client, smtp):
    offer = _partner_offer(world)
    partner = world.members[Role.PARTNER_EDITOR].user
    partner.email, partner.language = "amal@partner.example", "ar"
    partner.save()
    _as(client, world, Role.PARTNER_EDITOR)
    response = _edit(client, _offer_edit_url(offer), summary="Jeden Dienstag nähen")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.summary == ""  # not live
    request = ChangeRequest.objects.get()
    assert request.status == "open" and request.organisation == world.partner_organisation
    assert request.changes == {"summary": ["", "Jeden Dienstag nähen"]}

    _as(client, world, Role.COORDINATOR)
    inbox = client.get(reverse("partners_staff:requests"))
    assert "Nähcafé" in inbox.content.decode()
    detail = client.get(reverse("partners_staff:request", args=[request.public_id]))
    assert "Jeden Dienstag nähen" in detail.content.decode()
    accept = client.post(reverse("partners_staff:request_accept", args=[request.public_id]))
    assert accept.status_code == 302
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.summary == "Jeden Dienstag nähen" and request.status == "accepted"
    assert history_for(offer).filter(action="directory.offer.updated").exists()

    [message] = _mails(smtp)
    assert message["To"] == "amal@partner.example"
    with translation.override("ar"):
        assert translation.gettext("Your change is live: %(entry)s") % {"entry": "Nähcafé"} == str(
            email.header.make_header(email.header.decode_header(message["Subject"]))
        )
    # Deciding twice is refused, not repeated.
    again = client.post(reverse("partners_staff:request_accept", args=[request.public_id]))
    assert again.status_code == 302 and ChangeRequest.objects.get().status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_a_rejection_keeps_the_entry_and_tells_the_partner_why(world, client, smtp):
    offer = _partner_offer(world)
    partner = world.members[Role.PARTNER_EDITOR].user
    partner.email = "amal@partner.example"
    partner.save()
    _as(client, world, Role.PARTNER_EDITOR)
    _edit(client, _offer_edit_url(offer), name="Nähcafé <b>neu</b>")
    request = ChangeRequest.objects.get()
    _as(client, world, Role.COORDINATOR)
    url = reverse("partners_staff:request_reject", args=[request.public_id])
    assert client.post(url, {"reply": ""}).status_code == 400
    assert client.post(url, {"reply": "Bitte ohne HTML-Zeichen."}).status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Nähcafé"
    [message] = _mails(smtp)
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert "Bitte ohne HTML-Zeichen." in text
    detail = client.get(reverse("partners_staff:request", args=[request.public_id]))
    assert "Nähcafé &lt;b&gt;neu&lt;/b&gt;" in detail.content.decode()


@pytest.mark.django_db
def test_a_conflicting_request_is_not_overwriting_and_merges_on_edit(world, client):
    offer = _partner_offer(world)
    _as(client, world, Role.PARTNER_EDITOR)
    _edit(client, _offer_edit_url(offer), summary="Vom Partner")
    request = ChangeRequest.objects.get()
    # Staff change another field after the partner loaded the entry.
    _as(client, world, Role.STAFF)
    _edit(client, _offer_edit_url(offer), eligibility="Alle ab 16")
    _as(client, world, Role.COORDINATOR)
    accept = client.post(reverse("partners_staff:request_accept", args=[request.public_id]))
    assert accept.status_code == 409
    offer.refresh_from_db()
    assert offer.summary == "" and offer.eligibility == "Alle ab 16"
    edit_url = reverse("partners_staff:request_edit", args=[request.public_id])
    page = client.get(edit_url)
    form = page.context["form"]
    assert form["summary"].value() == "Vom Partner"
    assert form["eligibility"].value() == "Alle ab 16"
    saved = client.post(edit_url, form_data(form) | {"summary": "Vom Partner, korrigiert"})
    assert saved.status_code == 302
    offer.refresh_from_db()
    assert (offer.summary, offer.eligibility) == ("Vom Partner, korrigiert", "Alle ab 16")
    assert ChangeRequest.objects.get().status == "accepted"


@pytest.mark.django_db
def test_a_trusted_partner_publishes_directly(world, client):
    offer = _partner_offer(world)
    _as(client, world, Role.COORDINATOR)
    trust = reverse("partners_staff:trust", args=[world.partner_organisation.public_id])
    assert client.post(trust, {"trusted": "1"}).status_code == 302
    _as(client, world, Role.PARTNER_EDITOR)
    _edit(client, _offer_edit_url(offer), summary="Sofort sichtbar")
    offer.refresh_from_db()
    assert offer.summary == "Sofort sichtbar" and not ChangeRequest.objects.exists()
    # A shared location still waits for the office.
    OfferLocationFactory(offer=offer, location=world.location)
    url = reverse("directory:location_edit", kwargs={"public_id": world.location.public_id})
    _edit(client, url, transit_directions="Tram 7")
    world.location.refresh_from_db()
    assert world.location.transit_directions == ""
    assert ChangeRequest.objects.get().kind == "location.update"


@pytest.mark.django_db
def test_new_offers_contacts_hours_and_removals_wait_and_apply(world, client):
    offer = _partner_offer(world)
    offer_location = OfferLocationFactory(offer=offer, location=world.location)
    org = world.partner_organisation
    _as(client, world, Role.PARTNER_EDITOR)
    client.post(
        reverse("directory:offer_create", kwargs={"public_id": org.public_id}),
        {"name": "Hausaufgabenhilfe", "status": "active", "cost": "free"}
        | {"review_interval_days": 182, "open_to_all": "on"},
    )
    client.post(
        reverse("directory:contact_create", kwargs={"public_id": org.public_id}),
        {"role": "Beratung", "phone": "0341 1"},
    )
    hours_url = reverse(
        "directory:offer_location_hours", kwargs={"public_id": offer_location.public_id}
    )
    page = client.get(hours_url)
    data = {
        **form_data(page.context["settings_form"]),
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "1",
        "hours-0-opens": "10:00",
        "hours-0-closes": "12:00",
        "exceptions-TOTAL_FORMS": "0",
        "exceptions-INITIAL_FORMS": "0",
    }
    assert client.post(hours_url, data).status_code == 302
    contact = ContactFactory(organisation=org)
    client.post(reverse("directory:contact_delete", kwargs={"public_id": contact.public_id}))
    assert not Offer.objects.filter(name="Hausaufgabenhilfe").exists()
    assert offer_location.opening_hours.count() == 0
    assert Contact.objects.filter(pk=contact.pk).exists()
    kinds = sorted(ChangeRequest.objects.values_list("kind", flat=True))
    assert kinds == ["contact.create", "contact.delete", "hours", "offer.create"]

    _as(client, world, Role.COORDINATOR)
    for request in ChangeRequest.objects.all():
        url = reverse("partners_staff:request_accept", args=[request.public_id])
        assert client.post(url).status_code == 302, request.kind
    assert Offer.objects.get(name="Hausaufgabenhilfe").organisation == org
    assert str(offer_location.opening_hours.get()).startswith(str(Weekday(1).label))
    assert org.contacts.filter(role="Beratung").exists()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"accepted"}


@pytest.mark.django_db
def test_partners_event_edits_wait_and_foreign_requests_answer_404(world, client):
    # Tomorrow at ten: an event late in the evening would end after midnight, which the
    # form (one date, two times) does not take.
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = datetime.combine(tomorrow, time(10), tzinfo=ZoneInfo("Europe/Berlin"))
    Event.objects.filter(pk=world.partner_event.pk).update(
        starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    _as(client, world, Role.PARTNER_EDITOR)
    url = reverse("events_staff:edit", kwargs={"public_id": world.partner_event.public_id})
    page = client.get(url)
    assert "image" not in page.context["form"].fields  # uploads cannot wait in a request
    response = client.post(url, form_data(page.context["form"]) | {"title": "Neuer Titel"})
    assert response.status_code == 302
    world.partner_event.refresh_from_db()
    assert world.partner_event.title != "Neuer Titel"
    duplicate = reverse(
        "events_staff:duplicate", kwargs={"public_id": world.partner_event.public_id}
    )
    assert client.post(duplicate).status_code == 403
    mine = ChangeRequest.objects.get()
    assert mine.kind == "event.update" and mine.changes["title"][1] == "Neuer Titel"
    # Another organisation's entries and requests stay out of reach.
    assert client.get(_offer_edit_url(world.offer)).status_code == 404
    other = ChangeRequest.objects.create(
        office=world.office,
        organisation=world.organisation,
        kind="offer.update",
        target_id=world.offer.pk,
        target_repr="x",
    )
    assert client.get(reverse("partners_staff:request", args=[other.public_id])).status_code == 404
    listing = client.get(reverse("partners_staff:requests"))
    assert list(listing.context["page"]) == [mine]
    # The author may withdraw an open request.
    withdraw = reverse("partners_staff:request_withdraw", args=[mine.public_id])
    assert client.post(withdraw).status_code == 302
    mine.refresh_from_db()
    assert mine.status == "withdrawn"


@pytest.mark.django_db
def test_an_unchanged_form_makes_no_request(world, client):
    offer = _partner_offer(world)
    _as(client, world, Role.PARTNER_EDITOR)
    assert _edit(client, _offer_edit_url(offer)).status_code == 302
    assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
def test_a_request_that_no_longer_passes_the_form_is_corrected_not_lost(world, client):
    org = world.partner_organisation
    _as(client, world, Role.PARTNER_EDITOR)
    url = reverse("directory:organisation_edit", kwargs={"public_id": org.public_id})
    _edit(client, url, name="Neuer Name e.V.")
    request = ChangeRequest.objects.get()
    # Meanwhile another organisation takes that name.
    OrganisationFactory(office=world.office, name="Neuer Name e.V.")
    _as(client, world, Role.COORDINATOR)
    accept = client.post(reverse("partners_staff:request_accept", args=[request.public_id]))
    edit_url = reverse("partners_staff:request_edit", args=[request.public_id])
    assert accept.status_code == 302 and accept["Location"] == edit_url
    page = client.get(edit_url)
    assert page.context["form"].errors["name"]
    assert client.post(edit_url, form_data(page.context["form"])).status_code == 400
    saved = client.post(edit_url, form_data(page.context["form"]) | {"name": "Neuer Name 2"})
    assert saved.status_code == 302
    org.refresh_from_db()
    assert org.name == "Neuer Name 2"
    assert ChangeRequest.objects.get().status == "accepted"


@pytest.mark.django_db
def test_the_menu_offers_only_what_the_role_may_open(world, client):
    expected = {
        Role.COORDINATOR: {"partners_staff:requests", "partners_staff:list"},
        Role.PARTNER_EDITOR: {"partners_staff:requests"},
        Role.VIEWER: set(),
    }
    for role, shown in expected.items():
        page = _as(client, world, role).get(reverse("directory:dashboard")).content.decode()
        for name in ("partners_staff:requests", "partners_staff:list"):
            assert (f'href="{reverse(name)}"' in page) == (name in shown), (role, name)
