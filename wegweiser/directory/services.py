"""Every directory use case that writes: each one atomic, versioned and audited."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from wegweiser.core.audit import audit_log, history_for
from wegweiser.core.content import content_changed
from wegweiser.core.records import EditConflict, record_create, record_set_fields, record_update
from wegweiser.directory.changes import directory_changed
from wegweiser.directory.models import (
    Contact,
    EntryStatus,
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    Organisation,
    ScheduleException,
)

__all__ = ["EditConflict"]


def _changed(entry):
    directory_changed(entry)
    return entry


def _action(entry, verb: str) -> str:
    return f"directory.{entry._meta.model_name}.{verb}"


@transaction.atomic
def organisation_create(*, office, actor, data: dict[str, Any]) -> Organisation:
    """Register a new organisation in the office's directory."""
    return _changed(
        record_create(
            Organisation,
            data,
            actor=actor,
            office=office,
            action="directory.organisation.created",
            extra={"office": office, "verified_at": timezone.now(), "verified_by": actor},
        )
    )


@transaction.atomic
def offer_create(*, organisation: Organisation, actor, data: dict[str, Any]) -> Offer:
    """Add an offer to an organisation."""
    return _changed(
        record_create(
            Offer,
            data,
            actor=actor,
            office=organisation.office,
            action="directory.offer.created",
            extra={
                "organisation": organisation,
                "verified_at": timezone.now(),
                "verified_by": actor,
            },
        )
    )


@transaction.atomic
def location_create(*, office, actor, data: dict[str, Any]) -> Location:
    """Add a place where offers happen."""
    return _changed(
        record_create(
            Location,
            data,
            actor=actor,
            office=office,
            action="directory.location.created",
            extra={"office": office, "verified_at": timezone.now(), "verified_by": actor},
        )
    )


@transaction.atomic
def contact_create(*, organisation: Organisation, actor, data: dict[str, Any]) -> Contact:
    """Add a role address to an organisation."""
    return _changed(
        record_create(
            Contact,
            data,
            actor=actor,
            office=organisation.office,
            action="directory.contact.created",
            extra={"organisation": organisation},
        )
    )


@transaction.atomic
def entry_update(entry, *, data, expected_version: int, actor, office, minor: bool = False):
    """Save an edit of an organisation, offer, location or contact; raises EditConflict when
    someone saved in between."""
    return _changed(
        record_update(
            entry,
            data,
            expected_version=expected_version,
            actor=actor,
            office=office,
            action=_action(entry, "updated"),
            minor=minor,
        )
    )


@transaction.atomic
def entry_confirm(entry, *, actor, office):
    """ "Still current": the entry was checked today."""
    entry = record_set_fields(
        entry,
        {"verified_at": timezone.now(), "verified_by": actor},
        actor=actor,
        office=office,
        action=_action(entry, "confirmed"),
    )
    directory_changed(entry)  # the search ranks fresher entries first: reindex
    return entry


@transaction.atomic
def entry_archive(entry, *, archived: bool, actor, office):
    """Take an entry out of the live directory (or bring it back); nothing is deleted."""
    status = EntryStatus.ARCHIVED if archived else EntryStatus.ACTIVE
    return _changed(
        record_set_fields(
            entry,
            {"entry_status": status},
            actor=actor,
            office=office,
            action=_action(entry, "archived" if archived else "restored"),
        )
    )


def contact_delete(contact: Contact, *, actor, office) -> None:
    """Remove a role address (contacts have no public history worth keeping)."""
    with transaction.atomic():
        audit_log(action="directory.contact.deleted", actor=actor, office=office, obj=contact)
        offers = list(contact.offers.all())
        contact.delete()
        directory_changed(*offers)


def _hours_text(offer_location: OfferLocation) -> str:
    windows = [str(h) for h in offer_location.opening_hours.all()]
    exceptions = [str(e) for e in offer_location.exceptions.all()]
    flags = ["by appointment only"] if offer_location.by_appointment_only else []
    return "; ".join(flags + windows + exceptions)


def offer_location_add(
    *, offer: Offer, location: Location, actor, office, **fields
) -> OfferLocation:
    """Place an offer at a location."""
    with transaction.atomic():
        offer_location = OfferLocation.objects.create(offer=offer, location=location, **fields)
        Offer.objects.filter(pk=offer.pk).update(version=offer.version + 1)
        offer.version += 1
        audit_log(
            action="directory.offer.location_added",
            actor=actor,
            office=office,
            obj=offer,
            changes={"locations": [None, location.name]},
        )
        directory_changed(offer)
    return offer_location


def offer_location_remove(offer_location: OfferLocation, *, actor, office) -> None:
    with transaction.atomic():
        offer = offer_location.offer
        name = offer_location.location.name
        offer_location.delete()
        Offer.objects.filter(pk=offer.pk).update(version=offer.version + 1)
        offer.version += 1
        audit_log(
            action="directory.offer.location_removed",
            actor=actor,
            office=office,
            obj=offer,
            changes={"locations": [name, None]},
        )
        directory_changed(offer)


def offer_location_save_hours(
    offer_location: OfferLocation,
    *,
    settings: dict[str, Any],
    hours: list[dict[str, Any]],
    exceptions: list[dict[str, Any]],
    expected_version: int,
    actor,
    office,
) -> OfferLocation:
    """Replace the opening hours and exceptions of an offer at a location, as one edit of the
    offer (so the offer's version guards against concurrent edits)."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_location.offer_id)
        if offer.version != expected_version:
            raise EditConflict(
                offer,
                [e for e in history_for(offer) if (e.object_version or 0) > expected_version],
            )
        before = _hours_text(offer_location)
        for name, value in settings.items():
            setattr(offer_location, name, value)
        offer_location.save()
        offer_location.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(offer_location=offer_location, **row) for row in hours
        )
        offer_location.exceptions.all().delete()
        ScheduleException.objects.bulk_create(
            ScheduleException(offer_location=offer_location, **row) for row in exceptions
        )
        after = _hours_text(offer_location)
        if before != after:
            offer.version += 1
            offer.updated_at = timezone.now()
            offer.save(update_fields=["version", "updated_at"])
            audit_log(
                action="directory.offer.hours_updated",
                actor=actor,
                office=office,
                obj=offer,
                changes={f"hours: {offer_location.location.name}": [before, after]},
            )
            content_changed()
    return offer_location
