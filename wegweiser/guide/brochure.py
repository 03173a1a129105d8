"""The printed guide: a snapshot typeset as a PDF brochure with typst.

`document()` turns a snapshot into what the template needs for one language: every label
translated, hours and costs written out, QR codes drawn, the map projected, and each text
marked when it falls back to German. `render()` typesets it with the fonts of the Python
font packages only (nothing fetched, no system fonts), tagged, and where print marks are
asked for, with bleed and crop marks and the PDF's trim and bleed boxes set."""

import hashlib
import io
import json
import math
import re
import tempfile
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import typst
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject

from wegweiser.core.qr import qr_png
from wegweiser.site.localize import SOURCE

TEMPLATE = Path(__file__).with_name("typst") / "brochure.typ"
FONT_PACKAGES = ("fontpkg_noto_sans", "fontpkg_ibm_plex_sans_arabic")
RTL = {"ar", "fa"}
MM = 72 / 25.4
BLEED_MM = 3
SLUG_MM = 9  # room outside the bleed for the crop marks
KEEP_TOGETHER_CHARS = 1500
LRI, PDI = "\u2066", "\u2069"
LONG_WORD = re.compile(r"\S{31,}")
ZWSP = "\u200b"


class RenderError(Exception):
    """The brochure could not be typeset; the message says why, for the coordinator."""


@cache
def font_paths() -> list[str]:
    return [str(resources.files(package) / "files") for package in FONT_PACKAGES]


@cache
def covered() -> frozenset[int]:
    """Every character one of the brochure's fonts can show."""
    chars: set[int] = set()
    for folder in font_paths():
        for path in sorted(Path(folder).glob("*.[ot]tf")):
            with TTFont(path, lazy=True) as font:
                chars.update(font.getBestCmap())
    return frozenset(chars)


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` that no font has (controls and format characters need none)."""
    fonts = covered()
    return {
        ch
        for ch in text
        if ord(ch) not in fonts and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
    }


def _strings(value):
    """Every string in the document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item)


def check_glyphs(doc: dict) -> None:
    """Refuse, with the characters and the texts they are in, what would print as boxes."""
    problems: dict[str, str] = {}
    for text in _strings(doc):
        for ch in missing_glyphs(text):
            problems.setdefault(ch, text[:60])
    if problems:
        shown = "; ".join(
            f"„{ch}“ ({unicodedata.name(ch, hex(ord(ch)))}) in „{where}“"
            for ch, where in list(problems.items())[:5]
        )
        raise RenderError(
            _(
                "Some texts contain characters that the brochure's fonts cannot show: %(list)s. "
                "Correct these texts or leave the entries out of the edition."
            )
            % {"list": shown}
        )


@cache
def template_digest() -> str:
    """Part of every rendering's input hash: a new template or typst renders anew (read once
    per process; a new template comes with a restart)."""
    source = TEMPLATE.read_bytes() + Path(__file__).read_bytes() + typst.__version__.encode()
    return hashlib.sha256(source).hexdigest()


def breakable(text: str) -> str:
    """Words longer than a line get break opportunities (zero-width spaces) every 20
    characters, so a 200-character word wraps instead of running off the page."""
    return LONG_WORD.sub(
        lambda m: ZWSP.join(m.group(0)[i : i + 20] for i in range(0, len(m.group(0)), 20)),
        text,
    )


def isolate(text: str, language: str) -> str:
    """Left-to-right text (German, addresses, numbers, mail addresses) kept in its order
    inside a right-to-left line."""
    return f"{LRI}{text}{PDI}" if text and language in RTL else text


def _pick(texts: dict | None, language: str) -> dict:
    """The text in `language`, or the German source marked as a fallback."""
    texts = texts or {}
    if language != SOURCE and texts.get(language):
        return {"text": breakable(texts[language]), "de": False}
    source = texts.get(SOURCE, "")
    fallback = language != SOURCE and bool(source)
    text = breakable(source)
    return {"text": isolate(text, language) if fallback else text, "de": fallback}


def _paragraphs(texts: dict | None, language: str) -> dict:
    picked = _pick(texts, language)
    parts = [p.strip() for p in re.split(r"\n\s*\n", picked["text"]) if p.strip()]
    return {"paragraphs": parts, "de": picked["de"]}


def _plain(text: str) -> dict:
    return {"text": breakable(text), "de": False}


def _date(value: str) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")


def _hours(place: dict) -> list[str]:
    lines = []
    for row in place["hours"]:
        line = f"{WEEKDAYS[row['weekday']]} {row['opens']}–{row['closes']}"
        if row["from"]:
            line += " " + _("from %(date)s") % {"date": _date(row["from"])}
        if row["until"]:
            line += " " + _("until %(date)s") % {"date": _date(row["until"])}
        if row["note"]:
            line += f" ({row['note']})"
        lines.append(line)
    if place["by_appointment_only"]:
        lines.append(_("by appointment only"))
    return lines


def _cost(entry: dict) -> str:
    if entry["cost"] == "free":
        return _("free of charge")
    if entry["fee_amount"]:
        amount = formats.number_format(entry["fee_amount"], 2, use_l10n=True)
        return _("fee") + f": {amount} €"
    return _("fee")


def _age(entry: dict) -> str:
    low, high = entry["age_min"], entry["age_max"]
    if low is not None and high is not None:
        return _("aged %(min)s to %(max)s") % {"min": low, "max": high}
    if low is not None:
        return _("aged %(min)s and older") % {"min": low}
    if high is not None:
        return _("up to age %(max)s") % {"max": high}
    return ""


@dataclass
class MapPoint:
    number: int
    lat: float
    lon: float
    name: str
    address: str


def _project(points: list[MapPoint]) -> dict:
    """Places on a plain equirectangular projection around their centre, scaled into the
    unit square with a margin; the map's aspect ratio and a scale bar come with it."""
    if not points:
        return {"points": [], "ratio": 1, "scale": None}
    lat0 = sum(p.lat for p in points) / len(points)
    kx = math.cos(math.radians(lat0)) * 111_320  # metres per degree of longitude
    ky = 110_574  # metres per degree of latitude
    xs = [p.lon * kx for p in points]
    ys = [p.lat * ky for p in points]
    width = max(max(xs) - min(xs), 300.0)
    height = max(max(ys) - min(ys), 300.0)
    pad = 0.08
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    out = []
    for point, x, y in zip(points, xs, ys, strict=True):
        out.append(
            {
                "n": point.number,
                "x": pad + (1 - 2 * pad) * ((x - cx) / width + 0.5),
                "y": pad + (1 - 2 * pad) * (0.5 - (y - cy) / height),
            }
        )
    metres = width / (1 - 2 * pad)
    bar = next(
        (m for m in (100, 200, 500, 1000, 2000, 5000, 10000, 20000) if m >= metres / 5), 50000
    )
    label = f"{bar // 1000} km" if bar >= 1000 else f"{bar} m"
    return {
        "points": out,
        "ratio": max(0.5, min(1.4, height / width)),
        "scale": {"fraction": bar / metres, "label": label},
    }


def document(snapshot: dict, language: str, *, paper: str, print_ready: bool, changes=None):
    """Everything the template shows, in one language."""
    with translation.override(language):
        return _document(snapshot, language, paper, print_ready, changes)


def _document(snapshot, language, paper, print_ready, changes) -> dict:
    edition = snapshot["edition"]
    categories = {c["code"]: c for c in snapshot["categories"]}
    top_of = {}
    for code, cat in categories.items():
        top = cat
        while top["parent"] and top["parent"] in categories:
            top = categories[top["parent"]]
        top_of[code] = top["code"]
    order = [c["code"] for c in snapshot["categories"]]
    organisations = snapshot["organisations"]
    group_names = snapshot["target_groups"]
    language_names = {
        code: native if not missing_glyphs(native) else name
        for code, (native, name) in snapshot["language_names"].items()
    }

    # Every place gets one number on the map, in the order the brochure first shows it.
    places: dict[str, MapPoint] = {}
    unmapped: dict[str, str] = {}

    def place_number(place: dict) -> int | None:
        name = _pick(place["name"], language)["text"]
        if place["lat"] is None or place["lon"] is None:
            unmapped.setdefault(place["id"], f"{name}, {place['street']}")
            return None
        if place["id"] not in places:
            places[place["id"]] = MapPoint(
                len(places) + 1,
                place["lat"],
                place["lon"],
                name,
                isolate(f"{place['street']}, {place['postcode']} {place['city']}", language),
            )
        return places[place["id"]].number

    sections: dict[str, list] = {}
    for entry in sorted(
        snapshot["offers"],
        key=lambda e: (_pick(e["name"], language)["text"].casefold(), e["id"]),
    ):
        tops = [top_of[c] for c in entry["categories"] if c in top_of]
        home = min(tops, key=order.index) if tops else ""
        sections.setdefault(home, []).append(entry)

    def entry_doc(entry):
        org = organisations[entry["organisation"]]
        facts = []

        def fact(label, value):
            if value and (value.get("text") if isinstance(value, dict) else True):
                facts.append(
                    {"label": label, "value": value if isinstance(value, dict) else _plain(value)}
                )

        fact(_("What"), _pick(entry["description"], language))
        whom = [
            _pick(group_names.get(code, {SOURCE: code}), language)["text"]
            for code in entry["target_groups"]
        ]
        age = _age(entry)
        fact(_("For whom"), ", ".join([*whom, age] if age else whom))
        fact(_("Who can take part"), _pick(entry["eligibility"], language))
        cost = _cost(entry)
        fee_text = _pick(entry["fee_text"], language)
        fact(_("Cost"), cost)
        fact(_("Fee details"), fee_text)
        fact(
            _("Languages"),
            ", ".join(language_names.get(code, code) for code in entry["languages"])
            + (" · " + _("interpreting available") if entry["interpreting_available"] else ""),
        )
        registration = _pick(entry["application_process"], language)
        if entry["registration_required"] and not registration["text"]:
            registration = _plain(_("registration required"))
        fact(_("How to register"), registration)
        fact(_("Accessibility"), _pick(entry["accessibility_notes"], language))
        place_docs = []
        for place in entry["places"]:
            features = [
                label
                for flag, label in (
                    (place["step_free"], _("step-free access")),
                    (place["accessible_toilet"], _("accessible toilet")),
                    (place["hearing_loop"], _("hearing loop")),
                )
                if flag
            ]
            place_docs.append(
                {
                    "name": _pick(place["name"], language),
                    "address": isolate(
                        f"{place['street']}, {place['postcode']} {place['city']}", language
                    ),
                    "map": place_number(place),
                    "hours": _hours(place),
                    "transit": _pick(place["transit_directions"], language),
                    "features": ", ".join(features),
                    "note": breakable(place["note"]),
                }
            )
        contacts = []
        for c in entry["contacts"] or org["contacts"]:
            role = _pick(c["role"], language)
            contacts.append(
                {
                    "role": role,
                    "lines": [isolate(x, language) for x in (c["phone"], c["email"]) if x],
                }
            )
        reach = [
            x for x in (entry["email"] or org["email"], entry["website"] or org["website"]) if x
        ]
        if not entry["contacts"] and not org["contacts"] and org["phone"]:
            reach.insert(0, org["phone"])
        url = entry["urls"].get(language) or entry["urls"][SOURCE]
        return {
            "id": entry["id"],
            "name": _pick(entry["name"], language),
            "organisation": _pick(org["name"], language),
            "organisation_id": entry["organisation"],
            "summary": _pick(entry["summary"], language),
            "facts": facts,
            "places": place_docs,
            "contacts": contacts,
            "reach": [isolate(breakable(x), language) for x in reach],
            "url": url,
            "verified": _date(entry["verified"]) if entry["verified"] else "",
            # Entries of ordinary length stay on one page; long ones may break.
            "keep": sum(len(f["value"]["text"]) for f in facts) < KEEP_TOGETHER_CHARS,
        }

    section_docs = []
    for code in sorted(sections, key=lambda c: (c == "", order.index(c) if c else 0)):
        if code:
            title = _pick(categories[code]["name"], language)
            about = _pick(categories[code]["description"], language)
        else:
            title, about = _plain(_("Further offers")), _plain("")
        section_docs.append(
            {
                "code": code or "other",
                "title": title,
                "about": about,
                "entries": [entry_doc(e) for e in sections[code]],
            }
        )

    index: dict[str, dict] = {}
    for section in section_docs:
        for entry in section["entries"]:
            row = index.setdefault(
                entry["organisation_id"], {"name": entry["organisation"], "entries": []}
            )
            row["entries"].append(entry["id"])
    index_rows = sorted(index.values(), key=lambda r: r["name"]["text"].casefold())

    points = sorted(places.values(), key=lambda p: p.number)
    return {
        "lang": language,
        "dir": "rtl" if language in RTL else "ltr",
        "paper": paper,
        "print_ready": print_ready,
        "bleed_mm": BLEED_MM if print_ready else 0,
        "slug_mm": SLUG_MM if print_ready else 0,
        "office": edition["office"],
        "title": _("Intercultural Guide"),
        "edition_title": isolate(edition["title"], language),
        "edition_label": edition["title"]
        if language == SOURCE
        else _("Edition %(number)s") % {"number": edition["number"]},
        "stand": _("Stand: %(date)s") % {"date": _date(edition["stand"])},
        "language_name": language_names.get(language, language),
        "labels": {
            "contents": _("Contents"),
            "foreword": _("Foreword"),
            "how_to": _("How to use this guide"),
            "glossary": _("Words you will meet at offices"),
            "index": _("Organisations A–Z"),
            "map": _("Map of the places"),
            "imprint": _("Imprint"),
            "changes": _("What changed since the previous edition"),
            "german": _("German"),
            "german_note": _("Marked texts have not been translated yet and are shown in German."),
            "place": _("Where"),
            "hours": _("Opening hours"),
            "transit": _("Getting there"),
            "contact": _("Contact"),
            "online": _("Online"),
            "verified": _("Last verified"),
            "qr_alt": _("QR code: opens this entry in the online guide"),
            "map_alt": _("Map with the numbered places of this guide"),
            "on_map": _("Map"),
            "not_on_map": _("These places have no coordinates and are not on the map:"),
            "added": _("New entries"),
            "removed": _("Entries no longer in the guide"),
            "changed": _("Changed entries"),
            "page": _("page"),
            "north": _("N"),
            "funding": _("Funding"),
            "no_entries": _("This edition has no entries."),
            "logo_alt": _("Logo of %(office)s") % {"office": edition["office"]},
        },
        "foreword": _paragraphs(edition["foreword"], language),
        "how_to": [
            _(
                "The guide lists offers for newcomers in the district, grouped by topic. "
                "The table of contents shows on which page each topic starts."
            ),
            _(
                "Each entry says what the offer is, for whom, what it costs, in which "
                "languages it is given and how to register, where it takes place, when it is "
                "open and whom to contact."
            ),
            _(
                "The number beside an address shows the place on the map at the end of the "
                "guide. Scan the QR code with a phone to open the entry online, where it is "
                "always up to date."
            ),
            _("Opening hours can change. If in doubt, call before you go."),
        ],
        "sections": section_docs,
        "entry_count": len(snapshot["offers"]),
        "glossary": [
            {"term": _pick(g["term"], language), "explanation": _pick(g["explanation"], language)}
            for g in snapshot["glossary"]
        ],
        "index": index_rows,
        "map": {
            **_project(points),
            "legend": [
                {"n": p.number, "name": breakable(p.name), "address": p.address} for p in points
            ],
            "missing": sorted(unmapped.values()),
        },
        "imprint": {
            "title": _pick(snapshot["imprint"]["title"], language),
            "body": _paragraphs(snapshot["imprint"]["body"], language),
            "funding": _paragraphs({SOURCE: edition["funding_notice"]}, SOURCE)["paragraphs"],
        },
        "changes": _changes_doc(changes, language) if changes is not None else None,
    }


FIELD_LABELS = {
    "name": lambda: _("name"),
    "summary": lambda: _("summary"),
    "description": lambda: _("description"),
    "eligibility": lambda: _("who can take part"),
    "application_process": lambda: _("how to register or apply"),
    "fee_text": lambda: _("fee details"),
    "accessibility_notes": lambda: _("accessibility notes"),
    "organisation": lambda: _("organisation"),
    "categories": lambda: _("topics"),
    "cost": lambda: _("cost"),
    "fee_amount": lambda: _("fee"),
    "registration_required": lambda: _("registration required"),
    "interpreting_available": lambda: _("interpreting available"),
    "age_min": lambda: _("minimum age"),
    "age_max": lambda: _("maximum age"),
    "languages": lambda: _("languages"),
    "target_groups": lambda: _("target groups"),
    "website": lambda: _("website"),
    "email": lambda: _("email"),
    "contacts": lambda: _("contacts"),
    "places": lambda: _("places"),
    "hours": lambda: _("opening hours"),
    "translations": lambda: _("translations"),
}


def field_label(field: str) -> str:
    return FIELD_LABELS[field]() if field in FIELD_LABELS else field


def _changes_doc(changes: dict, language: str) -> dict:
    def name(entry):
        return _pick(entry["name"], language)

    return {
        "added": [name(e) for e in changes["added"]],
        "removed": [name(e) for e in changes["removed"]],
        "changed": [
            {"name": name(c["offer"]), "fields": ", ".join(field_label(f) for f in c["fields"])}
            for c in changes["changed"]
        ],
    }


@lru_cache(maxsize=4096)
def _qr(url: str) -> bytes:
    """A QR code as a small PNG, kept on disk: the codes of an offer's page do not change
    between editions, previews and paper sizes."""
    path = (
        Path(settings.BROCHURE_DIR) / "qr" / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.png"
    )
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = qr_png(url, mask=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return data


@dataclass
class Result:
    pdf: bytes
    pages: int
    seconds: float


def render(
    doc: dict, *, logo: bytes | None = None, logo_suffix: str = ".png", stand: date | None = None
) -> Result:
    """Typeset a document; raises RenderError with typst's message when that fails."""
    started = time.perf_counter()
    check_glyphs(doc)
    with tempfile.TemporaryDirectory(prefix="wegweiser-brochure-") as folder:
        root = Path(folder)
        (root / "brochure.typ").write_bytes(TEMPLATE.read_bytes())
        if logo:
            doc = {**doc, "logo": "logo" + logo_suffix}
            (root / doc["logo"]).write_bytes(logo)
        for section in doc["sections"]:
            for entry in section["entries"]:
                (root / f"qr-{entry['id']}.png").write_bytes(_qr(entry["url"]))
        (root / "data.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        moment = datetime.combine(stand or timezone.localdate(), datetime.min.time(), UTC)
        try:
            pdf = typst.compile(
                str(root / "brochure.typ"),
                root=str(root),
                font_paths=font_paths(),
                ignore_system_fonts=True,
                timestamp=int(moment.timestamp()),
                pdf_standards=["ua-1"],
            )
        except (typst.TypstError, RuntimeError) as error:
            raise RenderError(str(error)) from error
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    if doc["print_ready"]:
        pdf = _print_boxes(reader, doc["bleed_mm"], doc["slug_mm"])
    return Result(pdf=pdf, pages=pages, seconds=time.perf_counter() - started)


def _print_boxes(reader: PdfReader, bleed_mm: float, slug_mm: float) -> bytes:
    """Trim and bleed boxes for the print shop: the page is the trimmed size plus bleed plus
    the slug with the crop marks."""
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        for name, inset in (("/BleedBox", slug_mm), ("/TrimBox", slug_mm + bleed_mm)):
            d = inset * MM
            page[NameObject(name)] = ArrayObject(
                [FloatObject(x0 + d), FloatObject(y0 + d), FloatObject(x1 - d), FloatObject(y1 - d)]
            )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
