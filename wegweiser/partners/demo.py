"""The demo district's partner work: partner accounts (one long inactive, one whose mail
bounces), an open invitation, open change requests, residents' suggestions and entries due
for review, so the start page and the inbox show real work right after `make run`."""

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from wegweiser.accounts.models import Membership, Role, User
from wegweiser.core.models import MailBounce
from wegweiser.directory.models import Offer, Organisation
from wegweiser.partners import requests
from wegweiser.partners.models import ChangeRequest, Invitation
from wegweiser.site.models import Feedback

# (username, name, mail, organisation index, days since the last log-in)
OTHER_PARTNERS = [
    ("kulturbuero", "Kulturbüro (Demo)", "kulturbuero@demo.example", 2, 420),
    ("elterncafe", "Elterncafé (Demo)", "elterncafe@demo.invalid", 3, 20),
]
SUGGESTIONS = [
    (
        Feedback.Kind.SUGGESTION,
        "In der Eisenbahnstraße gibt es dienstags ein Schachtreffen für alle, auch auf "
        "Arabisch. Das fehlt im Wegweiser.",
        "ar",
    ),
    (
        Feedback.Kind.SUGGESTION,
        "Bitte die Fahrradwerkstatt im Stadtteilladen aufnehmen, sie ist jeden Samstag offen.",
        "de",
    ),
    (Feedback.Kind.MISTAKE, "Die Telefonnummer stimmt nicht mehr, es meldet sich niemand.", "uk"),
]


def _submit(kind, target, membership, organisation, **changes):
    """A partner's request as if posted from the form: the entry's values with `changes`."""
    spec = requests.KINDS[kind]
    data = {} if spec.creates else requests.posted(spec.build(target, None, organisation)[0])
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return requests.request_submit(
        kind=kind,
        target=target,
        data=requests.as_query(data),
        membership=membership,
        organisation=organisation,
    )


def _stale(offers, days: int, now) -> None:
    for offer in offers:
        offer.verified_at = now - timedelta(days=days)
        offer.save(update_fields=["verified_at"])


@transaction.atomic
def load_demo_partners(office) -> int:
    """Idempotent: nothing is added once the demo office has change requests."""
    if ChangeRequest.objects.filter(office=office).exists():
        return 0
    now = timezone.now()
    organisations = list(Organisation.objects.filter(office=office, is_demo=True).order_by("name"))
    partner = Membership.objects.filter(
        office=office, role=Role.PARTNER_EDITOR, user__username="partner"
    ).first()
    if partner is None or len(organisations) < 5:
        return 0
    own = list(partner.organisations.order_by("name"))
    offer = Offer.objects.live().filter(organisation=own[0]).order_by("name").first()
    _submit(
        "offer.update",
        offer,
        partner,
        own[0],
        summary=f"{offer.summary} Neu: auch mittwochs von 16 bis 18 Uhr.".strip(),
    )
    _submit("organisation.update", own[1], partner, own[1], phone="0341 2345 6789")
    _submit(
        "contact.create",
        own[0],
        partner,
        own[0],
        role="Beratung auf Arabisch und Kurdisch",
        phone="0341 9876 543",
        languages=["ar", "ku"],
        is_public="on",
    )

    for username, name, mail, index, idle_days in OTHER_PARTNERS:
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": name,
                "email": mail,
                "password": make_password(None),
                "last_login": now - timedelta(days=idle_days),
            },
        )
        membership, _created = Membership.objects.get_or_create(
            user=user, office=office, defaults={"role": Role.PARTNER_EDITOR}
        )
        membership.organisations.add(organisations[index])
        Membership.objects.filter(pk=membership.pk).update(
            created_at=now - timedelta(days=idle_days + 200)
        )
    MailBounce.objects.get_or_create(
        email="elterncafe@demo.invalid",
        defaults={"code": 550, "reason": "5.1.1 mailbox unavailable (demo)"},
    )
    Invitation.objects.create(
        office=office,
        organisation=organisations[4],
        email="info@demo.example",
        name="Nachbarschaftshilfe (Demo)",
        language="tr",
        token_hash=secrets.token_hex(32),  # no link exists for it: the demo sends no mail
        expires_at=now + timedelta(days=10),
    )

    for kind, message, language in SUGGESTIONS:
        Feedback.objects.create(
            kind=kind,
            offer=offer if kind == Feedback.Kind.MISTAKE else None,
            message=message,
            language=language,
        )

    # Due for review: some just stale, some long enough to be flagged on the public pages.
    own_offers = list(Offer.objects.live().filter(organisation__in=own).order_by("name"))
    others = list(Offer.objects.live().filter(organisation__in=organisations[2:6]).order_by("name"))
    _stale(own_offers[1:3] + others[:3], 190, now)
    _stale(others[3:5], 260, now)
    return ChangeRequest.objects.filter(office=office).count()
