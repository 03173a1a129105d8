"""Invitations: the office's list (who has access to which organisation) and the page
behind the link in the mail."""

import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wegweiser.accounts import security
from wegweiser.accounts.middleware import AUTH_AT, OTP_VERIFIED
from wegweiser.accounts.models import Membership, Role, User
from wegweiser.accounts.permissions import EDITING_ROLES
from wegweiser.directory import access
from wegweiser.partners import services
from wegweiser.partners.forms import AcceptForm, InvitationForm
from wegweiser.partners.models import Invitation


def _office_staff(request) -> Membership:
    membership = access.require_membership(request)
    if membership.role not in EDITING_ROLES:
        raise PermissionDenied
    return membership


def partner_list(request):
    membership = _office_staff(request)
    form = InvitationForm(request.POST or None, office=membership.office)
    if request.method == "POST":
        if form.is_valid():
            services.invitation_create(
                office=membership.office, actor=request.user, **form.cleaned_data
            )
            messages.success(request, _("The invitation was sent."))
            return redirect("partners_staff:list")
    editors = (
        Membership.objects.filter(office=membership.office, role=Role.PARTNER_EDITOR)
        .select_related("user")
        .prefetch_related("organisations")
        .order_by("user__username")
    )
    invitations = Invitation.objects.filter(office=membership.office).select_related(
        "organisation", "accepted_by"
    )
    return render(
        request,
        "partners/list.html",
        {"form": form, "editors": editors, "invitations": invitations},
        status=400 if request.method == "POST" else 200,
    )


def _invitation(membership, pk) -> Invitation:
    return get_object_or_404(Invitation, pk=pk, office=membership.office)


def _change_open_invitation(request, pk, change, done: str):
    """Resend or withdraw an invitation that has not been accepted yet."""
    invitation = _invitation(_office_staff(request), pk)
    if invitation.accepted_at:
        messages.error(request, _("This invitation has been accepted already."))
    else:
        change(invitation, actor=request.user)
        messages.success(request, done)
    return redirect("partners_staff:list")


@require_POST
def invitation_resend(request, pk):
    return _change_open_invitation(
        request,
        pk,
        services.invitation_resend,
        _("A new link was sent; the old one no longer works."),
    )


@require_POST
def invitation_revoke(request, pk):
    return _change_open_invitation(
        request,
        pk,
        services.invitation_revoke,
        _("The invitation was withdrawn; its link no longer works."),
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "partners/invalid.html", status=404)
    if request.user.is_authenticated:  # the account's own language
        return _accept(request, invitation)
    with translation.override(invitation.language):
        return _accept(request, invitation)


def _accept(request, invitation):
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    if request.user.is_authenticated:
        if request.method == "POST":
            services.invitation_accept(invitation, user=request.user)
            messages.success(
                request,
                _("You can now edit the entries of %(organisation)s.")
                % {"organisation": invitation.organisation.name},
            )
            return redirect("directory:dashboard")
        return render(request, "partners/accept.html", {"invitation": invitation})
    if existing:
        login_url = reverse("accounts:login") + "?next=" + request.path
        return render(
            request, "partners/accept.html", {"invitation": invitation, "login_url": login_url}
        )
    form = AcceptForm(
        request.POST or None,
        email=invitation.email,
        initial={"username": invitation.email.split("@")[0]},
    )
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(
            invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[AUTH_AT] = time.time()
        request.session[OTP_VERIFIED] = False
        request.session.save()
        security.session_register(user, request.session.session_key)
        messages.success(
            request,
            _("Welcome. You can add a second factor to your account here, which we recommend."),
        )
        return redirect("accounts:account")
    return render(
        request,
        "partners/accept.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )
