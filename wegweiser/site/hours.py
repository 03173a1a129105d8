"""Opening status in Europe/Berlin: open now (until when), or when it opens next."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from wegweiser.directory.models import OfferLocation, OpeningHours, ScheduleException


@dataclass(frozen=True)
class Status:
    state: str  # "open", "opens", "closed", "appointment"
    at: datetime | None = None


def _windows_on(offer_location, day: date) -> list[tuple[time, time]]:
    exceptions = list(offer_location.exceptions.all())
    if any(e.kind == "closed" and e.date_from <= day <= e.date_until for e in exceptions):
        return []
    windows = [
        (h.opens, h.closes)
        for h in offer_location.opening_hours.all()
        if h.weekday == day.weekday()
        and (h.valid_from is None or h.valid_from <= day)
        and (h.valid_until is None or day <= h.valid_until)
    ]
    windows += [
        (e.opens, e.closes)
        for e in exceptions
        if e.kind == "extra" and e.date_from <= day <= e.date_until and e.opens and e.closes
    ]
    return sorted(windows)


def opening_status(offer_location, now: datetime | None = None) -> Status:
    """Uses prefetched opening_hours and exceptions; looks up to two weeks ahead."""
    now = timezone.localtime(now or timezone.now())
    if offer_location.by_appointment_only and not offer_location.opening_hours.all():
        return Status("appointment")
    tz = now.tzinfo
    for offset in range(15):
        day = now.date() + timedelta(days=offset)
        for opens, closes in _windows_on(offer_location, day):
            start = datetime.combine(day, opens, tz)
            end = datetime.combine(day, closes, tz)
            if start <= now < end:
                return Status("open", end)
            if now < start:
                return Status("opens", start)
    return Status("closed")


def open_at_q(moment: datetime) -> Q:
    """Offers with some location open at this moment (for the "open now" filter)."""
    local = timezone.localtime(moment)
    day, clock = local.date(), local.time()
    window = (
        OpeningHours.objects.filter(
            offer_location=OuterRef("pk"),
            weekday=day.weekday(),
            opens__lte=clock,
            closes__gt=clock,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    )
    closed = ScheduleException.objects.filter(
        offer_location=OuterRef("pk"), kind="closed", date_from__lte=day, date_until__gte=day
    )
    extra = ScheduleException.objects.filter(
        offer_location=OuterRef("pk"),
        kind="extra",
        date_from__lte=day,
        date_until__gte=day,
        opens__lte=clock,
        closes__gt=clock,
    )
    places = OfferLocation.objects.filter(
        (Exists(window) & ~Exists(closed)) | Exists(extra)
    ).values("offer_id")
    return Q(pk__in=places)


def open_on_weekday_q(weekday: int) -> Q:
    places = OpeningHours.objects.filter(weekday=weekday).values("offer_location__offer_id")
    return Q(pk__in=places)
