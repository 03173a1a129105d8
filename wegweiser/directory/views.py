"""The staff directory: lists, entry pages, one coherent edit flow, history, review."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wegweiser.accounts.middleware import SESSION_KEY
from wegweiser.accounts.models import Membership, Role
from wegweiser.accounts.permissions import (
    EDITING_ROLES,
    can_archive_entries,
    can_change_location,
    can_change_organisation,
    can_create_location,
    can_create_organisation,
)
from wegweiser.core.audit import history_for
from wegweiser.core.mail import bounced
from wegweiser.core.models import AuditEntry
from wegweiser.core.views import versioned_save
from wegweiser.directory import access, queries, services
from wegweiser.directory.forms import (
    ContactForm,
    EntryFilterForm,
    LocationForm,
    OfferFilterForm,
    OfferForm,
    OfferLocationForm,
    OfferLocationSettingsForm,
    OpeningHoursFormSet,
    OrganisationFilterForm,
    OrganisationForm,
    ScheduleExceptionFormSet,
)
from wegweiser.partners import review
from wegweiser.partners.models import ChangeRequest, ReviewReminder
from wegweiser.partners.requests import needs_review, without_files
from wegweiser.partners.views import divert
from wegweiser.site.models import Feedback

PAGE_SIZE = 50


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _save_edit(request, form, entry, membership, template, context, back):
    """Save an edit form, or re-show it with what others changed meanwhile (HTTP 409); a
    partner's edit that needs review becomes a change request instead."""
    kind = f"{entry._meta.model_name}.update"
    if diverted := divert(request, membership, kind, entry, back=back):
        return diverted

    def save(form):
        services.entry_update(
            entry,
            data=form.model_data(),
            expected_version=form.loaded_version(),
            actor=request.user,
            office=membership.office,
            minor=form.cleaned_data.get("minor_change", False),
        )

    return versioned_save(request, form, save, template, context)


def dashboard(request):
    """The start page: the work waiting (change requests, residents' messages, entries due
    for review, partners who stopped logging in) and the latest changes."""
    membership = access.require_membership(request)
    offers = access.offers_for(membership).live()
    staff = membership.role in EDITING_ROLES
    partner = membership.role == Role.PARTNER_EDITOR
    context = {
        "membership": membership,
        "organisation_count": access.organisations_for(membership).live().count(),
        "offer_count": offers.count(),
        "stale_count": offers.stale().count(),
        "location_count": access.locations_for(membership).live().count(),
        "recent": AuditEntry.objects.filter(office=membership.office).select_related("actor")[:15],
    }
    if staff or partner:
        requests_qs = ChangeRequest.objects.filter(office=membership.office, status="open")
        if partner:
            requests_qs = requests_qs.filter(organisation__in=membership.organisations.all())
        due = review.due_by_organisation(
            membership.office, membership.organisations.all() if partner else None
        )
        context.update(
            open_requests=requests_qs.select_related("organisation", "author").order_by(
                "created_at"
            )[:8],
            open_request_count=requests_qs.count(),
            due=[(org, len(entries)) for org, entries in due.items()][:10],
            due_count=sum(len(entries) for entries in due.values()),
        )
    if staff:
        feedback = Feedback.objects.filter(handled_at__isnull=True).select_related("offer")
        year_ago = timezone.now() - timedelta(days=365)
        dormant = (
            Membership.objects.filter(
                office=membership.office,
                role=Role.PARTNER_EDITOR,
                user__is_active=True,
                created_at__lt=year_ago,
            )
            .filter(Q(user__last_login__lt=year_ago) | Q(user__last_login__isnull=True))
            .select_related("user")
            .prefetch_related("organisations")
        )
        emails = Membership.objects.filter(
            office=membership.office, role=Role.PARTNER_EDITOR
        ).values_list("user__email", flat=True)
        context.update(
            feedback=feedback[:8],
            feedback_count=feedback.count(),
            dormant=dormant,
            bounced=sorted(bounced(emails)),
        )
    return render(request, "directory/dashboard.html", context)


def review_list(request):
    """Entries that are stale or due soon, by organisation, with the last reminder sent."""
    membership = access.require_membership(request)
    organisations = access.organisations_for(membership)
    partner = membership.role == Role.PARTNER_EDITOR
    groups = review.due_by_organisation(membership.office, organisations if partner else None)
    entries = [e for group in groups.values() for e in group]
    last_sent = (
        ReviewReminder.objects.filter(entry_id__in=[e.pk for e in entries])
        .order_by()
        .values_list("entry_type", "entry_id")
        .annotate(last=Max("sent_at"))
    )
    reminded = {(kind, pk): last for kind, pk, last in last_sent}
    rows = [
        (
            organisation,
            [
                {
                    "entry": e,
                    "kind": review.kind_of(e),
                    "reminded": reminded.get((review.kind_of(e), e.pk)),
                }
                for e in group
            ],
        )
        for organisation, group in groups.items()
    ]
    return render(
        request,
        "directory/review_list.html",
        {
            "groups": rows,
            "locations": [] if partner else review.due_locations(membership.office),
            "now": timezone.now(),
            "can_confirm": membership.role in EDITING_ROLES or partner,
        },
    )


def organisation_list(request):
    membership = access.require_membership(request)
    form = OrganisationFilterForm(request.GET or None)
    qs = access.organisations_for(membership)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, queries.organisations_filtered(qs, filters))
    return render(
        request,
        "directory/organisation_list.html",
        {
            "form": form,
            "page": page,
            "can_create": can_create_organisation(membership),
        },
    )


def organisation_create(request):
    membership = access.require_membership(request)
    if not can_create_organisation(membership):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, request.FILES or None, office=membership.office)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(
            office=membership.office, actor=request.user, data=form.model_data()
        )
        messages.success(request, _("Organisation created. Now add its offers and contacts."))
        return redirect("directory:organisation_detail", public_id=organisation.public_id)
    return render(
        request, "directory/entry_form.html", {"form": form, "title": _("New organisation")}
    )


def organisation_detail(request, public_id):
    membership = access.require_membership(request)
    organisation = access.organisation_for_user(request, public_id)
    can_change = can_change_organisation(membership, organisation)
    pending = organisation.change_requests.filter(status="open").order_by("created_at")
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "organisation": organisation,
            "offers": organisation.offers.order_by("entry_status", "name"),
            "contacts": organisation.contacts.prefetch_related("languages"),
            "history": history_for(organisation)[:50],
            "pending": pending if can_change else [],
            "can_change": can_change,
            "can_archive": can_archive_entries(membership),
        },
    )


def organisation_edit(request, public_id):
    membership = access.require_membership(request)
    organisation = access.organisation_for_user(request, public_id, change=True)
    form = OrganisationForm(
        request.POST or None,
        request.FILES or None,
        instance=organisation,
        office=membership.office,
    )
    if needs_review(membership, organisation):
        without_files(form)
    context = {"title": organisation.name, "entry": organisation}
    if request.method == "POST" and form.is_valid():
        response = _save_edit(
            request,
            form,
            organisation,
            membership,
            "directory/entry_form.html",
            context,
            reverse("directory:organisation_detail", args=[public_id]),
        )
        if response is None:
            return redirect("directory:organisation_detail", public_id=public_id)
        return response
    return render(request, "directory/entry_form.html", {**context, "form": form})


def offer_list(request):
    membership = access.require_membership(request)
    organisations = access.organisations_for(membership)
    form = OfferFilterForm(request.GET or None, organisations=organisations)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, queries.offers_filtered(access.offers_for(membership), filters))
    return render(request, "directory/offer_list.html", {"form": form, "page": page})


def offer_create(request, public_id):
    membership = access.require_membership(request)
    organisation = access.organisation_for_user(request, public_id, change=True)
    form = OfferForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        if diverted := divert(
            request,
            membership,
            "offer.create",
            organisation,
            back=reverse("directory:organisation_detail", args=[public_id]),
        ):
            return diverted
        offer = services.offer_create(
            organisation=organisation, actor=request.user, data=form.model_data()
        )
        messages.success(request, _("Offer created. Now add where and when it takes place."))
        return redirect("directory:offer_detail", public_id=offer.public_id)
    return render(
        request,
        "directory/entry_form.html",
        {
            "form": form,
            "title": _("New offer of %(name)s") % {"name": organisation.name},
            "membership": membership,
        },
    )


def offer_detail(request, public_id):
    membership = access.require_membership(request)
    offer = access.offer_for_user(request, public_id)
    offer_locations = offer.offer_locations.select_related("location").prefetch_related(
        "opening_hours", "exceptions"
    )
    return render(
        request,
        "directory/offer_detail.html",
        {
            "offer": offer,
            "offer_locations": offer_locations,
            "history": history_for(offer)[:50],
            "can_change": can_change_organisation(membership, offer.organisation),
            "can_archive": can_archive_entries(membership),
        },
    )


def offer_edit(request, public_id):
    membership = access.require_membership(request)
    offer = access.offer_for_user(request, public_id, change=True)
    form = OfferForm(request.POST or None, instance=offer, organisation=offer.organisation)
    context = {"title": offer.name, "entry": offer}
    if request.method == "POST" and form.is_valid():
        response = _save_edit(
            request,
            form,
            offer,
            membership,
            "directory/entry_form.html",
            context,
            reverse("directory:offer_detail", args=[public_id]),
        )
        if response is None:
            return redirect("directory:offer_detail", public_id=public_id)
        return response
    return render(request, "directory/entry_form.html", {**context, "form": form})


def offer_location_add(request, public_id):
    membership = access.require_membership(request)
    offer = access.offer_for_user(request, public_id, change=True)
    locations = access.locations_for(membership).exclude(offer_locations__offer=offer)
    form = OfferLocationForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        if diverted := divert(
            request,
            membership,
            "offer_location.add",
            offer,
            back=reverse("directory:offer_detail", args=[public_id]),
        ):
            return diverted
        offer_location = services.offer_location_add(
            offer=offer,
            location=form.cleaned_data["location"],
            actor=request.user,
            office=membership.office,
            by_appointment_only=form.cleaned_data["by_appointment_only"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Location added. Now enter the opening hours."))
        return redirect("directory:offer_location_hours", public_id=offer_location.public_id)
    return render(
        request,
        "directory/entry_form.html",
        {
            "form": form,
            "title": _("Where does %(name)s take place?") % {"name": offer.name},
        },
    )


def offer_location_hours(request, public_id):
    membership = access.require_membership(request)
    offer_location = access.offer_location_for_user(request, public_id, change=True)
    offer = offer_location.offer
    data = request.POST if request.method == "POST" else None
    settings_form = OfferLocationSettingsForm(
        data, instance=offer_location, initial={"version": offer.version}
    )
    hours = OpeningHoursFormSet(data, prefix="hours", queryset=offer_location.opening_hours.all())
    exceptions = ScheduleExceptionFormSet(
        data, prefix="exceptions", queryset=offer_location.exceptions.all()
    )
    context = {
        "offer_location": offer_location,
        "offer": offer,
        "settings_form": settings_form,
        "hours": hours,
        "exceptions": exceptions,
    }
    if data is not None and all(f.is_valid() for f in (settings_form, hours, exceptions)):
        if diverted := divert(
            request,
            membership,
            "hours",
            offer_location,
            back=reverse("directory:offer_detail", args=[offer.public_id]),
        ):
            return diverted
        try:
            services.offer_location_save_hours(
                offer_location,
                settings={
                    k: settings_form.cleaned_data[k] for k in ("by_appointment_only", "note")
                },
                hours=hours.rows(),
                exceptions=exceptions.rows(),
                expected_version=settings_form.cleaned_data["version"],
                actor=request.user,
                office=membership.office,
            )
        except services.EditConflict as conflict:
            context["conflict"] = conflict
            return render(request, "directory/hours_form.html", context, status=409)
        messages.success(request, _("Opening hours saved."))
        return redirect("directory:offer_detail", public_id=offer.public_id)
    return render(request, "directory/hours_form.html", context)


@require_POST
def offer_location_remove(request, public_id):
    membership = access.require_membership(request)
    offer_location = access.offer_location_for_user(request, public_id, change=True)
    offer = offer_location.offer
    if diverted := divert(
        request,
        membership,
        "offer_location.remove",
        offer_location,
        back=reverse("directory:offer_detail", args=[offer.public_id]),
    ):
        return diverted
    services.offer_location_remove(offer_location, actor=request.user, office=membership.office)
    messages.success(request, _("Location removed from the offer."))
    return redirect("directory:offer_detail", public_id=offer.public_id)


def location_list(request):
    membership = access.require_membership(request)
    form = EntryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, queries.locations_filtered(access.locations_for(membership), filters))
    return render(
        request,
        "directory/location_list.html",
        {
            "form": form,
            "page": page,
            "can_create": can_create_location(membership),
        },
    )


def location_create(request):
    membership = access.require_membership(request)
    if not can_create_location(membership):
        raise PermissionDenied
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        location = services.location_create(
            office=membership.office, actor=request.user, data=form.model_data()
        )
        messages.success(request, _("Location created."))
        return redirect("directory:location_detail", public_id=location.public_id)
    return render(request, "directory/entry_form.html", {"form": form, "title": _("New location")})


def location_detail(request, public_id):
    membership = access.require_membership(request)
    location = access.location_for_user(request, public_id)
    offer_locations = location.offer_locations.filter(
        offer__in=access.offers_for(membership)
    ).select_related("offer__organisation")
    return render(
        request,
        "directory/location_detail.html",
        {
            "location": location,
            "offer_locations": offer_locations,
            "history": history_for(location)[:50],
            "can_change": can_change_location(membership, location),
            "can_archive": can_archive_entries(membership),
        },
    )


def location_edit(request, public_id):
    membership = access.require_membership(request)
    location = access.location_for_user(request, public_id, change=True)
    form = LocationForm(request.POST or None, instance=location)
    context = {"title": location.name, "entry": location}
    if request.method == "POST" and form.is_valid():
        response = _save_edit(
            request,
            form,
            location,
            membership,
            "directory/entry_form.html",
            context,
            reverse("directory:location_detail", args=[public_id]),
        )
        if response is None:
            return redirect("directory:location_detail", public_id=public_id)
        return response
    return render(request, "directory/entry_form.html", {**context, "form": form})


def contact_create(request, public_id):
    membership = access.require_membership(request)
    organisation = access.organisation_for_user(request, public_id, change=True)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if diverted := divert(
            request,
            membership,
            "contact.create",
            organisation,
            back=reverse("directory:organisation_detail", args=[public_id]),
        ):
            return diverted
        services.contact_create(
            organisation=organisation, actor=request.user, data=form.model_data()
        )
        messages.success(request, _("Contact added."))
        return redirect("directory:organisation_detail", public_id=public_id)
    return render(
        request,
        "directory/entry_form.html",
        {
            "form": form,
            "title": _("New contact of %(name)s") % {"name": organisation.name},
        },
    )


def contact_edit(request, public_id):
    membership = access.require_membership(request)
    contact = access.contact_for_user(request, public_id, change=True)
    form = ContactForm(request.POST or None, instance=contact)
    context = {"title": contact.role, "entry": contact}
    if request.method == "POST" and form.is_valid():
        response = _save_edit(
            request,
            form,
            contact,
            membership,
            "directory/entry_form.html",
            context,
            reverse("directory:organisation_detail", args=[contact.organisation.public_id]),
        )
        if response is None:
            return redirect(
                "directory:organisation_detail", public_id=contact.organisation.public_id
            )
        return response
    return render(request, "directory/entry_form.html", {**context, "form": form})


@require_POST
def contact_delete(request, public_id):
    membership = access.require_membership(request)
    contact = access.contact_for_user(request, public_id, change=True)
    organisation = contact.organisation
    if diverted := divert(
        request,
        membership,
        "contact.delete",
        contact,
        back=reverse("directory:organisation_detail", args=[organisation.public_id]),
    ):
        return diverted
    services.contact_delete(contact, actor=request.user, office=membership.office)
    messages.success(request, _("Contact removed."))
    return redirect("directory:organisation_detail", public_id=organisation.public_id)


_ENTRY_ACCESS = {
    "organisations": (access.organisation_for_user, "directory:organisation_detail"),
    "offers": (access.offer_for_user, "directory:offer_detail"),
    "locations": (access.location_for_user, "directory:location_detail"),
}


def _entry(request, kind, public_id):
    if kind not in _ENTRY_ACCESS:
        raise Http404
    get, detail = _ENTRY_ACCESS[kind]
    return get(request, public_id, change=True), detail


@require_POST
def entry_confirm(request, kind, public_id):
    """ "Still current" in one click."""
    membership = access.require_membership(request)
    entry, detail = _entry(request, kind, public_id)
    services.entry_confirm(entry, actor=request.user, office=membership.office)
    messages.success(
        request,
        _("Confirmed as current on %(date)s.")
        % {"date": timezone.localdate().strftime("%d.%m.%Y")},
    )
    return redirect(detail, public_id=public_id)


@require_POST
def entry_archive(request, kind, public_id):
    membership = access.require_membership(request)
    entry, detail = _entry(request, kind, public_id)
    if not can_archive_entries(membership):
        raise PermissionDenied
    archive = request.POST.get("action") != "restore"
    services.entry_archive(entry, archived=archive, actor=request.user, office=membership.office)
    messages.success(request, _("Archived.") if archive else _("Restored."))
    return redirect(detail, public_id=public_id)


@require_POST
def office_switch(request):
    try:
        office_id = uuid.UUID(request.POST.get("office", ""))
    except ValueError as exc:
        raise Http404 from exc
    membership = get_object_or_404(Membership, user=request.user, office__public_id=office_id)
    request.session[SESSION_KEY] = str(membership.office.public_id)
    return redirect("directory:dashboard")
