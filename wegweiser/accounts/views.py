"""Log-in with lockout and second factor, account settings, and the office's member list."""

import base64
import time
from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wegweiser.accounts import security
from wegweiser.accounts.forms import (
    AccountForm,
    EnrolForm,
    LockoutAuthenticationForm,
    QueuedPasswordResetForm,
    ReauthForm,
    RoleForm,
    SecondFactorForm,
)
from wegweiser.accounts.middleware import (
    AUTH_AT,
    OTP_VERIFIED,
    REAUTH_AT,
    membership_of,
    second_factor_exempt,
)
from wegweiser.accounts.models import Membership, Role, TOTPDevice
from wegweiser.core.audit import audit_log
from wegweiser.core.qr import qr_svg

# A session key name, not a secret.
SETUP_SECRET = "wegweiser_totp_setup_secret"  # noqa: S105  # nosec B105


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(request, name: str) -> str:
    nxt = request.GET.get("next") or request.POST.get("next")
    return reverse(name) + (f"?{urlencode({'next': nxt})}" if nxt else "")


@method_decorator([login_not_required, never_cache], name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # logs in with a new session id
        user = form.get_user()
        self.request.session[AUTH_AT] = time.time()
        self.request.session[OTP_VERIFIED] = False
        self.request.session.save()
        security.session_register(user, self.request.session.session_key)
        activate(user.language)
        response.set_cookie(
            "django_language",
            user.language,
            samesite="Lax",
            httponly=True,
            secure=self.request.is_secure(),
        )
        if TOTPDevice.objects.filter(user=user).exists():
            return redirect(_with_next(self.request, "accounts:verify"))
        if security.second_factor_required(user):
            return redirect(_with_next(self.request, "accounts:second_factor_setup"))
        return response


@method_decorator(second_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """Log-out deletes the server session, so a replayed cookie is worthless."""


@second_factor_exempt
@never_cache
def verify(request):
    form = SecondFactorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.session[OTP_VERIFIED] = True
        request.session[REAUTH_AT] = time.time()
        return redirect(_next_url(request, reverse("directory:dashboard")))
    return render(request, "accounts/verify.html", {"form": form})


def _qr_data_uri(uri: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(uri, scale=5)).decode()


@second_factor_exempt
@never_cache
def second_factor_setup(request):
    """Enrol an authenticator app. Replacing an existing one needs a fresh re-authentication."""
    has_device = TOTPDevice.objects.filter(user=request.user).exists()
    if has_device and not _recently_reauthenticated(request):
        return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': request.path})}")
    secret = request.session.get(SETUP_SECRET) or security.totp_new_secret()
    request.session[SETUP_SECRET] = secret
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = security.totp_device_confirm(request.user, secret, form.cleaned_data["code"])
        if codes is not None:
            del request.session[SETUP_SECRET]
            request.session[OTP_VERIFIED] = True
            return render(
                request,
                "accounts/recovery_codes.html",
                {
                    "codes": codes,
                    "next": _next_url(request, reverse("directory:dashboard")),
                },
            )
        form.add_error("code", _("This code is not valid. Check the time on your phone."))
    uri = security.totp_provisioning_uri(request.user, secret)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "secret": secret,
            "qr": _qr_data_uri(uri),
            "has_device": has_device,
        },
    )


def _recently_reauthenticated(request) -> bool:
    from django.conf import settings

    at = request.session.get(REAUTH_AT)
    return at is not None and time.time() - at < settings.REAUTH_SECONDS


def reauth_required(view):
    """Changing email, password or second factor asks for the password (and code) again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _recently_reauthenticated(request):
            return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': request.path})}")
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
def reauth(request):
    form = ReauthForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        request.session[REAUTH_AT] = time.time()
        return redirect(_next_url(request, reverse("accounts:account")))
    return render(request, "accounts/reauth.html", {"form": form})


def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        if "email" in form.changed_data and not _recently_reauthenticated(request):
            return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': request.path})}")
        changes = {
            f: [str(form.initial.get(f)), str(form.cleaned_data[f])] for f in form.changed_data
        }
        form.save()
        audit_log(
            action="accounts.user.updated", actor=request.user, obj=request.user, changes=changes
        )
        messages.success(request, _("Saved."))
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "has_device": TOTPDevice.objects.filter(user=request.user).exists(),
            "recovery_left": request.user.recovery_codes.filter(used_at__isnull=True).count(),
        },
    )


@require_POST
@reauth_required
def recovery_codes_regenerate(request):
    if not TOTPDevice.objects.filter(user=request.user).exists():
        raise Http404
    codes = security.recovery_codes_generate(request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "next": reverse("accounts:account"),
        },
    )


@method_decorator(reauth_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/simple_form.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(
            action="accounts.password.changed", actor=self.request.user, obj=self.request.user
        )
        messages.success(self.request, _("Your password was changed."))
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/simple_form.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/message.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets a new password only; logging in afterwards still asks for the second factor."""

    template_name = "accounts/simple_form.html"
    post_reset_login = False
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/message.html"


# The office's members (coordinators) ----------------------------------------------------


def _coordinator(request) -> Membership:
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if membership.role != Role.COORDINATOR:
        raise PermissionDenied
    return membership


def _member(request, pk) -> tuple[Membership, Membership]:
    me = _coordinator(request)
    member = Membership.objects.filter(office=me.office, pk=pk).select_related("user").first()
    if member is None:
        raise Http404
    return me, member


def member_list(request):
    me = _coordinator(request)
    members = list(
        Membership.objects.filter(office=me.office)
        .select_related("user", "user__totp_device")
        .order_by("user__username")
    )
    for member in members:
        member.locked = security.login_locked_until(member.user.username, None) is not None
    return render(request, "accounts/member_list.html", {"members": members, "roles": Role.choices})


@require_POST
def member_unlock(request, pk):
    me, member = _member(request, pk)
    security.user_unlock(member.user, actor=request.user, office=me.office)
    messages.success(request, _("Unlocked."))
    return redirect("accounts:member_list")


@require_POST
def member_deactivate(request, pk):
    me, member = _member(request, pk)
    if member.user == request.user:
        raise PermissionDenied
    security.user_deactivate(member.user, actor=request.user, office=me.office)
    messages.success(request, _("Deactivated; all their sessions have ended."))
    return redirect("accounts:member_list")


@require_POST
def member_role(request, pk):
    me, member = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid() or member.user == request.user:
        messages.error(request, _("This role change is not possible."))
        return redirect("accounts:member_list")
    security.membership_set_role(member, form.cleaned_data["role"], actor=request.user)
    messages.success(request, _("Role changed."))
    return redirect("accounts:member_list")
