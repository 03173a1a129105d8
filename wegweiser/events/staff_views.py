"""The office's and partners' side of the calendar: list, create, edit, duplicate, archive,
and change or cancel single dates. Partner editors see and change only the events of their
own organisations (others answer 404), like every directory record."""

import csv
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from wegweiser.accounts.models import Role
from wegweiser.accounts.permissions import EDITING_ROLES, can_change_organisation
from wegweiser.core.audit import audit_log, history_for
from wegweiser.core.crypto import decrypt
from wegweiser.core.views import versioned_save
from wegweiser.directory import access
from wegweiser.events import importer, services
from wegweiser.events.forms import EventForm, ImportForm, OccurrenceChangeForm
from wegweiser.events.models import Event, EventFeed, OccurrenceChange
from wegweiser.events.recurrence import BERLIN, occurrences, series_starts
from wegweiser.partners.requests import needs_review, without_files
from wegweiser.partners.views import divert

PAGE_SIZE = 50


def _events_for(membership):
    return Event.objects.filter(organisation__in=access.organisations_for(membership))


def _event_for_user(request, public_id, *, change=False, direct=False) -> Event:
    """`direct`: a change that cannot wait as a change request (duplicate, archive, single
    dates), so partners whose edits need review may not make it."""
    membership = access.require_membership(request)
    try:
        event = _events_for(membership).select_related("organisation").get(public_id=public_id)
    except (Event.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if change and not can_change_organisation(membership, event.organisation):
        raise PermissionDenied
    if direct and needs_review(membership, event.organisation):
        raise PermissionDenied
    return event


def _may_create(membership) -> bool:
    return membership.role in EDITING_ROLES or membership.role == Role.PARTNER_EDITOR


def event_list(request):
    membership = access.require_membership(request)
    show = request.GET.get("show", "coming")
    qs = _events_for(membership).select_related("organisation")
    if show == "coming":
        qs = qs.filter(series_end__gte=timezone.now(), entry_status="active")
    elif show == "archived":
        qs = qs.filter(entry_status="archived")
    page = Paginator(qs.order_by("series_start", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/staff/event_list.html",
        {"page": page, "show": show, "can_create": _may_create(membership)},
    )


def _form(request, membership, instance=None):
    return EventForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        organisations=access.organisations_for(membership).live(),
        office=membership.office,
    )


def event_create(request):
    membership = access.require_membership(request)
    if not _may_create(membership):
        raise PermissionDenied
    form = _form(request, membership)
    if membership.role == Role.PARTNER_EDITOR:
        without_files(form)
    if request.method == "POST" and form.is_valid():
        if diverted := divert(
            request,
            membership,
            "event.create",
            form.cleaned_data["organisation"],
            back=reverse("events_staff:list"),
        ):
            return diverted
        event = services.event_create(
            office=membership.office,
            actor=request.user,
            data=form.model_data(),
            extra=form.cleaned_data["extra_dates"],
            exceptions=form.cleaned_data["exception_dates"],
        )
        messages.success(request, _("Event created."))
        return redirect("events_staff:detail", public_id=event.public_id)
    return render(request, "directory/entry_form.html", {"form": form, "title": _("New event")})


def event_detail(request, public_id):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id)
    now = timezone.now()
    return render(
        request,
        "events/staff/event_detail.html",
        {
            "event": event,
            "coming": occurrences(event, now, event.series_end or now)[:60],
            "history": history_for(event)[:50],
            "can_change": can_change_organisation(membership, event.organisation),
            "needs_review": needs_review(membership, event.organisation),
        },
    )


def event_edit(request, public_id):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True)
    form = _form(request, membership, instance=event)
    if needs_review(membership, event.organisation):
        without_files(form)
    context = {"title": event.title, "entry": event}
    if request.method == "POST" and form.is_valid():
        if diverted := divert(
            request,
            membership,
            "event.update",
            event,
            back=reverse("events_staff:detail", args=[public_id]),
        ):
            return diverted

        def save(form):
            services.event_update(
                event,
                data=form.model_data(),
                expected_version=form.loaded_version(),
                actor=request.user,
                office=membership.office,
                extra=form.cleaned_data["extra_dates"],
                exceptions=form.cleaned_data["exception_dates"],
                minor=form.cleaned_data.get("minor_change", False),
            )

        response = versioned_save(request, form, save, "directory/entry_form.html", context)
        if response is None:
            return redirect("events_staff:detail", public_id=public_id)
        return response
    return render(request, "directory/entry_form.html", {**context, "form": form})


@require_POST
def event_duplicate(request, public_id):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True, direct=True)
    copy = services.event_duplicate(event, actor=request.user, office=membership.office)
    messages.success(request, _("Copy made. Change its date and details."))
    return redirect("events_staff:edit", public_id=copy.public_id)


@require_POST
def event_archive(request, public_id):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True, direct=True)
    archived = request.POST.get("archived", "1") == "1"
    services.event_archive(event, archived=archived, actor=request.user, office=membership.office)
    messages.success(request, _("Archived.") if archived else _("Restored."))
    return redirect("events_staff:detail", public_id=public_id)


def _original_start(event: Event, stamp: str) -> datetime:
    """An occurrence named in a URL by its start (YYYYMMDDTHHMM, Berlin time)."""
    try:
        start = datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=BERLIN)
    except ValueError as exc:
        raise Http404 from exc
    if start not in series_starts(event, start, start):
        raise Http404
    return start


def occurrence_edit(request, public_id, stamp):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True, direct=True)
    original = _original_start(event, stamp)
    existing = OccurrenceChange.objects.filter(event=event, original_start=original).first()
    form = OccurrenceChangeForm(
        request.POST or None,
        instance=existing or OccurrenceChange(event=event, original_start=original),
        event=event,
        original_start=original,
    )
    if request.method == "POST" and request.POST.get("restore"):
        services.occurrence_restore(event, original, actor=request.user, office=membership.office)
        messages.success(request, _("The date is back as in the series."))
        return redirect("events_staff:detail", public_id=public_id)
    if request.method == "POST" and form.is_valid():
        services.occurrence_change(
            event, form.save(commit=False), actor=request.user, office=membership.office
        )
        messages.success(request, _("Saved."))
        return redirect("events_staff:detail", public_id=public_id)
    return render(
        request,
        "events/staff/occurrence_form.html",
        {"event": event, "original": original, "form": form, "existing": existing},
    )


def _registration_rows(event: Event):
    rows = []
    for registration in event.registrations.order_by("occurrence_start", "created_at", "id"):
        rows.append(
            {
                "date": registration.occurrence_start,
                "state": registration.get_state_display(),
                "people": registration.people,
                "name": decrypt(registration.name_encrypted),
                "contact": decrypt(registration.contact_encrypted),
                "needs": decrypt(registration.needs_encrypted)
                if registration.needs_encrypted
                else "",
                "registered": registration.created_at,
            }
        )
    return rows


def registration_list(request, public_id):
    """Who registered, per date. Registrants' data is personal: every read is logged."""
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True)
    rows = _registration_rows(event)
    audit_log(
        action="events.registrations.viewed",
        actor=request.user,
        office=membership.office,
        obj=event,
    )
    return render(request, "events/staff/registrations.html", {"event": event, "rows": rows})


def registration_export(request, public_id):
    membership = access.require_membership(request)
    event = _event_for_user(request, public_id, change=True)
    rows = _registration_rows(event)
    audit_log(
        action="events.registrations.exported",
        actor=request.user,
        office=membership.office,
        obj=event,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registrations-{event.public_id}.csv"'
    response.write("\ufeff")  # spreadsheet programs then read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("date"),
            pgettext("registration", "state"),
            _("people"),
            _("name"),
            _("contact"),
            _("needs"),
            _("registered"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                timezone.localtime(row["date"]).strftime("%Y-%m-%d %H:%M"),
                row["state"],
                row["people"],
                *(_spreadsheet_safe(row[k]) for k in ("name", "contact", "needs")),
                timezone.localtime(row["registered"]).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return response


def _spreadsheet_safe(value: str) -> str:
    """No formula injection: a cell starting with = + - @ is written as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def feed_list(request):
    """Import a calendar file or subscribe to a feed; the feeds and their last reports."""
    membership = access.require_membership(request)
    if not _may_create(membership):
        raise PermissionDenied
    organisations = access.organisations_for(membership).live()
    form = ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    report = refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        feed = EventFeed(
            office=membership.office,
            organisation=data["organisation"],
            category=data["category"],
            url=data["url"] or "",
            subscribed=bool(data["url"]) and data["subscribed"],
        )
        try:
            with transaction.atomic():
                feed.save()
                body = (
                    data["file"].read(importer.MAX_BYTES + 1)
                    if data["file"]
                    else importer.fetch(feed.url)
                )
                report = importer.import_calendar(body, feed, actor=request.user)
        except importer.ImportRefused as error:
            refused = error.problems
    feeds = EventFeed.objects.filter(organisation__in=organisations).select_related("organisation")
    return render(
        request,
        "events/staff/feeds.html",
        {"form": form, "feeds": feeds, "report": report, "refused": refused},
        status=400 if refused else 200,
    )


@require_POST
def feed_refresh(request, pk):
    membership = access.require_membership(request)
    organisations = access.organisations_for(membership)
    feed = EventFeed.objects.filter(organisation__in=organisations, pk=pk).exclude(url="").first()
    if feed is None:
        raise Http404
    if not can_change_organisation(membership, feed.organisation):
        raise PermissionDenied
    try:
        report = importer.refresh_feed(feed)
        messages.success(
            request,
            _("Feed fetched: %(created)s new, %(updated)s changed, %(cancelled)s cancelled.")
            % {k: len(v) for k, v in report.as_dict().items()},
        )
    except importer.ImportRefused as error:
        messages.error(
            request,
            _("The feed was not imported: %(why)s") % {"why": "; ".join(error.problems[:5])},
        )
    return redirect("events_staff:feeds")
