"""HSDS tabular data packages (Frictionless Tabular Data Package: CSV files described by
datapackage.json): reading a folder or zip into typed rows, and checking its keys. The export
writes packages, the importer and the tests read and check them with these functions.

Cells follow the descriptor's field types both ways: an empty cell is an absent value,
number, integer and boolean fields become Python values, everything else stays text."""

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from wegweiser.opendata import validation

DESCRIPTOR = "datapackage.json"
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

Table = list[dict]


class TabularError(Exception):
    """A package that cannot be read at all (not a zip, not UTF-8, broken CSV, no descriptor
    to go by); the message names the file and, where there is one, the line."""


class Problem(str):
    """One broken key as a readable line ("location.organization_id: …") that also carries
    its parts, so the importer can reject the record it belongs to."""

    resource: str
    field: str
    row_id: str
    message: str

    def __new__(cls, resource: str, field: str, row_id: str, message: str):
        self = super().__new__(cls, f"{resource}.{field}: {message}")
        self.resource, self.field, self.row_id, self.message = resource, field, row_id, message
        return self


# Cells


def format_cell(value, field: dict) -> str:
    """A value as the CSV cell the descriptor's field type expects; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def parse_cell(text: str, field: dict | None):
    """A cell as a typed value, or None for an empty cell. Text that does not parse as the
    field's type is returned unchanged, so schema validation names it."""
    if text == "":
        return None
    kind = (field or {}).get("type", "string")
    if kind in ("number", "integer"):
        bare = text.strip()
        if INTEGER.fullmatch(bare):
            return int(bare)
        if kind == "number" and NUMBER.fullmatch(bare):
            return float(bare)
    elif kind == "boolean":
        if text in _values(field, "trueValues", TRUE_VALUES):
            return True
        if text in _values(field, "falseValues", FALSE_VALUES):
            return False
    return text


def _values(field: dict, key: str, default: tuple[str, ...]):
    values = field.get(key)
    return values if isinstance(values, list) else default


def typed_row(cells: dict[str, str], resource: dict) -> dict:
    """A CSV row (header → cell) as a record: typed by the resource's fields, empty cells left
    out. Columns the descriptor does not name are kept as text."""
    fields = {f["name"]: f for f in resource.get("schema", {}).get("fields", [])}
    out = {}
    for name, text in cells.items():
        value = parse_cell(text, fields.get(name))
        if value is not None:
            out[name] = value
    return out


# Reading


def read_tabular(source: Path | str | zipfile.ZipFile) -> tuple[dict[str, Table], dict]:
    """The tables of a package (a folder, a zip file or an open ZipFile) by resource name,
    rows typed by `typed_row`, and the descriptor restricted to the resources present.
    Without a datapackage.json, the official HSDS descriptor says which files to read."""
    if isinstance(source, zipfile.ZipFile):
        return _read(_zip_reader(source), source.filename or "zip archive")
    path = Path(source)
    if path.is_dir():
        return _read(_folder_reader(path), path.name)
    if not path.is_file():
        raise TabularError(f"{path}: there is no such file or folder.")
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(_zip_reader(archive), path.name)
    except zipfile.BadZipFile:
        raise TabularError(f"{path.name}: not a zip archive or a folder of CSV files.") from None


Reader = Callable[[str], bytes | None]


def _folder_reader(folder: Path) -> Reader:
    root = folder.resolve()

    def read(name: str) -> bytes | None:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path.read_bytes()

    return read


def _zip_reader(archive: zipfile.ZipFile) -> Reader:
    """Names relative to the folder holding datapackage.json (or the single top folder)."""
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    descriptors = sorted(
        (n for n in names if PurePosixPath(n).name == DESCRIPTOR), key=lambda n: n.count("/")
    )
    if descriptors:
        base = descriptors[0][: -len(DESCRIPTOR)]
    else:
        tops = {n.split("/", 1)[0] + "/" if "/" in n else "" for n in names}
        base = tops.pop() if len(tops) == 1 else ""
    members = {n[len(base) :]: n for n in names if n.startswith(base)}

    def read(name: str) -> bytes | None:
        member = members.get(name)
        return archive.read(member) if member is not None else None

    return read


def _read(read: Reader, label: str) -> tuple[dict[str, Table], dict]:
    raw = read(DESCRIPTOR)
    explicit = raw is not None
    descriptor = _parse_descriptor(raw) if explicit else validation.datapackage()
    tables: dict[str, Table] = {}
    present = []
    for resource in descriptor["resources"]:
        path = resource["path"]
        data = read(path)
        if data is None:
            if explicit:
                raise TabularError(f"{DESCRIPTOR} lists {path}, which is not in the package.")
            continue
        tables[resource["name"]] = [typed_row(cells, resource) for cells in read_csv(data, path)]
        present.append(resource)
    if not present:
        raise TabularError(
            f"{label}: {DESCRIPTOR} lists no resources."
            if explicit
            else f"{label}: no {DESCRIPTOR} and none of the HSDS files (services.csv, …) found."
        )
    return tables, {**descriptor, "resources": present}


def _parse_descriptor(raw: bytes) -> dict:
    try:
        descriptor = json.loads(_decode(raw, DESCRIPTOR))
    except json.JSONDecodeError as error:
        raise TabularError(f"{DESCRIPTOR}: line {error.lineno}: not valid JSON.") from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise TabularError(f"{DESCRIPTOR}: there is no list of resources.")
    for index, resource in enumerate(resources, start=1):
        if not (
            isinstance(resource, dict)
            and isinstance(resource.get("name"), str)
            and isinstance(resource.get("path"), str)
            and _schema_shape_ok(resource.get("schema", {}))
        ):
            raise TabularError(
                f"{DESCRIPTOR}: resource {index} needs a name, a single file path and a "
                "schema of fields and keys as Table Schema describes them."
            )
    return descriptor


def _is_names(value) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _schema_shape_ok(schema) -> bool:
    """The parts of a Table Schema the reader and the key checks rely on are well formed."""
    if not isinstance(schema, dict):
        return False
    fields = schema.get("fields", [])
    if not isinstance(fields, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
    ):
        return False
    if "primaryKey" in schema and not _is_names(schema["primaryKey"]):
        return False
    keys = schema.get("foreignKeys", [])
    return isinstance(keys, list) and all(
        isinstance(fk, dict)
        and _is_names(fk.get("fields"))
        and isinstance(fk.get("reference"), dict)
        and _is_names(fk["reference"].get("fields"))
        and isinstance(fk["reference"].get("resource", ""), str)
        for fk in keys
    )


def _decode(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TabularError(f"{name}: line 1: the file is UTF-16; save it as UTF-8.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TabularError(
            f"{name}: line {line}: the file is not UTF-8 (byte 0x{data[error.start]:02x}); "
            "save it as UTF-8."
        ) from None


def read_csv(data: bytes, name: str) -> list[dict[str, str]]:
    """The rows of an RFC 4180 CSV file with a header row (UTF-8, with or without BOM) as
    header → cell text. Raises TabularError naming the file and line."""
    reader = csv.reader(io.StringIO(_decode(data, name), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise TabularError(f"{name}: the file is empty; expected a header row.")
        if len(set(header)) != len(header):
            raise TabularError(f"{name}: line 1: a column name appears twice.")
        rows = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                raise TabularError(
                    f"{name}: line {reader.line_num}: {len(cells)} cells, "
                    f"but the header has {len(header)}."
                )
            rows.append(dict(zip(header, cells, strict=True)))
    except csv.Error as error:
        raise TabularError(f"{name}: line {reader.line_num}: {error}.") from None
    return rows


# Checking keys


def _names(fields) -> list[str]:
    return [fields] if isinstance(fields, str) else list(fields)


def _key(row: dict, names: list[str]) -> tuple:
    return tuple(None if row.get(n) in (None, "") else str(row[n]) for n in names)


def _where(resource: dict, index: int, row: dict) -> str:
    where = f"row {index + 2} of {resource.get('path', resource['name'])}"
    return where + (f" (id {row['id']})" if row.get("id") not in (None, "") else "")


def foreign_key_problems(tables: dict[str, Table], descriptor: dict) -> list[Problem]:
    """Every foreign key (as the descriptor declares them) whose value matches no row of the
    referenced table; an empty key is no reference. Problems are strings that start with
    "resource.field: " and carry .resource, .field, .row_id and .message."""
    problems = []
    for resource in descriptor.get("resources", []):
        name = resource["name"]
        rows = tables.get(name)
        if rows is None:
            continue
        for fk in resource.get("schema", {}).get("foreignKeys", []):
            fields = _names(fk["fields"])
            target = fk["reference"].get("resource") or name
            target_fields = _names(fk["reference"]["fields"])
            known = {_key(row, target_fields) for row in tables.get(target, [])}
            for index, row in enumerate(rows):
                value = _key(row, fields)
                if all(v is None for v in value) or value in known:
                    continue
                shown = value[0] if len(value) == 1 else value
                missing = (
                    f"matches no {target}.{'+'.join(target_fields)}"
                    if target in tables
                    else f"points at {target}, which is not in the package"
                )
                problems.append(
                    Problem(
                        name,
                        "+".join(fields),
                        str(row.get("id", "")),
                        f"{shown!r} in {_where(resource, index, row)} {missing}.",
                    )
                )
    return problems


def unique_problems(tables: dict[str, Table], descriptor: dict) -> list[Problem]:
    """Primary keys that are empty or repeated, and repeated values of fields the descriptor
    marks unique."""
    problems = []
    for resource in descriptor.get("resources", []):
        name = resource["name"]
        rows = tables.get(name)
        if rows is None:
            continue
        schema = resource.get("schema", {})
        primary = _names(schema["primaryKey"]) if schema.get("primaryKey") else []
        keys = [(primary, True)] if primary else []
        keys += [
            ([f["name"]], False)
            for f in schema.get("fields", [])
            if f.get("constraints", {}).get("unique") and [f["name"]] != primary
        ]
        for fields, is_primary in keys:
            seen: set[tuple] = set()
            for index, row in enumerate(rows):
                value = _key(row, fields)
                if all(v is None for v in value):
                    if is_primary:
                        problems.append(
                            Problem(
                                name,
                                "+".join(fields),
                                "",
                                f"{_where(resource, index, row)} has no primary key.",
                            )
                        )
                    continue
                if value in seen:
                    shown = value[0] if len(value) == 1 else value
                    problems.append(
                        Problem(
                            name,
                            "+".join(fields),
                            str(row.get("id", "")),
                            f"{shown!r} in {_where(resource, index, row)} is not unique.",
                        )
                    )
                seen.add(value)
    return problems
