"""The one way views read directory records: scoped to the user's office (foreign records
answer 404) and checked against the membership's rights (403 where seen but not allowed)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.models import Membership, Role
from wegweiser.accounts.permissions import (
    can_change_location,
    can_change_organisation,
)
from wegweiser.directory.models import Contact, Location, Offer, OfferLocation, Organisation


def require_membership(request) -> Membership:
    membership = membership_of(request)
    if membership is None:
        raise Http404("no office")
    return membership


def organisations_for(membership: Membership) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(office=membership.office)
    if membership.role == Role.PARTNER_EDITOR:
        qs = qs.filter(editor_memberships=membership)
    return qs


def offers_for(membership: Membership) -> QuerySet[Offer]:
    return Offer.objects.filter(organisation__in=organisations_for(membership))


def locations_for(membership: Membership) -> QuerySet[Location]:
    qs = Location.objects.filter(office=membership.office)
    if membership.role == Role.PARTNER_EDITOR:
        used = OfferLocation.objects.filter(offer__in=offers_for(membership))
        qs = qs.filter(pk__in=used.values("location_id"))
    return qs


def _get(qs: QuerySet, public_id):
    try:
        return qs.get(public_id=public_id)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def organisation_for_user(request, public_id, *, change: bool = False) -> Organisation:
    membership = require_membership(request)
    organisation = _get(organisations_for(membership), public_id)
    if change and not can_change_organisation(membership, organisation):
        raise PermissionDenied
    return organisation


def offer_for_user(request, public_id, *, change: bool = False) -> Offer:
    membership = require_membership(request)
    offer = _get(offers_for(membership).select_related("organisation"), public_id)
    if change and not can_change_organisation(membership, offer.organisation):
        raise PermissionDenied
    return offer


def location_for_user(request, public_id, *, change: bool = False) -> Location:
    membership = require_membership(request)
    location = _get(locations_for(membership), public_id)
    if change and not can_change_location(membership, location):
        raise PermissionDenied
    return location


def offer_location_for_user(request, public_id, *, change: bool = False) -> OfferLocation:
    membership = require_membership(request)
    qs = OfferLocation.objects.filter(offer__in=offers_for(membership)).select_related(
        "offer__organisation", "location"
    )
    offer_location = _get(qs, public_id)
    if change and not can_change_organisation(membership, offer_location.offer.organisation):
        raise PermissionDenied
    return offer_location


def contact_for_user(request, public_id, *, change: bool = False) -> Contact:
    membership = require_membership(request)
    qs = Contact.objects.filter(organisation__in=organisations_for(membership))
    contact = _get(qs.select_related("organisation"), public_id)
    if change and not can_change_organisation(membership, contact.organisation):
        raise PermissionDenied
    return contact
