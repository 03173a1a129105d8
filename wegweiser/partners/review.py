"""The review cycle: which entries are due, reminder mails to partners with signed "still
current" links, and confirming through such a link without logging in."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wegweiser.accounts.models import Membership, Role
from wegweiser.core.mail import bounced, mail_send
from wegweiser.directory import services
from wegweiser.directory.models import Location, Offer, Organisation
from wegweiser.partners.models import ReviewReminder

SALT = "wegweiser.partners.review"
# Entry kind in links and reminders → model, staff URL name of its edit form.
KINDS = {
    "organisation": (Organisation, "directory:organisation_edit"),
    "offer": (Offer, "directory:offer_edit"),
    "location": (Location, "directory:location_edit"),
}


def _horizon(now=None):
    return (now or timezone.now()) + timedelta(days=settings.REVIEW_REMINDER_LEAD_DAYS)


def due_by_organisation(office, organisations=None, now=None) -> dict:
    """Live organisations and offers that are stale or due within the reminder lead time,
    grouped by organisation (sorted by name), each list oldest due first."""
    horizon = _horizon(now)
    orgs = Organisation.objects.live().filter(office=office)
    if organisations is not None:
        orgs = orgs.filter(pk__in=organisations)
    grouped: dict = defaultdict(list)
    for organisation in orgs.filter(review_due_at__lt=horizon):
        grouped[organisation].append(organisation)
    offers = (
        Offer.objects.live()
        .filter(organisation__in=orgs, review_due_at__lt=horizon)
        .select_related("organisation")
    )
    for offer in offers:
        grouped[offer.organisation].append(offer)
    return {
        organisation: sorted(entries, key=lambda e: e.review_due_at)
        for organisation, entries in sorted(grouped.items(), key=lambda item: item[0].name)
    }


def due_locations(office, now=None):
    return Location.objects.live().filter(office=office, review_due_at__lt=_horizon(now))


def kind_of(entry) -> str:
    return type(entry).__name__.lower()


def confirm_token(entry, user) -> str:
    """A link for one entry and one partner, valid until the entry is confirmed (its due
    date moves) or REVIEW_LINK_DAYS pass."""
    return signing.dumps(
        [kind_of(entry), str(entry.public_id), int(entry.review_due_at.timestamp()), user.pk],
        salt=SALT,
        compress=True,
    )


class LinkExpired(Exception):
    pass


def entry_for_token(token: str):
    """(entry, user, still due) for a valid link; raises signing.BadSignature for a tampered
    or unknown link and LinkExpired for an old one. An entry or user that no longer fits
    (archived, another organisation, account closed) counts as a bad link."""
    try:
        kind, public_id, due, user_id = signing.loads(
            token, salt=SALT, max_age=timedelta(days=settings.REVIEW_LINK_DAYS)
        )
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except ValueError as exc:  # well signed, but not our shape
        raise signing.BadSignature from exc
    if kind not in KINDS:
        raise signing.BadSignature
    model = KINDS[kind][0]
    entry = model.objects.live().filter(public_id=public_id).first()
    membership = (
        Membership.objects.select_related("user")
        .filter(user_id=user_id, role=Role.PARTNER_EDITOR, user__is_active=True)
        .first()
    )
    if entry is None or membership is None or not _partner_of(membership, entry):
        raise signing.BadSignature
    return entry, membership, int(entry.review_due_at.timestamp()) == due


def _partner_of(membership, entry) -> bool:
    organisation = entry if isinstance(entry, Organisation) else entry.organisation
    return (
        organisation.office_id == membership.office_id
        and membership.organisations.filter(pk=organisation.pk).exists()
    )


def confirm_by_link(entry, membership):
    return services.entry_confirm(entry, actor=membership.user, office=membership.office)


def _already_reminded(entries, now) -> set[tuple[str, int]]:
    """Entries reminded within their own review interval: not again before it has passed."""
    longest = max(e.review_interval_days for e in entries)
    recent = ReviewReminder.objects.filter(
        entry_id__in=[e.pk for e in entries], sent_at__gte=now - timedelta(days=longest)
    ).values_list("entry_type", "entry_id", "sent_at")
    interval = {(kind_of(e), e.pk): e.review_interval_days for e in entries}
    return {
        (kind, pk)
        for kind, pk, sent_at in recent
        if (kind, pk) in interval and sent_at >= now - timedelta(days=interval[(kind, pk)])
    }


def send_reminders(now=None) -> dict[str, int]:
    """One mail per partner editor listing their organisations' entries that are due and not
    reminded within their interval. Addresses that bounced are skipped."""
    now = now or timezone.now()
    sent = entries_reminded = 0
    memberships = (
        Membership.objects.filter(role=Role.PARTNER_EDITOR, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "office")
        .prefetch_related("organisations")
    )
    dead = bounced(m.user.email for m in memberships)
    for membership in memberships:
        if membership.user.email.lower() in dead:
            continue
        due = due_by_organisation(membership.office, membership.organisations.all(), now)
        entries = [e for group in due.values() for e in group]
        if not entries:
            continue
        done = _already_reminded(entries, now)
        entries = [e for e in entries if (kind_of(e), e.pk) not in done]
        if not entries:
            continue
        with transaction.atomic():
            ReviewReminder.objects.bulk_create(
                ReviewReminder(
                    office=membership.office,
                    organisation=e if isinstance(e, Organisation) else e.organisation,
                    entry_type=kind_of(e),
                    entry_id=e.pk,
                    recipient=membership.user.email,
                    sent_at=now,
                )
                for e in entries
            )
            transaction.on_commit(lambda m=membership, es=entries: _reminder_mail(m, es, now))
        sent += 1
        entries_reminded += len(entries)
    return {"mails": sent, "entries": entries_reminded}


def _reminder_mail(membership, entries, now) -> None:
    user = membership.user
    base = settings.SITE_URL.rstrip("/")
    with translation.override(user.language):
        rows = [
            {
                "entry": entry,
                "stale": entry.review_due_at < now,
                "confirm": base + reverse("partners:review", args=[confirm_token(entry, user)]),
                "change": base + reverse(KINDS[kind_of(entry)][1], args=[entry.public_id]),
            }
            for entry in entries
        ]
        context = {
            "user": user,
            "office": membership.office.name,
            "rows": rows,
            "days": settings.REVIEW_LINK_DAYS,
            "language": user.language,
        }
        subject = _("Please check your entries in the Wegweiser")
        body = render_to_string("partners/mail/review.txt", context)
        html = render_to_string("partners/mail/review.html", context)
    mail_send(
        subject=subject, body=body, html=html, to=[user.email], office_name=membership.office.name
    )
