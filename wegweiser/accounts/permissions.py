"""What a membership may do, as sentences. Views call these through access functions."""

from wegweiser.accounts.models import Membership, Role

EDITING_ROLES = {Role.COORDINATOR, Role.STAFF}


def can_view_directory(membership: Membership | None) -> bool:
    return membership is not None


def can_create_organisation(membership: Membership | None) -> bool:
    return membership is not None and membership.role in EDITING_ROLES


def can_create_location(membership: Membership | None) -> bool:
    return membership is not None and membership.role in EDITING_ROLES


def can_change_organisation(membership: Membership | None, organisation) -> bool:
    """Office staff change every organisation of their office; partner editors their own."""
    if membership is None or organisation.office_id != membership.office_id:
        return False
    if membership.role in EDITING_ROLES:
        return True
    if membership.role == Role.PARTNER_EDITOR:
        return membership.organisations.filter(pk=organisation.pk).exists()
    return False


def can_change_location(membership: Membership | None, location) -> bool:
    """Office staff change every location; partner editors propose changes of the places
    their own offers use."""
    if membership is None or location.office_id != membership.office_id:
        return False
    if membership.role in EDITING_ROLES:
        return True
    if membership.role == Role.PARTNER_EDITOR:
        return location.offer_locations.filter(
            offer__organisation__in=membership.organisations.all()
        ).exists()
    return False


def can_archive_entries(membership: Membership | None) -> bool:
    return membership is not None and membership.role in EDITING_ROLES
