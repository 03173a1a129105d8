"""The dates of an event: its rule (RFC 5545 RRULE through dateutil), extra dates (RDATE),
left-out dates (EXDATE) and changed or cancelled single occurrences (RECURRENCE-ID).

A series repeats at the same wall-clock time in Europe/Berlin: rules are expanded on local
times and only then made aware, so a 18:00 meeting stays at 18:00 after the clocks change.
Every series is bounded (MAX_OCCURRENCES dates within MAX_SERIES_DAYS), and a time window is
expanded from the rule with `between`, never by listing the whole series."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = [rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU]


@dataclass(frozen=True)
class Occurrence:
    event: object
    original_start: datetime  # the occurrence's identity within its series
    start: datetime
    end: datetime
    cancelled: bool = False
    changed: bool = False
    note: str = ""

    @property
    def day(self) -> date:
        return self.start.astimezone(BERLIN).date()


def local(moment: datetime) -> datetime:
    """A moment as naive Berlin wall-clock time."""
    return moment.astimezone(BERLIN).replace(tzinfo=None)


def aware(wall_clock: datetime) -> datetime:
    return wall_clock.replace(tzinfo=BERLIN)


def _rule(event):
    """The dateutil rule of a repeating event (None for one-off events and date lists)."""
    from wegweiser.events.models import Event

    if event.repeat in (Event.Repeat.NONE, Event.Repeat.DATES):
        return None
    start = local(event.starts_at).replace(microsecond=0)
    options = {"dtstart": start, "interval": max(event.interval or 1, 1)}
    if event.repeat_until:
        options["until"] = datetime.combine(event.repeat_until, time(23, 59, 59))
    if event.repeat_count:
        options["count"] = event.repeat_count
    if event.repeat == Event.Repeat.WEEKLY:
        return rrule.rrule(rrule.WEEKLY, **options)
    if event.repeat == Event.Repeat.MONTHLY_DAY:
        return rrule.rrule(rrule.MONTHLY, bymonthday=start.day, **options)
    weekday = WEEKDAYS[start.weekday()](event.week_of_month or 1)
    return rrule.rrule(rrule.MONTHLY, byweekday=weekday, **options)


def _dates(event, kind: str) -> set[date]:
    if isinstance(event, SeriesRow):
        return event.extra if kind == "extra" else event.exceptions
    if event.pk is None:
        return set()
    return {d.date for d in event.dates.all() if d.kind == kind}


def _changes(event) -> dict[datetime, object]:
    if isinstance(event, SeriesRow):
        return event.changes
    if event.pk is None:
        return {}
    return {c.original_start: c for c in event.changes.all()}


@dataclass
class SeriesRow:
    """What expanding an event needs, read as plain values (queries.occurrences_between):
    building model instances for hundreds of events cost more than expanding them."""

    pk: int
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    status: str
    repeat: str
    interval: int
    week_of_month: int | None
    repeat_until: date | None
    repeat_count: int | None
    extra: set = field(default_factory=set)
    exceptions: set = field(default_factory=set)
    changes: dict = field(default_factory=dict)


def series_starts(event, since: datetime | None = None, until: datetime | None = None):
    """The series' original starts (aware), within [since, until] when given, in order."""
    from wegweiser.events.models import MAX_OCCURRENCES, MAX_SERIES_DAYS, EventDate

    first = local(event.starts_at).replace(microsecond=0)
    wall_clock = first.time()
    rule = _rule(event)
    lo = local(since) if since else None
    hi = local(until) if until else None
    # Never more than the bounds allow, even for a series that was not validated.
    horizon = first + timedelta(days=MAX_SERIES_DAYS)
    if rule is None:
        starts = [first]
    else:
        starts = rule.between(lo or first, min(hi or horizon, horizon), inc=True)
        starts = starts[:MAX_OCCURRENCES]
    excluded = _dates(event, EventDate.Kind.EXCEPTION)
    extra = [datetime.combine(d, wall_clock) for d in _dates(event, EventDate.Kind.EXTRA)]
    chosen = {s for s in starts if s.date() not in excluded}
    chosen.update(s for s in extra if (lo is None or s >= lo) and (hi is None or s <= hi))
    return [aware(s) for s in sorted(chosen)]


def occurrences(event, since: datetime, until: datetime) -> list[Occurrence]:
    """The occurrences that overlap [since, until), with their single changes applied."""
    duration = event.ends_at - event.starts_at
    changes = _changes(event)
    if event.repeat == "none" and not changes and not _dates(event, "extra"):
        # Most events happen once: no rule to expand.
        start = event.starts_at.replace(microsecond=0)
        if start + duration > since and start < until:
            return [Occurrence(event, start, start, start + duration)]
        return []
    # An occurrence that started before `since` may still be running.
    starts = series_starts(event, since - duration - timedelta(days=1), until)
    result = []
    for start in starts:
        change = changes.get(start)
        occurrence = Occurrence(event, start, start, start + duration)
        if change is not None:
            new_start = change.starts_at or start
            occurrence = Occurrence(
                event,
                start,
                new_start,
                change.ends_at or new_start + duration,
                cancelled=change.cancelled,
                changed=True,
                note=change.note,
            )
        if occurrence.end > since and occurrence.start < until:
            result.append(occurrence)
    # Occurrences moved into the window from a date outside it.
    for original, change in changes.items():
        if change.starts_at and original not in starts and since <= change.starts_at < until:
            if original in series_starts(event, original, original):
                result.append(
                    Occurrence(
                        event,
                        original,
                        change.starts_at,
                        change.ends_at or change.starts_at + duration,
                        cancelled=change.cancelled,
                        changed=True,
                        note=change.note,
                    )
                )
    return sorted(result, key=lambda o: (o.start, o.event.pk or 0))


def series_span(event) -> tuple[datetime, datetime]:
    """The first start and the last end of the whole series (changes included)."""
    starts = series_starts(event)
    duration = event.ends_at - event.starts_at
    first, last = starts[0] if starts else event.starts_at, starts[-1] if starts else None
    last_end = (last or event.starts_at) + duration
    for change in _changes(event).values():
        if change.starts_at:
            first = min(first, change.starts_at)
            last_end = max(last_end, change.ends_at or change.starts_at + duration)
    return first, last_end


def validate_series(event, extra_dates=None, exception_dates=None) -> None:
    """Refuse series without an end, beyond the bounds, or with dates that are not theirs.
    extra_dates / exception_dates: the dates a form is about to save (else the stored ones)."""
    from wegweiser.events.models import (
        MAX_EXTRA_DATES,
        MAX_OCCURRENCES,
        MAX_SERIES_DAYS,
        Event,
        EventDate,
    )

    errors = {}
    first = local(event.starts_at).date()
    limit = first + timedelta(days=MAX_SERIES_DAYS)
    repeating = event.repeat not in (Event.Repeat.NONE, Event.Repeat.DATES)
    if repeating and not event.repeat_until and not event.repeat_count:
        errors["repeat_until"] = _(
            "A repeating event needs an end: a last date or a number of dates."
        )
    if event.repeat_until and event.repeat_until < first:
        errors["repeat_until"] = _("The last date must not be before the first.")
    if event.repeat_until and event.repeat_until > limit:
        errors["repeat_until"] = _("A series may run for at most three years.")
    if event.repeat_count and event.repeat_count > MAX_OCCURRENCES:
        errors["repeat_count"] = _("A series may have at most %(n)s dates.") % {
            "n": MAX_OCCURRENCES
        }
    if event.repeat == Event.Repeat.MONTHLY_WEEKDAY and event.week_of_month not in (1, 2, 3, 4, -1):
        errors["week_of_month"] = _("Choose the first, second, third, fourth or last weekday.")
    extra = set(extra_dates if extra_dates is not None else _dates(event, EventDate.Kind.EXTRA))
    if len(extra) > MAX_EXTRA_DATES:
        errors["extra_dates"] = _("At most %(n)s extra dates.") % {"n": MAX_EXTRA_DATES}
    elif any(d < first or d > limit for d in extra):
        errors["extra_dates"] = _(
            "Extra dates must lie between the first date and three years after it."
        )
    if errors:
        raise ValidationError(errors)
    rule = _rule(event)
    rule_dates = set()
    if rule is not None:
        for n, start in enumerate(rule):
            if n >= MAX_OCCURRENCES or start.date() > limit:
                raise ValidationError(
                    {
                        "repeat_until": _(
                            "This series would have more than %(n)s dates or run longer than "
                            "three years; give an earlier last date or fewer dates."
                        )
                        % {"n": MAX_OCCURRENCES}
                    }
                )
            rule_dates.add(start.date())
    else:
        rule_dates.add(first)
    excluded = set(
        exception_dates if exception_dates is not None else _dates(event, EventDate.Kind.EXCEPTION)
    )
    outside = sorted(excluded - rule_dates)
    if outside:
        raise ValidationError(
            {
                "exception_dates": _("%(date)s is not a date of this series.")
                % {"date": outside[0].isoformat()}
            }
        )
    if len(rule_dates | extra) > MAX_OCCURRENCES:
        raise ValidationError(
            {"extra_dates": _("A series may have at most %(n)s dates.") % {"n": MAX_OCCURRENCES}}
        )
