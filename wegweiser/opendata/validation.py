"""Validation against the official HSDS 3.0 JSON Schemas shipped in `schema/` (CC BY-SA 4.0,
see schema/README.md). `$ref`s resolve within that folder; nothing is fetched. Formats the
schemas name (uuid, email, uri, date-time) and the tabular types (date, time) are checked by
our own rules, so the result does not depend on which optional packages are installed."""

import json
import re
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
OBJECT_TYPES = (
    "service",
    "organization",
    "location",
    "service_at_location",
    "taxonomy",
    "taxonomy_term",
    "schedule",
    "contact",
    "phone",
    "address",
    "language",
    "attribute",
    "accessibility",
    "cost_option",
    "organization_identifier",
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

formats = FormatChecker(formats=())


@formats.checks("uuid", raises=ValueError)
def _uuid(value) -> bool:
    return not isinstance(value, str) or str(UUID(value)) == value.lower()


@formats.checks("email")
def _email(value) -> bool:
    return not isinstance(value, str) or bool(EMAIL.match(value))


@formats.checks("uri")
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("mailto", "tel", "urn"))


@formats.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d", value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _tabular_type(validator, kind, instance, schema):
    """HSDS marks date and time fields with `datapackage_type`; hold them to ISO forms."""
    if not isinstance(instance, str):
        return
    try:
        if kind == "date":
            date.fromisoformat(instance)
        elif kind == "time":
            if not re.match(r"^\d\d:\d\d(:\d\d)?", instance):
                raise ValueError
            time.fromisoformat(instance.replace("Z", "+00:00"))
        elif kind == "datetime":
            _date_time(instance)
    except ValueError:
        yield ValidationError(f"{instance!r} is not a valid {kind}")


HSDSValidator = validators.extend(Draft202012Validator, {"datapackage_type": _tabular_type})


@cache
def registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        if path.name == "datapackage.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(object_type: str):
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown HSDS object type {object_type!r}")
    return HSDSValidator(
        {"$ref": f"{object_type}.json"}, registry=registry(), format_checker=formats
    )


def _bundled(node):
    """A schema with its file references ("phone.json") turned into local ones."""
    if isinstance(node, dict):
        return {
            key: f"#/$defs/{value.removesuffix('.json')}"
            if key == "$ref" and isinstance(value, str) and value.endswith(".json")
            else _bundled(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_bundled(item) for item in node]
    return node


class _TabularKeyword:
    """`datapackage_type` for jsonschema-rs, by the same rule as `_tabular_type`."""

    def __init__(self, parent_schema, value, schema_path):
        self.kind = value

    def validate(self, instance):
        for error in _tabular_type(None, self.kind, instance, None):
            raise ValueError(error.message)


def _boolean(check):
    def run(value) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False

    return run


@cache
def fast_validator(object_type: str):
    """The same schema, formats and keyword compiled by jsonschema-rs: about ten times
    faster, used to pass valid records quickly (imports of thousands of services)."""
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown HSDS object type {object_type!r}")
    definitions = {
        path.stem: _bundled(json.loads(path.read_text(encoding="utf-8")))
        for path in SCHEMA_DIR.glob("*.json")
        if path.name != "datapackage.json"
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/$defs/{object_type}",
        "$defs": definitions,
    }
    checks = {"uuid": _uuid, "email": _email, "uri": _uri, "date-time": _date_time}
    return jsonschema_rs.validator_for(
        schema,
        formats={name: _boolean(check) for name, check in checks.items()},
        validate_formats=True,
        keywords={"datapackage_type": _TabularKeyword},
    )


def errors(object_type: str, record) -> list[str]:
    """Every way the record breaks the official schema, as 'path: message' lines."""
    if fast_validator(object_type).is_valid(record):
        return []
    found = sorted(validator(object_type).iter_errors(record), key=lambda e: list(e.path))
    if not found:  # the two validators disagree: trust the stricter one
        return [str(e).splitlines()[0] for e in fast_validator(object_type).iter_errors(record)]
    return [_describe(e) for e in found]


def _describe(error: ValidationError) -> str:
    path = "/".join(str(p) for p in error.absolute_path) or "(record)"
    return f"{path}: {error.message}"


def is_valid(object_type: str, record) -> bool:
    return not errors(object_type, record)


@cache
def datapackage() -> dict:
    return json.loads((SCHEMA_DIR / "datapackage.json").read_text(encoding="utf-8"))
