"""Inviting partners: the mail goes through a real SMTP server (aiosmtpd), the link in it
makes a partner editor bound to the organisation, and every bad link is refused."""

import email
import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from tests.helpers import Inbox, free_port, login
from wegweiser.accounts.models import Membership, Role, User
from wegweiser.partners.models import Invitation

PASSWORD = "ein-langes-Passwort-2026"


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
