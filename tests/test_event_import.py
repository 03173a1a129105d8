"""Importing partner calendars: mapping, de-duplication by UID, idempotent re-import that
updates and cancels, all-or-nothing refusal of bad files, and subscribed feeds fetched from a
local HTTP server."""

import http.server
import threading
from datetime import date

import pytest
from django.urls import reverse

from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.events import importer
from wegweiser.events.models import Event, EventFeed
from wegweiser.events.recurrence import BERLIN, occurrences, series_starts
from wegweiser.events.tasks import refresh_subscribed_feeds

pytestmark = pytest.mark.django_db

CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Partner//Kalender//DE\r
BEGIN:VEVENT\r
UID:naehcafe@partner.example\r
DTSTAMP:20261101T100000Z\r
DTSTART;TZID=Europe/Berlin:20270105T170000\r
DTEND;TZID=Europe/Berlin:20270105T190000\r
RRULE:FREQ=WEEKLY;COUNT=5\r
EXDATE;TZID=Europe/Berlin:20270119T170000\r
RDATE;TZID=Europe/Berlin:20270210T170000\r
SUMMARY:Nähcafé\r
DESCRIPTION:<p>Bitte <b>Stoff</b> mitbringen</p><script>alert(1)</script>\r
LOCATION:Eisenbahnstraße 1\\, Leipzig\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:naehcafe@partner.example\r
RECURRENCE-ID;TZID=Europe/Berlin:20270112T170000\r
DTSTART;TZID=Europe/Berlin:20270112T170000\r
DTEND;TZID=Europe/Berlin:20270112T190000\r
STATUS:CANCELLED\r
SUMMARY:Nähcafé\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:lesung@partner.example\r
DTSTART;TZID=America/New_York:20270220T120000\r
DTEND;TZID=America/New_York:20270220T140000\r
SUMMARY:Lesung am Tag der Muttersprache\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:fest@partner.example\r
DTSTART;VALUE=DATE:20270306\r
DTEND;VALUE=DATE:20270308\r
SUMMARY:Frühlingsfest\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def feed(world):
    return EventFeed.objects.create(office=world.office, organisation=world.partner_organisation)


def test_an_import_maps_series_changes_time_zones_and_whole_days(feed):
    report = importer.import_calendar(CALENDAR.encode(), feed)
    assert sorted(report.created) == ["Frühlingsfest", "Lesung am Tag der Muttersprache", "Nähcafé"]
    sewing = Event.objects.get(title="Nähcafé")
    assert sewing.organisation == feed.organisation and sewing.source == feed
    assert [s.date() for s in series_starts(sewing)] == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 2),
        date(2027, 2, 10),
    ]
    found = occurrences(sewing, series_starts(sewing)[0], series_starts(sewing)[-1])
    assert [o.cancelled for o in found][:2] == [False, True]
    assert "<" not in sewing.description and "Stoff" in sewing.description
    reading = Event.objects.get(title__startswith="Lesung")
    assert reading.starts_at.astimezone(BERLIN).hour == 18  # 12:00 in New York
    party = Event.objects.get(title="Frühlingsfest")
    assert party.all_day and (party.ends_at - party.starts_at).days == 2


def test_reimport_is_idempotent_then_updates_and_cancels(feed):
    importer.import_calendar(CALENDAR.encode(), feed)
    versions = dict(Event.objects.values_list("uid", "version"))
    again = importer.import_calendar(CALENDAR.encode(), feed)
    assert len(again.unchanged) == 3 and not again.created and not again.updated
    assert dict(Event.objects.values_list("uid", "version")) == versions
    start = CALENDAR.index("BEGIN:VEVENT\r\nUID:fest@")
    end = CALENDAR.index("END:VEVENT", start) + len("END:VEVENT\r\n")
    changed = (CALENDAR[:start] + CALENDAR[end:]).replace("SUMMARY:Lesung am", "SUMMARY:Lesung zum")
    report = importer.import_calendar(changed.encode(), feed)
    assert report.updated == ["Lesung zum Tag der Muttersprache"]
    assert report.cancelled == ["Frühlingsfest"]
    assert Event.objects.get(title="Frühlingsfest").status == Event.Status.CANCELLED
    assert Event.objects.filter(source=feed).count() == 3  # nothing duplicated


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"this is not a calendar", "not a readable"),
        (CALENDAR.replace("TZID=America/New_York", "TZID=Mars/Olympus_Mons").encode(), "time zone"),
        (
            CALENDAR.replace("SUMMARY:Frühlingsfest", "this line is broken").encode(),
            "cannot be read",
        ),
        (CALENDAR.replace("UID:lesung@partner.example\r\n", "").encode(), "no UID"),
        (
            CALENDAR.replace(
                "DTEND;TZID=America/New_York:20270220T140000",
                "DTEND;TZID=America/New_York:20270220T100000",
            ).encode(),
            "ends before",
        ),
        (CALENDAR.replace("RRULE:FREQ=WEEKLY;COUNT=5", "RRULE:FREQ=DAILY").encode(), "more than"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no events"),
        (b"x" * (importer.MAX_BYTES + 1), "5 MB"),
        (
            (
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                + "".join(
                    f"BEGIN:VEVENT\r\nUID:{n}\r\nDTSTART:20270101T100000\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
                    for n in range(importer.MAX_EVENTS + 1)
                )
                + "END:VCALENDAR\r\n"
            ).encode(),
            "more than",
        ),
    ],
)
def test_bad_files_import_nothing_and_say_why(feed, body, says):
    from django.utils import translation

    with translation.override("en"), pytest.raises(importer.ImportRefused) as refused:
        importer.import_calendar(body, feed)
    assert says in " ".join(refused.value.problems)
    assert Event.objects.filter(source=feed).count() == 0


class _Handler(http.server.BaseHTTPRequestHandler):
    body = CALENDAR.encode()

    def do_GET(self):  # noqa: N802 - http.server's API
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_subscribed_feeds_are_fetched_by_the_background_task(world, settings):
    settings.EVENT_FEED_ALLOW_PRIVATE = True
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/calendar.ics"
        feed = EventFeed.objects.create(
            office=world.office, organisation=world.organisation, url=url, subscribed=True
        )
        assert refresh_subscribed_feeds.call() == {"imported": 1, "refused": 0}
        feed.refresh_from_db()
        assert len(feed.last_report["created"]) == 3
        settings.EVENT_FEED_ALLOW_PRIVATE = False
        with pytest.raises(importer.ImportRefused):
            importer.fetch(url)  # loopback is not fetched in production
        with pytest.raises(importer.ImportRefused):
            importer.fetch("file:///etc/passwd")
    finally:
        server.shutdown()


def test_a_partner_imports_a_file_for_their_organisation(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, world.members[Role.PARTNER_EDITOR].user)
    url = reverse("events_staff:feeds")
    upload = SimpleUploadedFile("kalender.ics", CALENDAR.encode(), "text/calendar")
    response = client.post(url, {"organisation": world.partner_organisation.pk, "file": upload})
    assert response.status_code == 200 and response.context["report"] is not None
    assert (
        Event.objects.filter(organisation=world.partner_organisation, source__isnull=False).count()
        == 3
    )
    foreign = client.post(url, {"organisation": world.organisation.pk, "file": upload})
    assert "organisation" in foreign.context["form"].errors
