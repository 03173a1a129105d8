"""Importing a partner's calendar (an iCalendar file, or a feed the server fetches): each VEVENT
becomes an event of the chosen organisation, keyed by its UID, so a second import updates what
changed and cancels what vanished. All or nothing: a calendar with one bad VEVENT is refused
as a whole, with a report that names every problem."""

import html
import ipaddress
import re
import socket
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from dateutil import rrule as dateutil_rrule
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar

from wegweiser.core.audit import audit_log
from wegweiser.core.content import content_changed
from wegweiser.events.models import (
    MAX_EXTRA_DATES,
    MAX_SERIES_DAYS,
    Event,
    EventDate,
    EventFeed,
    OccurrenceChange,
)
from wegweiser.events.recurrence import BERLIN

MAX_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 2000
FETCH_TIMEOUT = 20
_TAGS = re.compile(r"<[^>]+>")
_WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class ImportRefused(Exception):
    """Nothing was imported; `problems` says why (one line each)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("created", "updated", "unchanged", "cancelled")}


def _text(component, name: str, limit: int) -> str:
    value = component.get(name)
    if value is None:
        return ""
    # HTML in descriptions becomes plain text; the guide escapes it on output anyway.
    plain = html.unescape(_TAGS.sub(" ", str(value)))
    return " ".join(plain.split())[:limit] if name != "DESCRIPTION" else plain.strip()[:limit]


def _moment(value, label: str, problems: list[str]) -> tuple[datetime | None, bool]:
    """An aware datetime (floating times are Leipzig's) and whether it was a whole day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=BERLIN)
        return value.astimezone(BERLIN), False
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), BERLIN), True
    problems.append(_("%(label)s: no valid date or time") % {"label": label})
    return None, False


@dataclass
class _Parsed:
    uid: str
    fields: dict
    extra: list[date]
    exceptions: list[date]
    changes: list[dict]


def _rule(component, start: datetime, label: str, problems: list[str]):
    """Our rule fields for a simple RRULE, or extra dates for anything else (bounded)."""
    rules = component.get("RRULE")
    if rules is None:
        return {"repeat": Event.Repeat.NONE}, []
    if isinstance(rules, list):
        problems.append(_("%(label)s: more than one repetition rule") % {"label": label})
        return None, []
    rule = {k.upper(): v for k, v in rules.items()}
    freq = str(rule.get("FREQ", [""])[0]).upper()
    interval = int(rule.get("INTERVAL", [1])[0])
    count = rule.get("COUNT", [None])[0]
    until = rule.get("UNTIL", [None])[0]
    byday = [str(d).upper() for d in rule.get("BYDAY", [])]
    bymonthday = rule.get("BYMONTHDAY", [])
    fields = {"interval": interval, "repeat_count": count, "repeat_until": None}
    if until is not None:
        until_moment = (
            until if isinstance(until, datetime) else datetime.combine(until, time(23, 59))
        )
        if until_moment.tzinfo is None:
            until_moment = until_moment.replace(tzinfo=BERLIN)
        fields["repeat_until"] = until_moment.astimezone(BERLIN).date()
    if count is None and until is None:
        # An endless rule: we keep its dates for the coming three years as a list.
        pass
    elif freq == "WEEKLY" and byday in ([], [_WEEKDAY_CODES[start.weekday()]]):
        return {**fields, "repeat": Event.Repeat.WEEKLY}, []
    elif freq == "MONTHLY" and bymonthday in ([], [start.day]) and not byday:
        return {**fields, "repeat": Event.Repeat.MONTHLY_DAY}, []
    elif freq == "MONTHLY" and len(byday) == 1 and re.fullmatch(r"[+-]?[1-4]?[A-Z]{2}", byday[0]):
        number = re.match(r"[+-]?\d*", byday[0]).group() or "1"
        if byday[0][-2:] == _WEEKDAY_CODES[start.weekday()] and int(number) in (1, 2, 3, 4, -1):
            return {
                **fields,
                "repeat": Event.Repeat.MONTHLY_WEEKDAY,
                "week_of_month": int(number),
            }, []
    # Anything else (daily rules, several weekdays, endless rules): the dates themselves.
    try:
        expanded = dateutil_rrule.rrulestr(
            rules.to_ical().decode(), dtstart=start.replace(tzinfo=None)
        )
    except (ValueError, TypeError):
        problems.append(_("%(label)s: a repetition rule that cannot be read") % {"label": label})
        return None, []
    horizon = start.replace(tzinfo=None) + timedelta(days=MAX_SERIES_DAYS)
    dates = []
    for moment in expanded:
        if moment > horizon or len(dates) > MAX_EXTRA_DATES:
            break
        dates.append(moment.date())
    if len(dates) > MAX_EXTRA_DATES:
        problems.append(
            _("%(label)s: more than %(n)s dates; shorten the series")
            % {"label": label, "n": MAX_EXTRA_DATES}
        )
        return None, []
    return {"repeat": Event.Repeat.DATES, "interval": 1}, [d for d in dates if d != start.date()]


def _dates_of(component, name: str) -> list[date]:
    values = component.get(name)
    if values is None:
        return []
    result = []
    for entry in values if isinstance(values, list) else [values]:
        for item in entry.dts:
            moment = item.dt
            if isinstance(moment, datetime):
                moment = (moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)).astimezone(
                    BERLIN
                )
                result.append(moment.date())
            else:
                result.append(moment)
    return result


def parse(data: bytes) -> list[_Parsed]:
    """Every VEVENT of a calendar, or the problems that refuse it."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([_("The file is larger than 5 MB.")])
    try:
        calendar = Calendar.from_ical(data.decode("utf-8-sig", errors="strict"))
    except (ValueError, UnicodeDecodeError, KeyError, IndexError) as exc:
        raise ImportRefused(
            [_("This is not a readable iCalendar file (%(error)s).") % {"error": str(exc)[:120]}]
        ) from exc
    components = list(calendar.walk("VEVENT"))
    if not components:
        raise ImportRefused([_("The file holds no events (VEVENT).")])
    if len(components) > MAX_EVENTS:
        raise ImportRefused([_("The file holds more than %(n)s events.") % {"n": MAX_EVENTS}])
    problems: list[str] = []
    masters: dict[str, _Parsed] = {}
    overrides: list[tuple[str, object]] = []
    for number, component in enumerate(components, start=1):
        uid = _text(component, "UID", 255)
        title = _text(component, "SUMMARY", 200) or _("(no title)")
        label = _("Event %(n)s “%(title)s”") % {"n": number, "title": title[:60]}
        if not uid:
            problems.append(_("%(label)s: no UID") % {"label": label})
            continue
        if component.get("RECURRENCE-ID") is not None:
            overrides.append((uid, component))
            continue
        if uid in masters:
            problems.append(_("%(label)s: the UID occurs twice") % {"label": label})
            continue
        if getattr(component, "errors", None):
            problems.append(
                _("%(label)s: a line that cannot be read (%(line)s)")
                % {"label": label, "line": str(component.errors[0][1])[:80]}
            )
            continue
        zone = component.get("DTSTART") and component["DTSTART"].params.get("TZID")
        if zone and not isinstance(getattr(component.get("DTSTART"), "dt", None), date):
            zone = None
        if zone and getattr(component["DTSTART"].dt, "tzinfo", None) is None:
            problems.append(
                _("%(label)s: unknown time zone “%(zone)s”") % {"label": label, "zone": zone[:40]}
            )
            continue
        try:
            start, all_day = _moment(component.decoded("DTSTART", None), label, problems)
            end_value = component.decoded("DTEND", None)
        except (ValueError, KeyError) as exc:  # unknown time zones, broken values
            problems.append(_("%(label)s: %(error)s") % {"label": label, "error": str(exc)[:80]})
            continue
        if start is None:
            continue
        if end_value is None and component.get("DURATION") is not None:
            end = start + component.decoded("DURATION")
        elif end_value is not None:
            end, _whole = _moment(end_value, label, problems)
            if end is None:
                continue
        else:
            end = start + (timedelta(days=1) if all_day else timedelta(hours=1))
        if end < start:
            problems.append(_("%(label)s: ends before it starts") % {"label": label})
            continue
        rule_fields, expanded = _rule(component, start, label, problems)
        if rule_fields is None:
            continue
        status = str(component.get("STATUS", "CONFIRMED")).upper()
        fields = {
            "title": title,
            "description": _text(component, "DESCRIPTION", 5000),
            "starts_at": start,
            "ends_at": end,
            "all_day": all_day,
            "status": Event.Status.CANCELLED if status == "CANCELLED" else Event.Status.SCHEDULED,
            "place": Event.Place.ADDRESS,
            "address": _text(component, "LOCATION", 300) or _("see description"),
            "repeat_until": None,
            "repeat_count": None,
            "week_of_month": None,
            "interval": 1,
            **rule_fields,
        }
        masters[uid] = _Parsed(
            uid,
            fields,
            sorted(set(expanded + _dates_of(component, "RDATE"))),
            sorted(set(_dates_of(component, "EXDATE"))),
            [],
        )
    for uid, component in overrides:
        if uid not in masters:
            problems.append(
                _("A changed date refers to an event that is not in the file (%(uid)s).")
                % {"uid": uid[:60]}
            )
            continue
        original, _whole = _moment(component.decoded("RECURRENCE-ID"), uid, problems)
        start, _whole = _moment(component.decoded("DTSTART", None), uid, problems)
        if original is None or start is None:
            continue
        duration = masters[uid].fields["ends_at"] - masters[uid].fields["starts_at"]
        end_value = component.decoded("DTEND", None)
        end = _moment(end_value, uid, problems)[0] if end_value is not None else start + duration
        masters[uid].changes.append(
            {
                "original_start": original,
                "cancelled": str(component.get("STATUS", "")).upper() == "CANCELLED",
                "starts_at": None if start == original else start,
                "ends_at": None if start == original else end,
            }
        )
    if problems:
        raise ImportRefused(problems)
    return list(masters.values())


def _apply(event: Event, parsed: _Parsed) -> bool:
    """Set the imported fields; True if anything differs from before."""
    changed = False
    for name, value in parsed.fields.items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed = True
    return changed


@transaction.atomic
def import_calendar(data: bytes, feed: EventFeed, *, actor=None) -> Report:
    """Import a whole calendar for the feed's organisation, or nothing (ImportRefused)."""
    from wegweiser.events.recurrence import validate_series

    events = parse(data)
    report = Report()
    problems = []
    seen = set()
    for parsed in events:
        uid = f"import:{feed.pk}:{parsed.uid}"[:255]
        seen.add(uid)
        event = Event.objects.filter(uid=uid).first()
        created = event is None
        if created:
            event = Event(uid=uid, office=feed.office, organisation=feed.organisation, source=feed)
        changed = _apply(event, parsed)
        try:
            validate_series(event, extra_dates=parsed.extra, exception_dates=[])
        except Exception as exc:  # noqa: BLE001 - every problem goes into the report
            messages = getattr(exc, "messages", [str(exc)])
            problems.append(f"{parsed.fields['title']}: {' '.join(messages)}")
            continue
        old_dates = set()
        if not created:
            old_dates = set(event.dates.values_list("kind", "date"))
        new_dates = {("extra", d) for d in parsed.extra} | {
            ("exception", d) for d in parsed.exceptions
        }
        old_changes = set()
        if not created:
            old_changes = set(event.changes.values_list("original_start", "cancelled", "starts_at"))
        new_changes = {
            (c["original_start"], c["cancelled"], c["starts_at"]) for c in parsed.changes
        }
        if not created and (changed or old_dates != new_dates or old_changes != new_changes):
            event.version += 1
            event.updated_at = timezone.now()
        event.save()
        if created and feed.category_id:
            event.categories.set([feed.category_id])
        if old_dates != new_dates:
            event.dates.all().delete()
            EventDate.objects.bulk_create(
                EventDate(event=event, kind=kind, date=d) for kind, d in sorted(new_dates)
            )
        if old_changes != new_changes:
            event.changes.all().delete()
            OccurrenceChange.objects.bulk_create(
                OccurrenceChange(event=event, **c) for c in parsed.changes
            )
        event.save()
        if created:
            report.created.append(event.title)
        elif changed or old_dates != new_dates or old_changes != new_changes:
            report.updated.append(event.title)
        else:
            report.unchanged.append(event.title)
    if problems:
        raise ImportRefused(problems)
    vanished = (
        Event.objects.filter(source=feed, series_end__gte=timezone.now())
        .exclude(uid__in=seen)
        .exclude(status=Event.Status.CANCELLED)
    )
    for event in vanished:
        event.status = Event.Status.CANCELLED
        event.version += 1
        event.save()
        report.cancelled.append(event.title)
    feed.last_fetched_at = timezone.now()
    feed.last_report = report.as_dict()
    feed.save(update_fields=["last_fetched_at", "last_report"])
    audit_log(
        action="events.feed.imported",
        actor=actor,
        office=feed.office,
        changes={k: [None, len(v)] for k, v in report.as_dict().items()},
    )
    content_changed()
    return report


def _public_address(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
        ):
            return False
    return True


def fetch(url: str) -> bytes:
    """The feed's body: http(s) only, public addresses only (unless configured for tests),
    at most MAX_BYTES, within FETCH_TIMEOUT seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImportRefused([_("Only http and https addresses can be fetched.")])
    if not settings.EVENT_FEED_ALLOW_PRIVATE and not _public_address(parts.hostname):
        raise ImportRefused([_("This address is not on the public internet.")])
    request = urllib.request.Request(url, headers={"User-Agent": "Wegweiser calendar import"})  # noqa: S310  # nosec B310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310  # nosec B310
            body = response.read(MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise ImportRefused(
            [_("The feed could not be fetched (%(error)s).") % {"error": str(exc)[:120]}]
        ) from exc
    if len(body) > MAX_BYTES:
        raise ImportRefused([_("The file is larger than 5 MB.")])
    return body


def refresh_feed(feed: EventFeed) -> Report:
    """Fetch and import a subscribed feed; a refused import keeps the events as they were
    and is recorded in the feed's last report."""
    try:
        return import_calendar(fetch(feed.url), feed)
    except ImportRefused as refused:
        feed.last_fetched_at = timezone.now()
        feed.last_report = {"refused": refused.problems}
        feed.save(update_fields=["last_fetched_at", "last_report"])
        raise
