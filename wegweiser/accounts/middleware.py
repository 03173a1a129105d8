"""The user's current office membership, looked up once per request."""

from wegweiser.accounts.models import Membership

SESSION_KEY = "wegweiser_office"
_CACHE_ATTR = "_wegweiser_membership"


def membership_of(request) -> Membership | None:
    """The membership of the office the user works in now (chosen in the session, else the
    first by name); None for anonymous users and users without an office."""
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    membership = None
    user = request.user
    if user.is_authenticated and user.is_active:
        memberships = Membership.objects.filter(user=user).select_related("office")
        chosen = request.session.get(SESSION_KEY)
        if chosen:
            membership = memberships.filter(office__public_id=chosen).first()
        if membership is None:
            membership = memberships.order_by("office__name").first()
    setattr(request, _CACHE_ATTR, membership)
    return membership
