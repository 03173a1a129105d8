"""The demo district's brochures: edition 3 as published today, and edition 2 from a year
ago, so the change list has something to show. Edition 2's data is today's with a few
deliberate differences (three entries it did not have yet, one it had that is gone, a few
changed fields), standing in for the district's history."""

import copy
from datetime import timedelta

from django.utils import timezone

from wegweiser.guide import services, snapshot
from wegweiser.guide.models import Edition, Paper, Rendering
from wegweiser.site.localize import SOURCE

LANGUAGES = ["en", "ar", "fa", "tr", "ru", "uk", "vi"]
FOREWORD = (
    "Liebe Leserinnen und Leser,\n\n"
    "dieser Wegweiser stellt Angebote für Zugewanderte im Leipziger Osten vor: Beratung, "
    "Sprachkurse, Hilfe für Familien, Arbeit und Ausbildung, Gesundheit, Freizeit und "
    "Ehrenamt. Alle Einträge wurden von den Organisationen selbst bestätigt.\n\n"
    "Den Wegweiser gibt es auch online, immer aktuell und in acht Sprachen. Jeder Eintrag "
    "hat einen QR-Code, der direkt zur Online-Fassung führt.\n\n"
    "Ihre Koordinierungsstelle Integration"
)
FUNDING = (
    "Die Koordinierungsstelle Integration wird gefördert von der Stadt Leipzig und aus "
    "Mitteln des Freistaates Sachsen. (Demo-Text)"
)
GONE = {
    "id": "00000000-0000-4000-8000-00000000d0e2",
    "name": {SOURCE: "Sprechstunde im Stadtteilladen (beendet)"},
}


def _history(current: dict) -> dict:
    """Edition 2's data: today's, a year younger."""
    old = copy.deepcopy(current)
    offers = old["offers"]
    if len(offers) < 8:
        return old
    del offers[0:3]  # entries added since
    gone = copy.deepcopy(offers[0])
    gone.update({"id": GONE["id"], "name": dict(GONE["name"])})
    offers.append(gone)
    offers[1]["description"][SOURCE] = "Bisher nur vormittags. " + offers[1]["description"][SOURCE]
    offers[2]["cost"] = "fee" if offers[2]["cost"] == "free" else "free"
    for place in offers[3]["places"]:
        place["hours"] = place["hours"][:1]
    offers[4]["languages"] = offers[4]["languages"][:1]
    old["offers"] = sorted(offers, key=lambda e: e["id"])
    old["edition"]["number"] = 2
    return old


def load_demo_editions(office) -> int:
    """Create the two demo editions when missing; returns how many were created."""
    if Edition.objects.filter(office=office, number=3).exists():
        return 0
    today = timezone.localdate()
    current = Edition(
        office=office,
        number=3,
        title="3. überarbeitete Auflage",
        stand=today,
        foreword=FOREWORD,
        funding_notice=FUNDING,
        languages=LANGUAGES,
        status=Edition.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    current.snapshot = snapshot.build(current)
    previous = Edition(
        office=office,
        number=2,
        title="2. überarbeitete Auflage",
        stand=today - timedelta(days=365),
        foreword=FOREWORD,
        funding_notice=FUNDING,
        languages=LANGUAGES,
        status=Edition.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=365),
        snapshot=_history(current.snapshot),
    )
    previous.snapshot["edition"]["stand"] = previous.stand.isoformat()
    previous.snapshot["edition"]["title"] = previous.title
    previous.save()
    current.save()
    return 2


def render_demo_brochures(office, *, verbose=None) -> int:
    """Typeset the demo editions' brochures now (no worker needed); unchanged ones are
    taken from the cache. Returns how many were typeset."""
    typeset = 0
    for edition in Edition.objects.filter(office=office, status=Edition.Status.PUBLISHED):
        papers = (Paper.A5, Paper.A4) if edition.number == 3 else (Paper.A5,)
        for language in edition.snapshot["edition"]["languages"]:
            for paper in papers:
                rendering = services.rendering_request(edition, language, paper)
                if rendering.status != Rendering.Status.DONE:
                    outcome = services.rendering_run(rendering.pk)
                    typeset += outcome == "rendered"
                    if verbose:
                        verbose(f"  {edition.number}. {language} {paper}: {outcome}")
    return typeset
