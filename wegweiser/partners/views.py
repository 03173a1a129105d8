"""Invitations: the office's list (who has access to which organisation) and the page
behind the link in the mail."""

import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wegweiser.accounts import security
from wegweiser.accounts.middleware import AUTH_AT, OTP_VERIFIED
from wegweiser.accounts.models import Membership, Role, User
from wegweiser.accounts.permissions import EDITING_ROLES
from wegweiser.core.audit import audit_log
from wegweiser.core.mail import bounced
from wegweiser.core.records import EditConflict
from wegweiser.directory import access
from wegweiser.directory.models import Organisation
from wegweiser.partners import requests, review, services
from wegweiser.partners.forms import AcceptForm, InvitationForm, RejectForm
from wegweiser.partners.models import ChangeRequest, Invitation


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
    organisations = Organisation.objects.filter(editor_memberships__in=editors).distinct()
    emails = [m.user.email for m in editors] + [i.email for i in invitations]
    return render(
        request,
        "partners/list.html",
        {
            "form": form,
            "editors": editors,
            "invitations": invitations,
            "organisations": organisations,
            "bounced": bounced(emails),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def organisation_trust(request, public_id):
    """Let a partner's edits go live directly, or make them wait for review again."""
    membership = _office_staff(request)
    organisation = get_object_or_404(Organisation, office=membership.office, public_id=public_id)
    trusted = request.POST.get("trusted") == "1"
    if organisation.partner_trusted != trusted:
        Organisation.objects.filter(pk=organisation.pk).update(partner_trusted=trusted)
        audit_log(
            action=f"partners.organisation.{'trusted' if trusted else 'untrusted'}",
            actor=request.user,
            office=membership.office,
            obj=organisation,
            changes={"partner_trusted": [not trusted, trusted]},
        )
    if trusted:
        message = _("Edits by %(name)s now go live directly.")
    else:
        message = _("Edits by %(name)s now wait for your review.")
    messages.success(request, message % {"name": organisation.name})
    return redirect("partners_staff:list")


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


# ---------------------------------------------------------------------------------------
# Change requests


def divert(request, membership, kind: str, target, *, back: str, organisation=None):
    """For a partner editor whose changes need review: keep the valid POST as a change
    request and redirect to `back`. None for everyone who saves directly."""
    spec = requests.KINDS[kind]
    owner = spec.organisation(target)
    if not requests.needs_review(membership, owner):
        return None
    organisation = organisation or owner
    if organisation is None:  # a shared location: the first own organisation that uses it
        organisation = membership.organisations.filter(
            offers__offer_locations__location=target
        ).first()
    change_request = requests.request_submit(
        kind=kind,
        target=target,
        data=request.POST,
        membership=membership,
        organisation=organisation,
    )
    if change_request is None:
        messages.info(request, _("Nothing was changed."))
    else:
        messages.success(
            request,
            _(
                "Thank you. Your change was sent to the office and goes live once it has "
                "been checked. You will get a mail."
            ),
        )
    return redirect(back)


def _requests_for(membership):
    qs = ChangeRequest.objects.filter(office=membership.office)
    if membership.role == Role.PARTNER_EDITOR:
        return qs.filter(organisation__in=membership.organisations.all())
    if membership.role not in EDITING_ROLES:
        raise PermissionDenied
    return qs


def _change_request(request, public_id, *, decide=False):
    membership = access.require_membership(request)
    if decide and membership.role not in EDITING_ROLES:
        raise PermissionDenied
    change_request = get_object_or_404(
        _requests_for(membership).select_related("organisation", "author", "decided_by"),
        public_id=public_id,
    )
    return membership, change_request


def request_list(request):
    membership = access.require_membership(request)
    show = request.GET.get("show", "open")
    if show not in {"open", "decided"}:
        show = "open"
    qs = _requests_for(membership).select_related("organisation", "author")
    if show == "open":
        qs = qs.filter(status=ChangeRequest.Status.OPEN).order_by("created_at")
    else:
        qs = qs.exclude(status=ChangeRequest.Status.OPEN).order_by("-decided_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/request_list.html",
        {"page": page, "show": show, "kinds": requests.KINDS, "membership": membership},
    )


def _detail_context(change_request, target):
    kind = requests.KINDS[change_request.kind]
    labels = kind.labels(target, change_request.organisation)
    return {
        "change_request": change_request,
        "kind": kind,
        "target": target,
        "rows": [
            (labels.get(name, name), before, after)
            for name, (before, after) in change_request.changes.items()
        ],
        "conflicts": requests.conflicting_entries(change_request, target),
        # Removals have no form to correct.
        "correctable": target is not None
        and bool(kind.build(target, None, change_request.organisation)),
    }


def request_detail(request, public_id, *, status=200, extra=None):
    membership, change_request = _change_request(request, public_id)
    target = requests.target_of(change_request)
    context = {
        **_detail_context(change_request, target),
        "can_decide": membership.role in EDITING_ROLES,
        "can_withdraw": change_request.author_id == request.user.pk,
        "reject_form": RejectForm(),
        **(extra or {}),
    }
    return render(request, "partners/request_detail.html", context, status=status)


def _accepted(request, change_request, entry):
    messages.success(
        request,
        _("Accepted: the change is live, and %(name)s is told by mail.")
        % {"name": change_request.author.get_full_name() or change_request.author.username}
        if change_request.author
        else _("Accepted: the change is live."),
    )
    return redirect("partners_staff:requests")


@require_POST
def request_accept(request, public_id):
    membership, change_request = _change_request(request, public_id, decide=True)
    try:
        entry = requests.request_accept(change_request, actor=request.user)
    except EditConflict:
        messages.error(
            request,
            _(
                "The entry was changed after the partner loaded it. Check the changes below, "
                "then edit the request before accepting it."
            ),
        )
        return request_detail(request, public_id, status=409)
    except requests.RequestInvalid:
        messages.error(
            request,
            _("The request no longer passes the form's checks. Correct it, then accept it."),
        )
        return redirect("partners_staff:request_edit", public_id=public_id)
    except requests.EntryGone:
        messages.error(request, _("The entry no longer exists; the request can only be rejected."))
        return redirect("partners_staff:request", public_id=public_id)
    except requests.RequestDecided:
        messages.error(request, _("This request has been decided already."))
        return redirect("partners_staff:request", public_id=public_id)
    return _accepted(request, change_request, entry)


def request_edit(request, public_id):
    """Edit the partner's proposal in the usual form; saving accepts it."""
    membership, change_request = _change_request(request, public_id, decide=True)
    if change_request.status != ChangeRequest.Status.OPEN:
        messages.error(request, _("This request has been decided already."))
        return redirect("partners_staff:request", public_id=public_id)
    target = requests.target_of(change_request)
    if target is None:
        messages.error(request, _("The entry no longer exists; the request can only be rejected."))
        return redirect("partners_staff:request", public_id=public_id)
    kind = requests.KINDS[change_request.kind]
    if request.method == "POST":
        data = {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"}
    else:
        data = requests.proposal_data(change_request, target)
    context = {
        "title": _("Check the proposal: %(entry)s") % {"entry": change_request.target_repr},
        "proposal": change_request,
        "proposal_conflicts": requests.conflicting_entries(change_request, target),
    }
    status = 200
    if request.method == "POST":
        try:
            entry = requests.request_accept(change_request, actor=request.user, data=data)
        except EditConflict as conflict:
            context["conflict"] = conflict
            data = requests.with_version(data, conflict.current.version)
            status = 409
        except requests.RequestInvalid:
            status = 400
        except (requests.RequestDecided, requests.EntryGone):
            messages.error(request, _("This request has been decided already."))
            return redirect("partners_staff:request", public_id=public_id)
        else:
            return _accepted(request, change_request, entry)
    forms_ = requests.bound_forms(change_request, target, data)
    for form in forms_:
        form.is_valid()
    if kind.template == "directory/hours_form.html":
        context.update(
            settings_form=forms_[0],
            hours=forms_[1],
            exceptions=forms_[2],
            offer_location=target,
            offer=target.offer,
        )
    elif forms_:
        context["form"] = forms_[0]
    else:
        return redirect("partners_staff:request", public_id=public_id)
    return render(request, kind.template, context, status=status)


@require_POST
def request_reject(request, public_id):
    membership, change_request = _change_request(request, public_id, decide=True)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return request_detail(request, public_id, status=400, extra={"reject_form": form})
    try:
        requests.request_reject(
            change_request, actor=request.user, reply=form.cleaned_data["reply"]
        )
    except requests.RequestDecided:
        messages.error(request, _("This request has been decided already."))
        return redirect("partners_staff:request", public_id=public_id)
    messages.success(request, _("Rejected; the partner is told by mail with your message."))
    return redirect("partners_staff:requests")


@require_POST
def request_withdraw(request, public_id):
    membership, change_request = _change_request(request, public_id)
    if change_request.author_id != request.user.pk:
        raise PermissionDenied
    try:
        requests.request_withdraw(change_request, actor=request.user)
    except requests.RequestDecided:
        messages.error(request, _("This request has been decided already."))
        return redirect("partners_staff:request", public_id=public_id)
    messages.success(request, _("Your request was withdrawn."))
    return redirect("partners_staff:requests")


# ---------------------------------------------------------------------------------------
# "Still current" links from review reminders


@login_not_required
@require_http_methods(["GET", "POST"])
def review_confirm(request, token):
    """One button confirms the entry; no log-in needed. (A GET changes nothing, so mail
    scanners that open links cannot confirm on the partner's behalf.)"""
    try:
        entry, membership, due = review.entry_for_token(token)
    except review.LinkExpired:
        return render(request, "partners/review_link.html", {"state": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "partners/review_link.html", {"state": "invalid"}, status=404)
    with translation.override(membership.user.language):
        kind = review.kind_of(entry)
        context = {
            "entry": entry,
            "state": "due" if due else "done",
            "change_url": reverse(review.KINDS[kind][1], args=[entry.public_id]),
        }
        if request.method == "POST" and due:
            entry = review.confirm_by_link(entry, membership)
            context.update(entry=entry, state="confirmed")
        return render(request, "partners/review_link.html", context)
