"""Registration in Wegweiser for one date of an event: places, a waiting list that moves up
when someone cancels, a mail in the registrant's language with a signed cancel link that
expires with the date, and deletion of the registrant's data some days after it."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wegweiser.core.audit import audit_log
from wegweiser.core.crypto import decrypt, encrypt
from wegweiser.core.mail import mail_send
from wegweiser.events.models import Event, Registration
from wegweiser.site.localize import localize

SALT = "wegweiser.events.registration"


@dataclass
class Registrant:
    name: str
    contact: str  # an email address (mails go there) or a phone number
    people: int
    needs: str
    language: str


def taken(event: Event, occurrence_start) -> int:
    total = Registration.objects.filter(
        event=event, occurrence_start=occurrence_start, state=Registration.State.CONFIRMED
    ).aggregate(n=Sum("people"))["n"]
    return total or 0


def places_left(event: Event, occurrence_start) -> int:
    return max(0, (event.capacity or 0) - taken(event, occurrence_start))


def cancel_token(registration: Registration) -> str:
    return signing.dumps(str(registration.public_id), salt=SALT)


def registration_for_token(token: str) -> Registration | None:
    """The registration a cancel link names, while its date has not passed."""
    try:
        public_id = signing.loads(token, salt=SALT, max_age=timedelta(days=400))
        registration = Registration.objects.select_related("event").get(public_id=public_id)
    except (signing.BadSignature, Registration.DoesNotExist, ValueError):
        return None
    end = registration.occurrence_start + (
        registration.event.ends_at - registration.event.starts_at
    )
    if end < timezone.now():
        return None  # expired with the date
    return registration


def _mail(registration: Registration, base_url: str, template: str) -> None:
    contact = decrypt(registration.contact_encrypted)
    if "@" not in contact:
        return  # a phone number: the organiser calls
    with translation.override(registration.language):
        link = base_url + reverse("events:registration_cancel", args=[cancel_token(registration)])
        title = str(localize(registration.event, "title", registration.language))
        context = {
            "registration": registration,
            "title": title,
            "name": decrypt(registration.name_encrypted),
            "cancel_link": link,
            "when": registration.occurrence_start,
        }
        subject = {
            "confirmed": _("Your place: %(title)s"),
            "waiting": _("Waiting list: %(title)s"),
            "moved_up": _("You have a place now: %(title)s"),
        }[template] % {"title": title}
        body = render_to_string(f"events/mail/{template}.txt", context)
        mail_send(
            subject=subject, body=body, to=[contact], office_name=registration.event.office.name
        )


@transaction.atomic
def register(event: Event, occurrence_start, registrant: Registrant, base_url: str):
    """A place if there is room for all the people named, else the waiting list."""
    Event.objects.select_for_update().get(pk=event.pk)  # one registration at a time per event
    room = places_left(event, occurrence_start) >= registrant.people
    registration = Registration.objects.create(
        event=event,
        occurrence_start=occurrence_start,
        state=Registration.State.CONFIRMED if room else Registration.State.WAITING,
        people=registrant.people,
        name_encrypted=encrypt(registrant.name),
        contact_encrypted=encrypt(registrant.contact),
        needs_encrypted=encrypt(registrant.needs) if registrant.needs else "",
        language=registrant.language,
        consent_at=timezone.now(),
    )
    transaction.on_commit(lambda: _mail(registration, base_url, "confirmed" if room else "waiting"))
    return registration


@transaction.atomic
def cancel(registration: Registration, base_url: str) -> list[Registration]:
    """Cancel, then give freed places to the waiting list in order; returns who moved up."""
    Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.state == Registration.State.CANCELLED:
        return []
    registration.state = Registration.State.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["state", "cancelled_at"])
    moved = []
    event = registration.event
    waiting = Registration.objects.filter(
        event=event,
        occurrence_start=registration.occurrence_start,
        state=Registration.State.WAITING,
    ).order_by("created_at", "id")
    for candidate in waiting:
        if places_left(event, registration.occurrence_start) < candidate.people:
            continue  # a smaller group further down may still fit
        candidate.state = Registration.State.CONFIRMED
        candidate.save(update_fields=["state"])
        moved.append(candidate)
    for candidate in moved:
        transaction.on_commit(lambda c=candidate: _mail(c, base_url, "moved_up"))
    return moved


def purge_old(now=None) -> int:
    """Delete registrations whose date lies more than the retention period back."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EVENT_REGISTRATION_RETENTION_DAYS)
    deleted, _rows = Registration.objects.filter(occurrence_start__lt=cutoff).delete()
    if deleted:
        audit_log(
            action="events.registrations.purged",
            changes={"deleted": [None, deleted], "before": [None, cutoff.isoformat()]},
        )
    return deleted
