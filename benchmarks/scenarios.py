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


API = "/api/hsds"
API_PER_PAGE = 50


def _pages(total: int) -> int:
    return max(1, -(-total // API_PER_PAGE))


def _distinct_pages(path: str, total: int) -> list[str]:
    """Every page of a list in turn; `b=` makes each request's URL (the cache key) its own."""
    pages = _pages(total)
    return [
        f"{API}/{path}?per_page={API_PER_PAGE}&page={1 + n % pages}&b={n}"
        for n in range(UNIQUE_URLS)
    ]


def api(world: dict) -> list[tuple[str, list[str], bool]]:
    """The HSDS 3.0 API, anonymous (the harness switches the rate limit off). Responses are
    cached per content generation: the uncached lines give every request its own URL, the
    cached ones repeat a few after the warm-up. The ndjson stream, the export and the import
    are measured separately (benchmarks/opendata.py) and get a table of their own."""
    ids = world["service_ids"]
    details = [
        f"{API}/services/{ids[n % len(ids)]}" + (f"?b={n}" if n >= len(ids) else "")
        for n in range(UNIQUE_URLS)
    ]
    first_pages = range(1, min(5, _pages(world["services"])) + 1)
    return [
        (
            "services?per_page=50, every page in turn, uncached (target p95 ≤ 50 ms)",
            _distinct_pages("services", world["services"]),
            False,
        ),
        (
            "services?per_page=50, pages 1–5, cached",
            [f"{API}/services?per_page={API_PER_PAGE}&page={p}" for p in first_pages],
            False,
        ),
        ("services/{id}, distinct ids, uncached", details, False),
        (
            "organizations?per_page=50, uncached",
            _distinct_pages("organizations", world["organizations"]),
            False,
        ),
        (
            "service_at_locations?per_page=50, uncached",
            _distinct_pages("service_at_locations", world["service_at_locations"]),
            False,
        ),
        ("taxonomy_terms, cached", [f"{API}/taxonomy_terms"], False),
    ]


SCENARIOS: dict[str, Scenario] = {
    "api": api,
    "events": events,
    "guide": guide,
    "public": public_pages,
    "staff": staff_directory,
}
