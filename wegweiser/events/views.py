"""The public calendar: upcoming events by day with filters, an event's page, and iCalendar
downloads and feeds. Works without JavaScript; texts in the visitor's language or marked as
German."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import EmptyPage, InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wegweiser.directory.models import Organisation
from wegweiser.events import ical, queries, registrations
from wegweiser.events.forms import WHEN, EventFilterForm, RegistrationForm
from wegweiser.events.models import Event
from wegweiser.events.recurrence import BERLIN, occurrences
from wegweiser.site.cache import public_page
from wegweiser.site.filters import filter_fields

PAGE_SIZE = 40
FEED_PAST_DAYS = 31  # a feed keeps events that ended up to a month ago


def _by_day(items):
    days: list[tuple] = []
    for occurrence in items:
        if not days or days[-1][0] != occurrence.day:
            days.append((occurrence.day, []))
        days[-1][1].append(occurrence)
    return days


@login_not_required
@require_GET
@public_page
def calendar(request):
    language = get_language()
    form = EventFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    when = data.get("when") or "week"
    since, until = queries.window(when, timezone.now())
    items = queries.occurrences_between(
        queries.apply_filters(queries.public_events(), data), since, until
    )
    try:
        page = Paginator(items, PAGE_SIZE).page(request.GET.get("page") or 1)
    except (EmptyPage, InvalidPage) as exc:
        raise Http404 from exc
    return render(
        request,
        "events/calendar.html",
        {
            "form": form,
            "when": when,
            "choices": WHEN,
            "days": _by_day(queries.with_details_for(page.object_list, language)),
            "page": page,
            "filter_fields": filter_fields(form, language),
            "feed_query": request.GET.urlencode(),
        },
        status=200 if valid else 400,
    )


def _event(public_id, language) -> Event:
    return get_object_or_404(
        queries.with_details(queries.public_events(), language).prefetch_related(
            "languages", "target_groups", "co_organisers"
        ),
        public_id=public_id,
    )


@login_not_required
@require_GET
@public_page
def event_detail(request, public_id):
    language = get_language()
    event = _event(public_id, language)
    now = timezone.now()
    upcoming = occurrences(event, now, now + timedelta(days=366))[:12]
    return render(request, "events/event.html", {"event": event, "upcoming": upcoming, "now": now})


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


_ANY_ID = uuid.UUID(int=0)


def _url_for(request):
    """Absolute event URLs, reversed once per feed rather than once per event."""
    pattern = request.build_absolute_uri(reverse("events:event", kwargs={"public_id": _ANY_ID}))
    return lambda event: pattern.replace(str(_ANY_ID), str(event.public_id))


@login_not_required
@require_GET
@public_page
def event_ics(request, public_id):
    language = get_language()
    qs = queries.public_events().filter(public_id=public_id)
    entries = queries.feed_entries(qs, language)
    if not entries:
        raise Http404
    body = ical.feed(entries, language, entries[0].event.title, _url_for(request))
    return _ics_response(body, "event.ics")


@login_not_required
@require_GET
@public_page
def feed(request):
    """All events, or those of a topic, an organisation or a spoken language."""
    language = get_language()
    form = EventFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return HttpResponse(
            _("Unknown filter: %(fields)s") % {"fields": ", ".join(form.errors)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = form.cleaned_data if request.GET else {}
    qs = queries.apply_filters(queries.public_events(), data)
    organisation = request.GET.get("organisation")
    if organisation:
        try:
            qs = qs.filter(organisation=Organisation.objects.get(public_id=organisation))
        except (Organisation.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
    if data.get("when"):
        # A feed of today, this week or this month: only the series that touch it.
        since, until = queries.window(data["when"], timezone.now())
        qs = qs.filter(series_start__lt=until, series_end__gt=since)
    else:
        qs = qs.filter(series_end__gte=timezone.now() - timedelta(days=FEED_PAST_DAYS))
    body = ical.feed(
        queries.feed_entries(qs, language),
        language,
        _("Wegweiser Leipziger Osten – events"),
        _url_for(request),
    )
    return _ics_response(body, "events.ics")


def _occurrence(event: Event, stamp: str):
    """A coming, not cancelled date of the event, named by its start (YYYYMMDDTHHMM)."""
    try:
        start = datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=BERLIN)
    except ValueError as exc:
        raise Http404 from exc
    for occurrence in occurrences(event, start, start + timedelta(minutes=1)):
        if occurrence.original_start == start and not occurrence.cancelled:
            if occurrence.end < timezone.now():
                raise Http404
            return occurrence
    raise Http404


@login_not_required
@require_http_methods(["GET", "POST"])
def register(request, public_id, stamp):
    language = get_language()
    event = _event(public_id, language)
    if event.registration != Event.Registration.INTERNAL or event.status != Event.Status.SCHEDULED:
        raise Http404
    occurrence = _occurrence(event, stamp)
    form = RegistrationForm(
        request.POST or None, retention_days=settings.EVENT_REGISTRATION_RETENTION_DAYS
    )
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            return redirect("site:thanks")
        data = form.cleaned_data
        registration = registrations.register(
            event,
            occurrence.original_start,
            registrations.Registrant(
                name=data["name"],
                contact=data["contact"],
                people=data["people"],
                needs=data["needs"],
                language=language,
            ),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return render(
            request,
            "events/registered.html",
            {"event": event, "occurrence": occurrence, "registration": registration},
        )
    return render(
        request,
        "events/register.html",
        {
            "event": event,
            "occurrence": occurrence,
            "form": form,
            "places_left": registrations.places_left(event, occurrence.original_start),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def registration_cancel(request, token):
    registration = registrations.registration_for_token(token)
    if registration is None:
        return render(request, "events/registration_gone.html", status=404)
    if request.method == "POST":
        if registration.state != registration.State.CANCELLED:
            registrations.cancel(registration, base_url=request.build_absolute_uri("/").rstrip("/"))
        return render(request, "events/registration_cancelled.html", {"registration": registration})
    return render(request, "events/registration_cancel.html", {"registration": registration})
