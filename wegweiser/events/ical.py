"""iCalendar (RFC 5545) feeds of the calendar: one VEVENT per series with RRULE, RDATE and
EXDATE, one more per changed or cancelled occurrence (RECURRENCE-ID), stable UIDs, SEQUENCE
from the event's version, and a compact VTIMEZONE for Europe/Berlin."""

from datetime import UTC, datetime, time, timedelta

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vRecur
from icalendar import Event as VEvent

from wegweiser.events.models import Event, EventDate
from wegweiser.events.recurrence import BERLIN, local
from wegweiser.site.localize import localize

PRODID = "-//Wegweiser//Kalender//DE"
STATUS = {
    Event.Status.SCHEDULED: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
    Event.Status.POSTPONED: "TENTATIVE",
}
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _berlin() -> Timezone:
    """Europe/Berlin by its rule since 1996 (last Sunday of March and of October)."""
    zone = Timezone()
    zone.add("tzid", "Europe/Berlin")
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0))  # noqa: DTZ001  # floating, as RFC 5545 wants
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0))  # noqa: DTZ001
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _rrule(event: Event) -> vRecur | None:
    if event.repeat in (Event.Repeat.NONE, Event.Repeat.DATES):
        return None
    rule = {"interval": max(event.interval or 1, 1)}
    if event.repeat == Event.Repeat.WEEKLY:
        rule["freq"] = "weekly"
    elif event.repeat == Event.Repeat.MONTHLY_DAY:
        rule["freq"] = "monthly"
        rule["bymonthday"] = local(event.starts_at).day
    else:
        rule["freq"] = "monthly"
        weekday = WEEKDAY_CODES[local(event.starts_at).weekday()]
        rule["byday"] = f"{event.week_of_month or 1}{weekday}"
    if event.repeat_until:
        end = datetime.combine(event.repeat_until, time(23, 59, 59), BERLIN)
        rule["until"] = end.astimezone(UTC)
    if event.repeat_count:
        rule["count"] = event.repeat_count
    return vRecur(rule)


def _times(event: Event, start: datetime, end: datetime, component: VEvent) -> None:
    if event.all_day:
        component.add("dtstart", local(start).date())
        component.add("dtend", local(end).date())
    else:
        component.add("dtstart", start.astimezone(BERLIN))
        component.add("dtend", end.astimezone(BERLIN))


def _recurrence_id(event: Event, original: datetime):
    return local(original).date() if event.all_day else original.astimezone(BERLIN)


def _series_dates(event: Event, kind: str) -> list:
    wall_clock = local(event.starts_at).time()
    dates = sorted(d.date for d in event.dates.all() if d.kind == kind)
    if event.all_day:
        return dates
    return [datetime.combine(d, wall_clock, BERLIN) for d in dates]


def _place(event: Event, language: str) -> str:
    if event.place == Event.Place.LOCATION and event.location_id:
        loc = event.location
        return f"{loc.name}, {loc.street}, {loc.postcode} {loc.city}"
    if event.place == Event.Place.ONLINE:
        return event.online_url
    return event.address


def components(event: Event, language: str, url: str) -> list[VEvent]:
    """The VEVENTs of one event in the given language (texts fall back to German)."""
    master = VEvent()
    master.add("uid", event.uid)
    master.add("dtstamp", event.updated_at.astimezone(UTC))
    master.add("last-modified", event.updated_at.astimezone(UTC))
    master.add("sequence", event.version - 1)
    master.add("summary", str(localize(event, "title", language)))
    description = "\n\n".join(
        part
        for part in (
            str(localize(event, "summary", language)),
            str(localize(event, "description", language)),
            url,
        )
        if part
    )
    master.add("description", description)
    master.add("url", url)
    master.add("status", STATUS[event.status])
    place = _place(event, language)
    if place:
        master.add("location", place)
    if event.organisation.email:
        master.add(
            "organizer",
            f"mailto:{event.organisation.email}",
            parameters={"CN": event.organisation.name},
        )
    categories = [str(localize(c, "name", language)) for c in event.categories.all()]
    if categories:
        master.add("categories", categories)
    _times(event, event.starts_at, event.ends_at, master)
    rule = _rrule(event)
    if rule is not None:
        master.add("rrule", rule)
    extra = _series_dates(event, EventDate.Kind.EXTRA)
    if extra:
        master.add("rdate", extra)
    excluded = _series_dates(event, EventDate.Kind.EXCEPTION)
    if excluded:
        master.add("exdate", excluded)
    result = [master]
    duration = event.ends_at - event.starts_at
    for change in event.changes.all():
        single = VEvent()
        single.add("uid", event.uid)
        single.add("dtstamp", event.updated_at.astimezone(UTC))
        single.add("sequence", event.version - 1 + change.sequence)
        single.add("recurrence-id", _recurrence_id(event, change.original_start))
        start = change.starts_at or change.original_start
        _times(event, start, change.ends_at or start + duration, single)
        title = str(localize(event, "title", language))
        single.add("summary", title)
        if change.note:
            single.add("description", change.note)
        single.add("status", "CANCELLED" if change.cancelled else STATUS[event.status])
        if place:
            single.add("location", place)
        result.append(single)
    return result


def feed(events, language: str, name: str, url_for) -> bytes:
    """A whole calendar: url_for(event) gives the absolute URL of an event's page."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    calendar.add_component(_berlin())
    for event in events:
        for component in components(event, language, url_for(event)):
            calendar.add_component(component)
    return calendar.to_ical()
