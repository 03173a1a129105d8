"""The calendar: series and their dates (across the clock changes), bounds, single changes, and
iCalendar feeds read back by two independent parsers."""

from datetime import date, datetime, timedelta

import icalendar
import pytest
import vobject
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import EventFactory, UserFactory
from wegweiser.events import services
from wegweiser.events.models import Event, EventDate, OccurrenceChange
from wegweiser.events.recurrence import BERLIN, occurrences, series_starts, validate_series

pytestmark = pytest.mark.django_db


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_weekly_series_keeps_its_wall_clock_time_across_the_clock_change():
    event = EventFactory(
        starts_at=berlin(2026, 3, 19, 18, 0),
        ends_at=berlin(2026, 3, 19, 20, 0),
        repeat="weekly",
        repeat_count=4,
    )
    starts = series_starts(event)
    assert [s.astimezone(BERLIN).strftime("%d.%m. %H:%M") for s in starts] == [
        "19.03. 18:00",
        "26.03. 18:00",
        "02.04. 18:00",
        "09.04. 18:00",
    ]
    # 17:00 UTC in winter time, 16:00 UTC in summer time
    assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [1, 1, 2, 2]
    spans = {(o.end - o.start) for o in occurrences(event, starts[0], starts[-1] + timedelta(1))}
    assert spans == {timedelta(hours=2)}


def test_every_second_tuesday_of_the_month():
    event = EventFactory(
        starts_at=berlin(2026, 12, 8, 10, 0),
        ends_at=berlin(2026, 12, 8, 12, 0),
        repeat="monthly_weekday",
        week_of_month=2,
        repeat_until=date(2027, 3, 31),
    )
    days = [s.date() for s in series_starts(event)]
    assert days == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    assert all(d.weekday() == 1 for d in days)


def test_left_out_and_extra_dates():
    event = EventFactory(
        starts_at=berlin(2026, 12, 3, 16, 0),
        ends_at=berlin(2026, 12, 3, 17, 0),
        repeat="weekly",
        repeat_count=4,
    )
    EventDate.objects.create(event=event, kind="exception", date=date(2026, 12, 24))
    EventDate.objects.create(event=event, kind="extra", date=date(2026, 12, 23))
    days = [s.date() for s in series_starts(event)]
    assert days == [date(2026, 12, 3), date(2026, 12, 10), date(2026, 12, 17), date(2026, 12, 23)]


def test_an_irregular_series_is_a_list_of_dates():
    event = EventFactory(
        starts_at=berlin(2026, 12, 1, 9, 0), ends_at=berlin(2026, 12, 1, 10, 0), repeat="dates"
    )
    for d in (date(2026, 12, 9), date(2027, 1, 20)):
        EventDate.objects.create(event=event, kind="extra", date=d)
    event.save()
    assert [s.date() for s in series_starts(event)] == [
        date(2026, 12, 1),
        date(2026, 12, 9),
        date(2027, 1, 20),
    ]
    assert event.series_end.date() == date(2027, 1, 20)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"repeat": "weekly"}, "repeat_until"),  # never ends
        ({"repeat": "weekly", "repeat_count": 10_000}, "repeat_count"),
        ({"repeat": "weekly", "repeat_until": date(2031, 1, 1)}, "repeat_until"),
        ({"repeat": "weekly", "repeat_until": date(2026, 1, 1)}, "repeat_until"),
        ({"repeat": "monthly_weekday", "repeat_count": 3, "week_of_month": 7}, "week_of_month"),
    ],
)
def test_unbounded_or_impossible_series_are_refused(changes, field):
    event = EventFactory.build(starts_at=berlin(2026, 12, 1, 9), ends_at=berlin(2026, 12, 1, 10))
    for name, value in changes.items():
        setattr(event, name, value)
    with pytest.raises(ValidationError) as error:
        validate_series(event)
    assert field in error.value.message_dict


def test_too_many_extra_dates_and_exceptions_outside_the_series_are_refused():
    event = EventFactory.build(
        starts_at=berlin(2026, 12, 1, 9),
        ends_at=berlin(2026, 12, 1, 10),
        repeat="weekly",
        repeat_count=3,
    )
    many = [date(2026, 12, 2) + timedelta(days=n) for n in range(10_000)]
    with pytest.raises(ValidationError) as error:
        validate_series(event, extra_dates=many, exception_dates=[])
    assert "extra_dates" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        validate_series(event, extra_dates=[], exception_dates=[date(2026, 12, 2)])
    assert "exception_dates" in error.value.message_dict


def test_even_an_unvalidated_endless_series_expands_boundedly():
    event = EventFactory(
        starts_at=berlin(2026, 12, 1, 9), ends_at=berlin(2026, 12, 1, 10), repeat="weekly"
    )
    assert 100 < len(series_starts(event)) <= 400


def test_one_occurrence_is_changed_or_cancelled_without_touching_the_series():
    event = EventFactory(
        starts_at=berlin(2026, 12, 2, 15),
        ends_at=berlin(2026, 12, 2, 16),
        repeat="weekly",
        repeat_count=3,
    )
    user, office = UserFactory(), event.office
    second, third = series_starts(event)[1:]
    services.occurrence_change(
        event,
        OccurrenceChange(original_start=second, cancelled=True, note="Feiertag"),
        actor=user,
        office=office,
    )
    moved = berlin(2026, 12, 17, 17)
    services.occurrence_change(
        event, OccurrenceChange(original_start=third, starts_at=moved), actor=user, office=office
    )
    found = occurrences(event, berlin(2026, 12, 1), berlin(2027, 1, 1))
    assert [(o.start, o.cancelled) for o in found] == [
        (berlin(2026, 12, 2, 15), False),
        (second, True),
        (moved, False),
    ]
    assert found[2].end - found[2].start == timedelta(hours=1)
    event.refresh_from_db()
    assert event.version == 3  # each change raises the event's SEQUENCE


def _feed(client, path="/de/veranstaltungen/kalender.ics") -> bytes:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


def test_feeds_read_by_two_parsers_give_the_apps_own_dates(client):
    weekly = EventFactory(
        starts_at=timezone.now()
        .astimezone(BERLIN)
        .replace(hour=18, minute=0, second=0, microsecond=0)
        + timedelta(days=1),
        ends_at=timezone.now()
        .astimezone(BERLIN)
        .replace(hour=20, minute=0, second=0, microsecond=0)
        + timedelta(days=1),
        repeat="weekly",
        repeat_count=6,
        title="Nähcafé",
    )
    starts = series_starts(weekly)
    EventDate.objects.create(event=weekly, kind="exception", date=starts[2].date())
    EventDate.objects.create(
        event=weekly, kind="extra", date=(starts[-1] + timedelta(days=3)).date()
    )
    weekly.save()
    services.occurrence_change(
        weekly,
        OccurrenceChange(original_start=starts[1], cancelled=True),
        actor=UserFactory(),
        office=weekly.office,
    )
    weekly.refresh_from_db()
    cancelled = EventFactory(organisation=weekly.organisation, status=Event.Status.CANCELLED)
    body = _feed(client)

    calendar = icalendar.Calendar.from_ical(body)
    vevents = [c for c in calendar.walk("VEVENT")]
    masters = {str(c["UID"]): c for c in vevents if "RECURRENCE-ID" not in c}
    assert set(masters) == {weekly.uid, cancelled.uid}
    assert str(masters[cancelled.uid]["STATUS"]) == "CANCELLED"
    assert int(masters[weekly.uid]["SEQUENCE"]) == weekly.version - 1
    overrides = [c for c in vevents if "RECURRENCE-ID" in c]
    assert [str(c["STATUS"]) for c in overrides] == ["CANCELLED"]
    assert overrides[0]["RECURRENCE-ID"].dt == starts[1]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"

    parsed = vobject.readOne(body.decode())
    series = next(
        v
        for v in parsed.vevent_list
        if v.uid.value == weekly.uid and not hasattr(v, "recurrence_id")
    )
    theirs = list(series.getrruleset(addRDate=True))
    ours = series_starts(weekly)
    assert [t.astimezone(BERLIN) for t in theirs] == ours
    assert len(ours) == 6  # six by the rule, one left out, one extra


def test_a_single_event_downloads_as_ics_in_the_visitors_language(client):
    from wegweiser.events.models import EventTranslation

    event = EventFactory(title="Elterncafé")
    EventTranslation.objects.create(
        event=event, language="ar", source_revision=1, title="مقهى الأهل"
    )
    body = _feed(client, f"/ar/veranstaltung/{event.public_id}/kalender.ics")
    summary = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]["SUMMARY"]
    assert str(summary) == "مقهى الأهل"


def test_the_calendar_page_lists_the_weeks_dates_by_day(client):
    soon = EventFactory(title="Fahrradwerkstatt", repeat="weekly", repeat_count=8)
    later = EventFactory(
        title="Neujahrsfest",
        starts_at=timezone.now() + timedelta(days=20),
        ends_at=timezone.now() + timedelta(days=20, hours=3),
    )
    week = client.get("/de/veranstaltungen/").content.decode()
    month = client.get("/de/veranstaltungen/", {"when": "month"}).content.decode()
    assert "Fahrradwerkstatt" in week and "Neujahrsfest" not in week
    assert "Neujahrsfest" in month and month.count("Fahrradwerkstatt") >= 4
    page = client.get(f"/de/veranstaltung/{later.public_id}/")
    assert page.status_code == 200 and "Neujahrsfest" in page.content.decode()
    assert client.get("/de/veranstaltungen/", {"when": "decade"}).status_code == 400
    assert soon.series_end > soon.series_start


def test_partner_editors_manage_only_their_organisations_events(world, client):
    from django.urls import reverse

    from tests.helpers import login
    from wegweiser.accounts.models import Role

    login(client, world.members[Role.PARTNER_EDITOR].user)
    listing = client.get(reverse("events_staff:list"), {"show": "all"}).content.decode()
    assert world.partner_event.title in listing and world.event.title not in listing
    own = reverse("events_staff:edit", kwargs={"public_id": world.partner_event.public_id})
    assert client.get(own).status_code == 200
    form = client.get(reverse("events_staff:create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [world.partner_organisation]


def test_staff_create_a_series_with_dates_and_cancel_one(world, client):
    from django.urls import reverse

    from tests.helpers import login
    from wegweiser.accounts.models import Role

    login(client, world.members[Role.STAFF].user)
    data = {
        "organisation": world.organisation.pk,
        "title": "Offenes Nähcafé",
        "status": "scheduled",
        "start_date": "2027-01-07",
        "start_time": "16:00",
        "end_time": "18:00",
        "repeat": "weekly",
        "interval": "1",
        "repeat_count": "6",
        "exception_dates": "2027-01-21",
        "extra_dates": "2027-02-20",
        "place": "address",
        "address": "Eisenbahnstraße 1",
        "cost": "free",
        "registration": "none",
    }
    response = client.post(reverse("events_staff:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get(title="Offenes Nähcafé")
    assert [s.date().isoformat() for s in series_starts(event)] == [
        "2027-01-07",
        "2027-01-14",
        "2027-01-28",
        "2027-02-04",
        "2027-02-11",
        "2027-02-20",
    ]
    stamp = "20270114T1600"
    url = reverse("events_staff:occurrence", kwargs={"public_id": event.public_id, "stamp": stamp})
    assert client.post(url, {"cancelled": "on", "note": "Ferien"}).status_code == 302
    assert OccurrenceChange.objects.get(event=event).cancelled
    wrong = reverse(
        "events_staff:occurrence", kwargs={"public_id": event.public_id, "stamp": "20270115T1600"}
    )
    assert client.get(wrong).status_code == 404  # not a date of the series
    bad = client.post(
        reverse("events_staff:create"), {**data, "repeat_count": "", "extra_dates": "x"}
    )
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "repeat_until" in errors and "extra_dates" in errors


def test_texts_survive_escaping_and_folding_in_both_parsers(client):
    from wegweiser.events.models import EventTranslation

    title = "Kaffee, Kuchen; Gespräch \\ Backslash"
    long_arabic = "مقهى اللغة للجيران والجارات في شرق لايبزيغ " * 4  # 176 letters, 320 bytes
    event = EventFactory(title=title, summary="Zeile eins\nZeile zwei", all_day=True)
    EventTranslation.objects.create(
        event=event, language="ar", source_revision=1, title=long_arabic.strip()
    )
    body = _feed(client, f"/de/veranstaltung/{event.public_id}/kalender.ics")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert str(icalendar.Calendar.from_ical(body).walk("VEVENT")[0]["SUMMARY"]) == title
    assert vobject.readOne(body.decode()).vevent.summary.value == title
    arabic = _feed(client, f"/ar/veranstaltung/{event.public_id}/kalender.ics")
    assert all(len(line) <= 75 for line in arabic.split(b"\r\n"))
    parsed = vobject.readOne(arabic.decode()).vevent
    assert parsed.summary.value == long_arabic.strip()
    assert "Zeile eins\nZeile zwei" in parsed.description.value
    assert parsed.dtstart.value == event.starts_at.astimezone(BERLIN).date()  # a whole day


def test_feeds_per_topic_organiser_and_language_and_the_occasion_filter(world, client):
    from wegweiser.core.models import Language
    from wegweiser.directory.models import Category
    from wegweiser.events.models import Occasion

    topic = Category.objects.get(code="german-courses")
    arabic = Language.objects.get(code="ar")
    occasion = Occasion.objects.get(code="ramadan")
    course = EventFactory(organisation=world.organisation, title="Deutsch am Abend")
    course.categories.set([topic])
    iftar = EventFactory(organisation=world.partner_organisation, title="Iftar", occasion=occasion)
    iftar.languages.set([arabic])

    def titles(**params):
        body = client.get("/de/veranstaltungen/kalender.ics", params).content
        return {str(v["SUMMARY"]) for v in icalendar.Calendar.from_ical(body).walk("VEVENT")}

    assert titles(category="german-courses") == {"Deutsch am Abend"}
    assert titles(language="ar") == {"Iftar"}
    org = titles(organisation=str(world.partner_organisation.public_id))
    assert "Iftar" in org and "Deutsch am Abend" not in org
    assert client.get("/de/veranstaltungen/kalender.ics", {"category": "nope"}).status_code == 400
    page = client.get("/de/veranstaltungen/", {"occasion": "ramadan"}).content.decode()
    assert "Iftar" in page and "Deutsch am Abend" not in page


def test_an_event_image_is_uploaded_with_its_description_and_shown(
    world, client, settings, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from PIL import Image

    from tests.helpers import login
    from wegweiser.accounts.models import Role

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="PNG")
    login(client, world.members[Role.STAFF].user)
    data = {
        "organisation": world.organisation.pk,
        "title": "Gartenfest",
        "status": "scheduled",
        "start_date": "2027-05-08",
        "start_time": "14:00",
        "end_time": "18:00",
        "repeat": "none",
        "interval": "1",
        "place": "address",
        "address": "Rabet 1",
        "cost": "free",
        "registration": "none",
    }
    missing_alt = client.post(
        reverse("events_staff:create"),
        {**data, "image": SimpleUploadedFile("fest.png", buffer.getvalue(), "image/png")},
    )
    assert "image_alt" in missing_alt.context["form"].errors
    done = client.post(
        reverse("events_staff:create"),
        {
            **data,
            "image": SimpleUploadedFile("fest.png", buffer.getvalue(), "image/png"),
            "image_alt": "Menschen feiern im Park",
        },
    )
    assert done.status_code == 302
    event = Event.objects.get(title="Gartenfest")
    client.logout()
    html = client.get(f"/de/veranstaltung/{event.public_id}/").content.decode()
    assert 'alt="Menschen feiern im Park"' in html
    assert client.get(event.image.url).status_code == 200
