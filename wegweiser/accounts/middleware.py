"""The user's current office membership, and the session rules every request passes."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from wegweiser.accounts.models import Membership, TOTPDevice

SESSION_KEY = "wegweiser_office"
AUTH_AT = "wegweiser_auth_at"
OTP_VERIFIED = "wegweiser_otp_verified"
REAUTH_AT = "wegweiser_reauth_at"
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


class SessionPolicyMiddleware:
    """An absolute session lifetime on top of the idle timeout (the cookie's age)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(AUTH_AT)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


def second_factor_exempt(view):
    """Mark a view as reachable before the second factor is given (set-up, verify, log-out)."""
    view.second_factor_exempt = True
    return view


class SecondFactorMiddleware:
    """Until the second factor is given, a logged-in user reaches only public pages and the
    second-factor pages; coordinators and staff without an authenticator must enrol one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.session.get(OTP_VERIFIED):
            return None
        view_class = getattr(view_func, "view_class", None)
        exempt = (
            getattr(view_func, "second_factor_exempt", False)
            or getattr(view_class, "second_factor_exempt", False)
            or getattr(view_func, "login_required", True) is False
        )
        if exempt:
            return None
        from wegweiser.accounts.security import second_factor_required

        query = urlencode({"next": request.get_full_path()})
        if TOTPDevice.objects.filter(user=request.user).exists():
            return redirect(f"{reverse('accounts:verify')}?{query}")
        if second_factor_required(request.user):
            return redirect(f"{reverse('accounts:second_factor_setup')}?{query}")
        return None
