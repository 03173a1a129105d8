"""What each benchmark requests. Later features add scenarios here; each is a function of the
prepared world (ids, a session cookie) returning (label, paths, needs_login)."""

from collections.abc import Callable
from urllib.parse import quote

Scenario = Callable[[dict], list[tuple[str, list[str], bool]]]


def public_pages(world: dict) -> list[tuple[str, list[str], bool]]:
    return [
        ("health check (no database)", ["/healthz"], False),
        ("public start page /de/", ["/de/"], False),
        ("public start page /ar/", ["/ar/"], False),
    ]


def staff_directory(world: dict) -> list[tuple[str, list[str], bool]]:
    offers = world["offer_ids"]
    return [
        ("staff offer list, page 1", ["/staff/offers/"], True),
        (
            "staff offer list, filtered",
            [
                "/staff/offers/?category=german-courses",
                "/staff/offers/?language=ar&stale=on",
                "/staff/offers/?q=Beratung",
            ],
            True,
        ),
        ("staff offer page", [f"/staff/offers/{o}/" for o in offers], True),
    ]


# Fifty realistic queries in four languages; with the synthetic district most match German.
QUERIES = {
    "de": [
        "deutschkurs",
        "beratung",
        "sprachcafé",
        "hausaufgabenhilfe",
        "frauentreff",
        "schuldnerberatung",
        "integrationskurs",
        "elterncafe",
        "jugendtreff",
        "sozialberatung",
        "bewerbung",
        "fahrrad",
        "garten",
        "theater",
        "fussball",
        "kochabend",
        "lernpaten",
        "gesundheit",
        "mutter kind",
        "nähen",
        "beratnug",
        "deutschk",
        "anträge",
        "ausweis",
        "kinder",
    ],
    "ar": ["دورة", "استشارة", "أطفال", "deutschkurs", "beratung", "عمل", "سكن", "طبيب"],
    "tr": ["kurs", "danışma", "çocuk", "beratung", "iş", "kadın", "sağlık", "ev", "okul"],
    "uk": ["курс", "консультація", "діти", "beratung", "робота", "житло", "лікар", "школа"],
}
FILTERS = ["", "&free=on", "&category=german-courses", "&step_free=on", "&age=8"]
UNIQUE_URLS = 5000  # more than any run's --requests


def guide(world: dict) -> list[tuple[str, list[str], bool]]:
    """The public guide, as the issue measures it. Distinct `b=` parameters make every search
    request miss the page cache (the search is the thing measured); the cached lines repeat
    the same few URLs after a warm-up."""
    combinations = [
        f"/{language}/suche/?q={quote(query)}{extra}"
        for language, queries in QUERIES.items()
        for query in queries
        for extra in FILTERS
    ]
    # Every request gets its own URL (up to UNIQUE_URLS), so none is answered from the cache.
    searches = [f"{combinations[n % len(combinations)]}&b={n}" for n in range(UNIQUE_URLS)]
    offers = world["offer_ids"]
    uncached_offers = [f"/de/angebot/{offers[n % len(offers)]}/?b={n}" for n in range(UNIQUE_URLS)]
    return [
        ("search, 50 queries × 5 filter sets, uncached", searches, False),
        ("offer page, uncached", uncached_offers, False),
        ("offer page, cached", [f"/ar/angebot/{o}/" for o in offers[:10]], False),
        ("start page, cached", ["/de/"], False),
    ]


def events(world: dict) -> list[tuple[str, list[str], bool]]:
    """The calendar: "this month" with and without filters, and the full iCalendar feed,
    each request with its own URL so the page cache does not answer."""
    month = [
        f"/{language}/veranstaltungen/?when=month{extra}"
        for language in ("de", "ar", "tr", "uk")
        for extra in ("", "&free=on", "&accessible=on", "&page=3")
    ]
    return [
        (
            "calendar, this month, uncached",
            [f"{month[n % len(month)]}&b={n}" for n in range(UNIQUE_URLS)],
            False,
        ),
        (
            "calendar feed, this month, uncached",
            [f"/de/veranstaltungen/kalender.ics?when=month&b={n}" for n in range(UNIQUE_URLS)],
            False,
        ),
        (
            "calendar feed (all events), uncached",
            [f"/de/veranstaltungen/kalender.ics?b={n}" for n in range(UNIQUE_URLS)],
            False,
        ),
    ]


SCENARIOS: dict[str, Scenario] = {
    "events": events,
    "guide": guide,
    "public": public_pages,
    "staff": staff_directory,
}
