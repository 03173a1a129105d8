"""Inviting partners: create, resend and revoke invitations, and accept one."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wegweiser.accounts.models import Membership, Role, User
from wegweiser.core.audit import audit_log
from wegweiser.core.mail import mail_send
from wegweiser.partners.models import Invitation


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _digest(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.last_sent_at = timezone.now()
    return token


def _send(invitation: Invitation, token: str) -> None:
    """The invitation mail, in the invitee's language, as plain text and HTML."""
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "office": invitation.office.name,
            "organisation": invitation.organisation.name,
            "link": settings.SITE_URL.rstrip("/") + reverse("partners:accept", args=[token]),
            "days": settings.INVITATION_DAYS,
        }
        subject = _("Invitation to keep your entries in the Wegweiser up to date")
        body = render_to_string("partners/mail/invitation.txt", context)
        html = render_to_string("partners/mail/invitation.html", context)
    mail_send(
        subject=subject,
        body=body,
        html=html,
        to=[invitation.email],
        office_name=invitation.office.name,
    )


@transaction.atomic
def invitation_create(*, office, organisation, email: str, name: str, language: str, actor):
    invitation = Invitation(
        office=office,
        organisation=organisation,
        email=email,
        name=name,
        language=language,
        created_by=actor,
    )
    token = _new_token(invitation)
    invitation.save()
    audit_log(action="partners.invitation.created", actor=actor, office=office, obj=invitation)
    transaction.on_commit(lambda: _send(invitation, token))
    return invitation


@transaction.atomic
def invitation_resend(invitation: Invitation, *, actor) -> Invitation:
    """A new link (the old one stops working) with a new expiry."""
    token = _new_token(invitation)
    invitation.sent_count += 1
    invitation.revoked_at = None
    invitation.save()
    audit_log(
        action="partners.invitation.resent", actor=actor, office=invitation.office, obj=invitation
    )
    transaction.on_commit(lambda: _send(invitation, token))
    return invitation


@transaction.atomic
def invitation_revoke(invitation: Invitation, *, actor) -> Invitation:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log(
        action="partners.invitation.revoked", actor=actor, office=invitation.office, obj=invitation
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation of a link; None for a link that is unknown, used, withdrawn or
    expired (they all look the same to the visitor)."""
    invitation = (
        Invitation.objects.select_related("office", "organisation")
        .filter(token_hash=_digest(token))
        .first()
    )
    if invitation is None or invitation.state != "open":
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    invitation: Invitation, *, user: User | None = None, username="", password=""
) -> User:
    """Accept for a new account (username and password) or for the signed-in `user`: the
    account becomes a partner editor of the invitation's organisation."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "open":
        raise ValueError("invitation not open")
    if user is None:
        user = User(username=username, email=invitation.email, language=invitation.language)
        user.set_password(password)
        user.save()
    membership, _created = Membership.objects.get_or_create(
        user=user, office=invitation.office, defaults={"role": Role.PARTNER_EDITOR}
    )
    if membership.role == Role.PARTNER_EDITOR:
        membership.organisations.add(invitation.organisation)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log(
        action="partners.invitation.accepted", actor=user, office=invitation.office, obj=invitation
    )
    return user
