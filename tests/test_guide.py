"""Guide editions and the printed brochure, read back from the PDF: text extracted with pypdf,
pages rasterised with PDFium and the QR codes decoded with zxing-cpp."""

import io
import re
from datetime import time

import pypdfium2
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from tests.factories import LocationFactory, OfferFactory, OfferLocationFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.directory.models import Category, OfferTranslation, OpeningHours
from wegweiser.guide import brochure, services, snapshot
from wegweiser.guide.models import Edition, Rendering

A5_POINTS = (148 / 25.4 * 72, 210 / 25.4 * 72)


def _district(office, *, per_category=3, categories=3):
    """Offers with unique names in the first top-level categories, each at a mapped place
    with opening hours."""
    # Own topics: transactional tests empty the tables the migrations filled.
    tops = [
        Category.objects.get_or_create(
            code=f"topic-{letter}", defaults={"name": f"Thema {letter.upper()}", "position": i}
        )[0]
        for i, letter in enumerate("abcdef"[:categories])
    ]
    offers = []
    for c_index, category in enumerate(tops):
        for i in range(per_category):
            offer = OfferFactory(
                organisation__office=office,
                organisation__name=f"Verein {c_index}{i} Quelle e.V.",
                name=f"Angebot {category.code} {i} Zebra",
                description="Beratung zu allen Fragen des Alltags.",
            )
            offer.categories.set([category])
            location = LocationFactory(
                office=office, latitude=51.34 + 0.003 * i, longitude=12.40 + 0.004 * c_index
            )
            place = OfferLocationFactory(offer=offer, location=location)
            OpeningHours.objects.create(
                offer_location=place, weekday=i % 5, opens=time(9), closes=time(12)
            )
            offers.append(offer)
    return tops, offers


def _edition(office, **fields) -> Edition:
    values = {"number": 1, "title": "1. Auflage", "languages": ["ar", "vi"]} | fields
    return Edition.objects.create(office=office, **values)


def _render(edition, language="de", *, changes=None, print_ready=False, paper="a5"):
    data = edition.snapshot or snapshot.build(edition)
    doc = brochure.document(data, language, paper=paper, print_ready=print_ready, changes=changes)
    return brochure.render(doc).pdf


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def district(world):
    categories, offers = _district(world.office)
    return world, categories, offers


def test_table_of_contents_page_numbers_match_where_the_topics_start(district):
    world, categories, _offers = district
    pages = _pages(_render(_edition(world.office)))
    contents = pages[1]
    assert contents.startswith("Inhalt") or contents.startswith("Contents")
    found = {}
    for line in contents.splitlines():
        match = re.match(r"^(.*?)[ .]*\s(\d+)$", line.strip())
        if match:
            found[match.group(1).strip(" .")] = int(match.group(2))
    for category in categories:
        number = found[category.name]
        # Page numbers count the cover as page 1, as printed in the footer.
        assert pages[number - 1].lstrip().startswith(category.name), category.name
        assert not any(category.name in p.splitlines()[0] for p in pages[2 : number - 1])


def test_every_offer_of_the_snapshot_appears_once(district):
    world, _categories, offers = district
    # A second category must not print an offer twice.
    offers[0].categories.add(Category.objects.get(code=offers[4].categories.get().code))
    text = "\n".join(_pages(_render(_edition(world.office))))
    for offer in offers:
        assert text.count(offer.name) == 1, offer.name
    assert world.foreign_offer.name not in text  # another office's offer


def test_arabic_text_extracts_as_arabic_and_missing_translations_fall_back_marked(district):
    world, _categories, offers = district
    OfferTranslation.objects.create(
        offer=offers[0],
        language="ar",
        name="دورة مسائية للنساء",
        description="دورة مجانية كل يوم خميس",
        source_revision=offers[0].revision,
    )
    pdf = _render(_edition(world.office), "ar")
    # PDFium reads right-to-left text in logical order (pypdf gives visual order).
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "دورة مسائية للنساء" in text
    # Inside a table cell PDFium may turn round a short word of letters that do not join
    # ("دورة"); the letters are all there, as Arabic.
    description = "دورة مجانية كل يوم خميس"
    with translation.override("ar"):
        label = translation.gettext("What")
    line = next(line for line in text.splitlines() if "خميس" in line).replace(label, "")
    assert (
        sorted(description.replace(" ", ""))
        == sorted(ch for ch in line if "\u0600" <= ch <= "\u06ff")
        or description in line
    )
    # An offer without an Arabic translation is printed in German (pypdf keeps the order of
    # left-to-right words), marked as German by a bracketed Arabic word.
    assert offers[1].name in "\n".join(_pages(pdf))
    assert re.search(r"\[[\u0600-\u06ff]+\]", text)


def test_qr_codes_decode_to_the_live_urls(district):
    world, _categories, offers = district
    pdf = _render(_edition(world.office), "vi")
    document = pypdfium2.PdfDocument(pdf)
    decoded = set()
    try:
        for index in range(len(document)):
            image = document[index].render(scale=300 / 72).to_pil()
            decoded.update(code.text for code in zxingcpp.read_barcodes(image))
    finally:
        document.close()
    with translation.override("vi"):
        expected = {
            reverse("site:offer", kwargs={"public_id": offer.public_id})
            for offer in [*offers, world.offer]  # the world's own offer has no topic
        }
    assert {re.sub(r"^https?://[^/]+", "", url) for url in decoded} == expected


@pytest.mark.django_db(transaction=True)
def test_a_published_edition_does_not_change_when_the_live_data_does(district, client):
    world, _categories, offers = district
    edition = _edition(world.office)
    services.edition_publish(edition, actor=world.members[Role.COORDINATOR].user)
    edition.refresh_from_db()
    frozen = snapshot.digest(edition.snapshot)
    hashes = dict(edition.renderings.values_list("pk", "input_hash"))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    before = {r.pk: services.file_path(r.input_hash).read_bytes() for r in edition.renderings.all()}
    offers[0].name = "Ganz neuer Name"
    offers[0].save()
    offers[1].delete()
    edition.refresh_from_db()
    assert snapshot.digest(edition.snapshot) == frozen
    for rendering in edition.renderings.all():
        again = services.rendering_request(edition, rendering.language, rendering.paper)
        assert again.input_hash == hashes[rendering.pk]
        assert again.status == Rendering.Status.DONE
        assert services.file_path(again.input_hash).read_bytes() == before[rendering.pk]
    # And the edition cannot be edited any more.
    login(client, world.members[Role.COORDINATOR].user)
    response = client.post(reverse("guide_staff:edit", args=[edition.pk]), {"title": "x"})
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.title == "1. Auflage"


def _entry(ident, name, **fields):
    entry = {
        "id": ident,
        "name": {"de": name},
        "description": {"de": "Beschreibung"},
        "cost": "free",
        "languages": ["de"],
        "places": [
            {
                "id": "p1",
                "street": "Eisenbahnstraße 1",
                "postcode": "04315",
                "city": "Leipzig",
                "lat": 51.3,
                "lon": 12.4,
                "name": {"de": "Haus"},
                "transit_directions": {"de": ""},
                "hours": [{"weekday": 0, "opens": "09:00", "closes": "12:00"}],
                "by_appointment_only": False,
                "note": "",
            }
        ],
    }
    entry.update(fields)
    return entry


def test_change_list_of_a_constructed_pair_of_editions():
    old = {
        "offers": [
            _entry("a", "Bleibt gleich"),
            _entry("b", "Wird entfernt"),
            _entry("c", "Neue Beschreibung", description={"de": "Alt"}),
            _entry("d", "Kostet jetzt", cost="free"),
            _entry("e", "Neue Zeiten"),
            _entry("f", "Übersetzt", description={"de": "Beschreibung"}),
        ]
    }
    new = {
        "offers": [
            _entry("a", "Bleibt gleich"),
            _entry("c", "Neue Beschreibung", description={"de": "Neu"}),
            _entry("d", "Kostet jetzt", cost="fee"),
            _entry("e", "Neue Zeiten"),
            _entry("f", "Übersetzt", description={"de": "Beschreibung", "ar": "وصف"}),
            _entry("g", "Ist neu"),
        ]
    }
    new["offers"][3]["places"][0]["hours"] = [{"weekday": 1, "opens": "10:00", "closes": "12:00"}]
    result = snapshot.changes(old, new)
    assert [e["id"] for e in result["added"]] == ["g"]
    assert [e["id"] for e in result["removed"]] == ["b"]
    assert {c["offer"]["id"]: c["fields"] for c in result["changed"]} == {
        "c": ["description"],
        "d": ["cost"],
        "e": ["hours"],
        "f": ["translations"],
    }
    assert snapshot.changes(None, new)["added"] == sorted(
        new["offers"], key=lambda e: e["name"]["de"].casefold()
    )


def test_the_change_list_is_a_page_and_an_appendix(district, client):
    world, _categories, offers = district
    coordinator = world.members[Role.COORDINATOR].user
    first = _edition(world.office)
    services.edition_publish(first, actor=coordinator)
    offers[0].name = "Umbenanntes Angebot"
    offers[0].save()
    second = _edition(world.office, number=2, title="2. Auflage")
    second.snapshot = snapshot.build(second)
    second.save()
    changes = services.edition_changes(second)
    assert [c["fields"] for c in changes["changed"]] == [["name"]]
    login(client, coordinator)
    page = client.get(reverse("guide_staff:changes", args=[second.pk])).content.decode()
    assert "Umbenanntes Angebot" in page
    text = "\n".join(_pages(_render(second, changes=changes)))
    appendix = text[text.rindex("Umbenanntes Angebot") - 300 :]
    assert "Umbenanntes Angebot" in appendix


def test_bad_content_still_renders(district):
    world, _categories, offers = district
    word = "Donaudampfschifffahrtsgesellschaft" * 6  # 204 characters, no break
    offers[0].description = ("Ein langer Absatz über das Angebot. " * 140) + word
    offers[0].save()
    lost = offers[1].offer_locations.get().location
    lost.latitude = lost.longitude = None
    lost.name = "Haus ohne Koordinaten"
    lost.save()
    pdf = _render(_edition(world.office))
    text = "".join(_pages(pdf)).replace("\n", "").replace(" ", "")
    assert word[:20] in text and word[-20:] in text
    with translation.override("de"):
        note = translation.gettext("These places have no coordinates and are not on the map:")
    pages = _pages(pdf)
    map_pages = "\n".join(p for p in pages if note in p)
    assert "Haus ohne Koordinaten" in map_pages
    # Every page still has the trimmed A5 size: nothing pushed the layout off the page.
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert [round(float(v)) for v in page.mediabox[2:]] == [round(v) for v in A5_POINTS]


def test_an_edition_without_entries_renders_with_a_note(world):
    edition = _edition(world.office, all_offers=False)
    edition.categories.set([Category.objects.create(code="empty", name="Leer")])
    text = "\n".join(_pages(_render(edition)))
    with translation.override("de"):
        assert translation.gettext("This edition has no entries.") in text


def test_characters_no_font_has_are_refused_with_a_clear_message(district):
    world, _categories, offers = district
    offers[0].name = "ትግርኛ Beratung"
    offers[0].save()
    edition = _edition(world.office)
    with pytest.raises(brochure.RenderError) as refused:
        _render(edition)
    assert "ት" in str(refused.value) and "ትግርኛ Beratung" in str(refused.value)


def test_pdf_is_tagged_with_language_and_alt_texts_and_embeds_only_package_fonts(district):
    world, _categories, _offers = district
    pdf = _render(_edition(world.office), "fa")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fa"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    with translation.override("fa"):
        alt = translation.gettext("QR code: opens this entry in the online guide")
    assert alt.encode("utf-16-be") in pdf or alt.encode() in _struct_alts(reader)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
            fonts.add(font["/BaseFont"].split("+", 1)[-1])
    assert fonts and all(f.startswith(("NotoSans", "IBMPlexSansArabic")) for f in fonts), fonts


def _struct_alts(reader) -> bytes:
    found = []

    def walk(node, depth=0):
        node = node.get_object()
        if depth > 60:
            return
        if hasattr(node, "get") and node.get("/Alt"):
            found.append(str(node["/Alt"]))
        kids = node.get("/K") if hasattr(node, "get") else None
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid.get_object(), "get"):
                walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return "\n".join(found).encode()


def test_print_ready_pdf_has_bleed_crop_marks_and_trim_box(district):
    world, _categories, _offers = district
    pdf = _render(_edition(world.office), print_ready=True)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = (float(v) for v in page.mediabox[2:])
    extra = 2 * (brochure.BLEED_MM + brochure.SLUG_MM) / 25.4 * 72
    assert round(width) == round(A5_POINTS[0] + extra)
    trim = [float(v) for v in page["/TrimBox"]]
    assert round(trim[2] - trim[0]) == round(A5_POINTS[0])
    assert round(trim[3] - trim[1]) == round(A5_POINTS[1])
    bleed = [float(v) for v in page["/BleedBox"]]
    assert round(bleed[2] - bleed[0]) == round(A5_POINTS[0] + 2 * 3 / 25.4 * 72)


@pytest.mark.django_db(transaction=True)
def test_publishing_renders_in_the_background_with_progress_and_cache(district, client):
    world, _categories, _offers = district
    coordinator = world.members[Role.COORDINATOR].user
    login(client, coordinator)
    edition = _edition(world.office, languages=["ar"])
    response = client.post(reverse("guide_staff:publish", args=[edition.pk]))
    assert response.status_code == 302
    renderings = list(edition.renderings.all())
    assert {(r.language, r.paper, r.status) for r in renderings} == {
        ("de", "a5", "queued"),
        ("de", "a4", "queued"),
        ("ar", "a5", "queued"),
        ("ar", "a4", "queued"),
    }
    page = client.get(reverse("guide_staff:detail", args=[edition.pk])).content.decode()
    assert "0 of 4 ready" in page or "0 von 4" in page
    assert 'http-equiv="refresh"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    renderings = list(edition.renderings.all())
    assert all(r.status == "done" and r.pages > 3 and not r.reused for r in renderings)
    # The same inputs again: taken from the cache, not typeset twice.
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.count()
    edition.refresh_from_db()
    again = services.rendering_request(edition, "ar", "a5")
    assert again.status == "done" and DBTaskResult.objects.count() == tasks
    # The public list links every file with its size, and the file is a PDF.
    client.logout()
    listing = client.get("/de/broschueren/").content.decode()
    with translation.override("de"):
        link = reverse("guide:file", args=[1, "ar", "a5"])
    assert link in listing
    download = client.get(link)
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_a_failed_rendering_shows_its_error_and_can_be_retried(district, client, monkeypatch):
    world, _categories, offers = district
    offers[0].name = "Beratung ትግርኛ"
    offers[0].save()
    coordinator = world.members[Role.COORDINATOR].user
    edition = _edition(world.office, languages=[])
    services.edition_publish(edition, actor=coordinator)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    failed = edition.renderings.get(paper="a5")
    assert failed.status == "failed" and "ትግርኛ" in failed.error
    login(client, coordinator)
    page = client.get(reverse("guide_staff:detail", args=[edition.pk])).content.decode()
    assert "ትግርኛ" in page
    # The frozen data cannot change, so the fix is made where the text is: here, the data.
    edition.snapshot = snapshot.build(edition)
    for entry in edition.snapshot["offers"]:
        entry["name"]["de"] = entry["name"]["de"].replace("ትግርኛ", "Tigrinya")
    Edition.objects.filter(pk=edition.pk).update(snapshot=edition.snapshot)
    response = client.post(reverse("guide_staff:retry", args=[failed.pk]))
    assert response.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    failed.refresh_from_db()
    assert failed.status == "done"


def test_the_edition_form_validates_and_detects_concurrent_edits(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    url = reverse("guide_staff:create")
    base = {"number": 4, "title": "4. Auflage", "stand": "2027-01-15", "all_offers": "on"}
    logo = SimpleUploadedFile("logo.png", b"this is not an image", content_type="image/png")
    response = client.post(url, {**base, "logo": logo})
    assert response.status_code == 400
    assert "logo" in response.context["form"].errors
    response = client.post(url, {**base, "all_offers": ""})
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    response = client.post(url, {**base, "languages": ["ar", "xx"]})
    assert response.status_code == 400 and "languages" in response.context["form"].errors
    assert not Edition.objects.exists()
    response = client.post(url, {**base, "languages": ["ar"], "foreword_ar": "مقدمة"})
    edition = Edition.objects.get()
    assert response.status_code == 302
    assert edition.foreword_translations == {"ar": "مقدمة"} and edition.languages == ["ar"]
    edit = reverse("guide_staff:edit", args=[edition.pk])
    client.post(edit, {**base, "title": "Erste Änderung", "version": 1})
    response = client.post(edit, {**base, "title": "Zweite Änderung", "version": 1})
    assert response.status_code == 409
    edition.refresh_from_db()
    assert edition.title == "Erste Änderung"
    duplicate = client.post(url, {**base})
    assert duplicate.status_code == 400 and "number" in duplicate.context["form"].errors


def test_editions_of_another_office_answer_404(world, client):
    foreign = _edition(world.other_office)
    login(client, world.members[Role.COORDINATOR].user)
    for name in ("detail", "edit"):
        assert client.get(reverse(f"guide_staff:{name}", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("guide_staff:publish", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "draft"


def test_the_demo_has_two_published_editions_with_brochures_in_every_language(db, capsys):
    from django.conf import settings

    call_command("load_demo", "--quiet-logins")
    current, previous = Edition.objects.filter(status="published").order_by("-number")
    assert (current.number, previous.number) == (3, 2)
    languages = {code for code, _name in settings.LANGUAGES}
    assert set(current.snapshot["edition"]["languages"]) == languages
    done = current.renderings.filter(status="done")
    assert {r.language for r in done.filter(paper="a5")} == languages
    assert {r.language for r in previous.renderings.filter(status="done")} == languages
    changes = services.edition_changes(current)
    assert changes["added"] and changes["removed"] and changes["changed"]


@pytest.mark.django_db(transaction=True)
def test_a_rendering_whose_file_is_gone_is_typeset_again(district, client):
    world, _categories, _offers = district
    coordinator = world.members[Role.COORDINATOR].user
    edition = _edition(world.office, languages=[])
    services.edition_publish(edition, actor=coordinator)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    rendering = edition.renderings.get(paper="a5")
    services.file_path(rendering.input_hash).unlink()  # restored without the brochures
    login(client, coordinator)
    page = client.get(reverse("guide_staff:detail", args=[edition.pk])).content.decode()
    assert reverse("guide_staff:retry", args=[rendering.pk]) in page
    assert client.get(reverse("guide:file", args=[1, "de", "a5"])).status_code == 404
    client.post(reverse("guide_staff:retry", args=[rendering.pk]))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    rendering.refresh_from_db()
    assert rendering.status == "done" and services.file_path(rendering.input_hash).is_file()
    assert client.get(reverse("guide:file", args=[1, "de", "a5"])).status_code == 200


def test_changing_a_draft_drops_its_previews(district, client):
    world, _categories, _offers = district
    login(client, world.members[Role.COORDINATOR].user)
    edition = _edition(world.office, languages=["tr"])
    client.post(reverse("guide_staff:preview", args=[edition.pk]))
    assert sorted(edition.renderings.values_list("language", flat=True)) == ["de", "tr"]
    edition.refresh_from_db()
    assert len(edition.snapshot["offers"]) == 10
    response = client.post(
        reverse("guide_staff:edit", args=[edition.pk]),
        {"number": 1, "title": "Neu", "stand": "2027-01-01", "all_offers": "on", "version": 1},
    )
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.snapshot is None and not edition.renderings.exists()
