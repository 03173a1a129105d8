"""XLIFF 2.0 and PO exchange: round trips, checks against the source revision, hostile and
broken files, all or nothing."""

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.core.models import Language
from wegweiser.directory import services
from wegweiser.directory.models import OfferTranslation
from wegweiser.translations import exchange


@pytest.fixture
def translator(world, client):
    login(client, world.members[Role.TRANSLATOR].user)
    client.cookies["django_language"] = "en"
    return client


def _export(client, fmt):
    name = "translations:export_xliff" if fmt == "xlf" else "translations:export_po"
    return client.get(reverse(name, kwargs={"language": "ar"})).content


def _import(client, content: bytes, name="file.xlf"):
    return client.post(
        reverse("translations:import", kwargs={"language": "ar"}),
        {"file": SimpleUploadedFile(name, content)},
    )


def _fill_xliff(data: bytes, text: str) -> bytes:
    return data.replace(b"<target />", f"<target>{text}</target>".encode())


def test_xliff_round_trip(world, translator):
    data = _export(translator, "xlf")
    assert b'trgLang="ar"' in data and f"offers/{world.offer.public_id}/name".encode() in data
    response = _import(translator, _fill_xliff(data, "نص مترجم"))
    assert response.status_code == 200 and response.context["report"].applied > 0
    row = OfferTranslation.objects.get(offer=world.offer, language="ar")
    assert row.name == "نص مترجم" and row.origin == "human"
    assert row.source_revision == world.offer.revision


def test_po_round_trip(world, translator):
    po = polib.pofile(_export(translator, "po").decode())
    assert po.metadata["Language"] == "ar"
    for entry in po:
        entry.msgstr = "ترجمة"
    response = _import(translator, str(po).encode(), "file.po")
    assert response.status_code == 200
    assert OfferTranslation.objects.get(offer=world.offer, language="ar").name == "ترجمة"


def test_units_whose_source_changed_are_reported_not_applied(world, translator):
    data = _export(translator, "xlf")
    services.entry_update(
        world.offer,
        data={"name": "Ganz neuer Name"},
        expected_version=1,
        actor=world.members[Role.STAFF].user,
        office=world.office,
    )
    report = _import(translator, _fill_xliff(data, "قديم")).context["report"]
    assert f"offers/{world.offer.public_id}/name" in report.stale
    assert not OfferTranslation.objects.filter(offer=world.offer).exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="ar">
<file id="f"><unit id="x"><segment><source>&lol2;</source></segment></unit></file></xliff>"""


@pytest.mark.parametrize(
    "content, message",
    [
        (BILLION_LAUGHS, "DTD"),
        (b"<xliff><unclosed>", "not well-formed"),
        (b"<?xml version='1.0'?><root/>", "not an XLIFF 2.0"),
        (b"\xff\xfe garbage", "neither XLIFF nor"),
        (
            b'msgid ""\nmsgstr ""\n"Language: tr\\n"\n',
            "not “ar”",
        ),
    ],
)
def test_broken_or_hostile_files_are_rejected_whole(world, translator, content, message):
    response = _import(translator, content)
    assert response.status_code == 400
    assert any(message in e for e in response.context["report"].errors)
    assert not OfferTranslation.objects.exists()


def test_xliff_for_another_language_is_rejected(world, translator):
    data = _fill_xliff(_export(translator, "xlf"), "x").replace(b'trgLang="ar"', b'trgLang="tr"')
    response = _import(translator, data)
    assert response.status_code == 400 and not OfferTranslation.objects.exists()


def test_unknown_ids_reject_the_whole_file(world, translator):
    data = _fill_xliff(_export(translator, "xlf"), "نص")
    data = data.replace(
        f"offers/{world.offer.public_id}/name".encode(),
        f"offers/{world.foreign_offer.public_id}/name".encode(),
    )
    response = _import(translator, data)
    assert response.status_code == 400
    assert any("Unknown unit id" in e for e in response.context["report"].errors)
    assert not OfferTranslation.objects.exists()


def test_broken_placeholders_or_markup_reject_the_file(world, translator):
    data = _fill_xliff(_export(translator, "xlf"), "&lt;script&gt;x&lt;/script&gt;")
    response = _import(translator, data)
    assert response.status_code == 400
    assert not OfferTranslation.objects.exists()


def test_po_with_plural_forms_is_rejected(world, translator):
    po = polib.POFile()
    po.metadata = {"Language": "ar"}
    po.append(
        polib.POEntry(
            msgctxt=f"offers/{world.offer.public_id}/name",
            msgid="Kurs",
            msgid_plural="Kurse",
            msgstr_plural={0: "a", 1: "b"},
            comment="revision 1",
        )
    )
    response = _import(translator, str(po).encode(), "x.po")
    assert response.status_code == 400
    assert any("plural" in e for e in response.context["report"].errors)


def test_oversized_file_is_rejected(world, db):
    language = Language.objects.get(code="ar")
    report = exchange.import_file(
        b"x" * (exchange.MAX_BYTES + 1), world.members[Role.TRANSLATOR], language, actor=None
    )
    assert report.errors == ["The file is larger than 5 MB."]
