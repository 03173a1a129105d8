"""What each benchmark requests. Later features add scenarios here; each is a function of the
prepared world (ids, a session cookie) returning (label, paths, needs_login)."""

from collections.abc import Callable

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


SCENARIOS: dict[str, Scenario] = {
    "public": public_pages,
    "staff": staff_directory,
}
