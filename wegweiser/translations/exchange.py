"""Exchange files for translators who work in their own tools: XLIFF 2.0 and gettext PO.
Export what is missing or outdated in a language; import it back, checked unit by unit
against the source revision it was exported from, all or nothing."""

import uuid
import xml.etree.ElementTree as ET  # noqa: S405  # nosec B405 - DTDs are refused before parsing
from dataclasses import dataclass, field

import polib
from django.db import transaction
from django.utils.translation import gettext as _

from wegweiser.translations.state import MACHINE, MISSING, OUTDATED, with_translation_state
from wegweiser.translations.workbench import (
    KINDS,
    records_for,
    translation_problems,
    translation_save,
)

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class Unit:
    id: str
    source: str
    target: str
    revision: int


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    applied: int = 0
    skipped_empty: int = 0


def export_units(membership, language: str) -> list[Unit]:
    units = []
    for kind in KINDS:
        records = (
            with_translation_state(records_for(kind, membership), language)
            .filter(translation_state__in=[MISSING, OUTDATED, MACHINE])
            .prefetch_related("translations")
        )
        for record in records:
            existing = next((t for t in record.translations.all() if t.language == language), None)
            for name in record.TRANSLATABLE_FIELDS:
                source = getattr(record, name) or ""
                if source:
                    units.append(
                        Unit(
                            f"{kind}/{record.public_id}/{name}",
                            source,
                            getattr(existing, name, "") or "",
                            record.revision,
                        )
                    )
    return units


def to_xliff(units: list[Unit], language: str) -> bytes:
    ET.register_namespace("", XLIFF_NS)
    root = ET.Element(
        f"{{{XLIFF_NS}}}xliff", {"version": "2.0", "srcLang": "de", "trgLang": language}
    )
    file = ET.SubElement(root, f"{{{XLIFF_NS}}}file", {"id": "wegweiser"})
    for unit in units:
        element = ET.SubElement(file, f"{{{XLIFF_NS}}}unit", {"id": unit.id})
        notes = ET.SubElement(element, f"{{{XLIFF_NS}}}notes")
        ET.SubElement(notes, f"{{{XLIFF_NS}}}note", {"category": "revision"}).text = str(
            unit.revision
        )
        segment = ET.SubElement(element, f"{{{XLIFF_NS}}}segment")
        ET.SubElement(segment, f"{{{XLIFF_NS}}}source").text = unit.source
        ET.SubElement(segment, f"{{{XLIFF_NS}}}target").text = unit.target
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_po(units: list[Unit], language: str) -> str:
    po = polib.POFile()
    po.metadata = {
        "Language": language,
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "MIME-Version": "1.0",
    }
    for unit in units:
        po.append(
            polib.POEntry(
                msgctxt=unit.id,
                msgid=unit.source,
                msgstr=unit.target,
                comment=f"revision {unit.revision}",
            )
        )
    return str(po)


def _parse_xliff(data: bytes, language: str, report: ImportReport) -> list[Unit]:
    try:
        root = ET.fromstring(data)  # noqa: S314  # nosec B314 - no DTD can reach the parser
    except ET.ParseError as exc:
        report.errors.append(_("The XLIFF file is not well-formed XML: %(error)s") % {"error": exc})
        return []
    if root.tag != f"{{{XLIFF_NS}}}xliff" or root.get("version") != "2.0":
        report.errors.append(_("This is not an XLIFF 2.0 file."))
        return []
    if root.get("trgLang") != language:
        report.errors.append(
            _("The file is for the language “%(found)s”, not “%(wanted)s”.")
            % {"found": root.get("trgLang"), "wanted": language}
        )
        return []
    units = []
    for element in root.iter(f"{{{XLIFF_NS}}}unit"):
        note = element.find(f"{{{XLIFF_NS}}}notes/{{{XLIFF_NS}}}note[@category='revision']")
        source = element.find(f".//{{{XLIFF_NS}}}source")
        target = element.find(f".//{{{XLIFF_NS}}}target")
        try:
            revision = int(note.text)  # type: ignore[union-attr]
        except (AttributeError, TypeError, ValueError):
            report.errors.append(
                _("Unit %(id)s: the source revision is missing.") % {"id": element.get("id")}
            )
            continue
        units.append(
            Unit(
                element.get("id") or "",
                "".join(source.itertext()) if source is not None else "",
                "".join(target.itertext()) if target is not None else "",
                revision,
            )
        )
    return units


def _parse_po(text: str, language: str, report: ImportReport) -> list[Unit]:
    try:
        po = polib.pofile(text)
    except (OSError, ValueError) as exc:
        report.errors.append(_("The PO file cannot be read: %(error)s") % {"error": exc})
        return []
    if po.metadata.get("Language") != language:
        report.errors.append(
            _("The file is for the language “%(found)s”, not “%(wanted)s”.")
            % {"found": po.metadata.get("Language"), "wanted": language}
        )
        return []
    units = []
    for entry in po:
        if entry.msgid_plural:
            report.errors.append(
                _("Entry %(id)s: plural forms do not belong in this file.") % {"id": entry.msgctxt}
            )
            continue
        try:
            revision = int(entry.comment.split("revision", 1)[1].split()[0])
        except (IndexError, ValueError):
            report.errors.append(
                _("Entry %(id)s: the source revision is missing.") % {"id": entry.msgctxt}
            )
            continue
        units.append(Unit(entry.msgctxt or "", entry.msgid, entry.msgstr, revision))
    return units


def _resolve(unit: Unit, membership, report: ImportReport):
    try:
        kind, public_id, name = unit.id.split("/")
        uuid.UUID(public_id)
        model = KINDS[kind]
    except (ValueError, KeyError):
        report.errors.append(_("Unknown unit id “%(id)s”.") % {"id": unit.id})
        return None
    if name not in model.TRANSLATABLE_FIELDS:
        report.errors.append(_("Unknown unit id “%(id)s”.") % {"id": unit.id})
        return None
    record = records_for(kind, membership).filter(public_id=public_id).first()
    if record is None:
        report.errors.append(_("Unknown unit id “%(id)s”.") % {"id": unit.id})
    return record, name


def import_file(data: bytes, membership, language, *, actor) -> ImportReport:
    """Check every unit first; apply only if the whole file is sound. Units whose source
    changed since the export are reported, not applied."""
    report = ImportReport()
    if len(data) > MAX_BYTES:
        report.errors.append(_("The file is larger than 5 MB."))
        return report
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        report.errors.append(_("The file declares a DTD or entities, which are not allowed."))
        return report
    if head.startswith(b"<"):
        units = _parse_xliff(data, language.code, report)
    else:
        try:
            units = _parse_po(data.decode("utf-8"), language.code, report)
        except UnicodeDecodeError:
            report.errors.append(_("The file is neither XLIFF nor a UTF-8 PO file."))
            return report
    changes: dict[tuple, tuple] = {}
    for unit in units:
        resolved = _resolve(unit, membership, report)
        if not resolved or resolved[0] is None:
            continue
        record, name = resolved
        if not unit.target.strip():
            report.skipped_empty += 1
            continue
        if unit.revision != record.revision:
            report.stale.append(unit.id)
            continue
        if translation_problems(getattr(record, name) or "", unit.target):
            report.errors.append(
                _("Unit %(id)s: placeholders or markup do not match the source.") % {"id": unit.id}
            )
            continue
        changes.setdefault((type(record), record.pk), (record, {}))[1][name] = unit.target
    if report.errors:
        return report
    with transaction.atomic():
        for record, values in changes.values():
            translation_save(record, language, values, actor=actor, office=membership.office)
            report.applied += len(values)
    return report
