"""The OpenAPI 3.1 document of the HSDS API, built from this module and committed as
openapi.json; a test holds the two equal.

Response schemas are the official HSDS 3.0 schemas from `schema/`, bundled into
`components/schemas` with their relative `$ref`s pointed there, so nothing is fetched. The
fields our profile adds (docs/hsds-profile.md) are extra properties of those schemas, each
described as an extension; the official schemas allow extra properties, so plain HSDS tools
still accept our records."""

import json
import re
from pathlib import Path
from typing import Any

from wegweiser import __version__
from wegweiser.opendata import api, exports, hsds
from wegweiser.opendata.validation import SCHEMA_DIR

COMMITTED = Path(__file__).resolve().parent / "openapi.json"

SERVER = "/api/hsds"
PROFILE_URL = SERVER + "/profile"
SCHEMAS = "#/components/schemas/"
LOCAL_REF = re.compile(r"^([a-z_]+)\.json$")
LANGUAGE_PATTERN = "^[a-z]{2,3}(-[A-Za-z0-9]+)*$"
EXTENSION = "Wegweiser extension (see the profile at " + PROFILE_URL + "): "

# Per HSDS type: the translated fields its `translations` object may carry (hsds.py).
TRANSLATED_FIELDS = {
    "service": list(hsds.SERVICE_TEXTS),
    "organization": ["name", "description"],
    "location": ["name", "transportation", "accessibility"],
    "taxonomy_term": ["name", "description"],
    "contact": ["department"],
}

DESCRIPTION = f"""\
The public offers of Wegweiser as an Open Referral Human Services Data Specification
(HSDS) 3.0 API: read-only, no key, open to every origin (CORS).

Wegweiser's HSDS profile, at [{PROFILE_URL}]({PROFILE_URL}), documents what it adds to
HSDS: the `translations` object on services, organizations, locations, taxonomy terms and
contacts (every reviewed translation of the record's text, by language code), the
`summary` and `accessibility_description` of a service, and how categories and target
groups are published as two taxonomies.

- Text comes in the language asked for with `lang`, field by field: where a record has no
  reviewed translation of a field, the German original stands in.
- Optional fields without a value are left out, never `null`.
- Lists are pages in the HSDS shape; `format=ndjson` streams every match instead, one JSON
  object per line, without paging.
- Every response carries an `ETag`; a request with `If-None-Match` gets `304 Not Modified`
  while the data is unchanged.
- Errors are RFC 9457 problem documents (`application/problem+json`); a bad query
  parameter is named in `parameter`.
- Anonymous use is limited per client address; over the limit the answer is `429` with
  `Retry-After`.
- `HEAD` works wherever `GET` does, and `OPTIONS` answers CORS preflight requests.
"""


def build() -> dict:
    """The whole document; deterministic, so the committed file can be compared with it."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wegweiser HSDS API",
            "version": __version__,
            "summary": "The public offers of Wegweiser as Open Referral HSDS 3.0.",
            "description": DESCRIPTION,
            "license": {
                "name": "Data: CC BY 4.0",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": SERVER}],
        "tags": [
            {"name": "HSDS", "description": "The HSDS 3.0 endpoints."},
            {"name": "documents", "description": "This API's own descriptions."},
            {"name": "downloads", "description": "Files of all public data."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": {**_api_schemas(), **_hsds_schemas()},
            "parameters": _parameters(),
            "headers": _headers(),
            "responses": _responses(),
        },
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# Schemas


def _local_refs(node: Any) -> Any:
    """The node with each relative `$ref` ("phone.json") pointed into components/schemas."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            match = LOCAL_REF.match(value) if key == "$ref" and isinstance(value, str) else None
            out[key] = SCHEMAS + match[1] if match else _local_refs(value)
        return out
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return node


def _translations(kind: str) -> dict:
    return {
        "type": "object",
        "description": EXTENSION + "every reviewed translation of this record's text, by "
        "language code; only fields with a translation appear. The standard fields hold the "
        "text in the requested language, with German where a translation is missing.",
        "propertyNames": {"pattern": LANGUAGE_PATTERN},
        "additionalProperties": {
            "type": "object",
            "properties": {field: {"type": "string"} for field in TRANSLATED_FIELDS[kind]},
            "additionalProperties": False,
        },
    }


def _extensions() -> dict[str, dict[str, dict]]:
    """Properties our records carry beyond the per-object HSDS schemas."""
    out: dict[str, dict[str, dict]] = {
        kind: {"translations": _translations(kind)} for kind in TRANSLATED_FIELDS
    }
    out["service"]["summary"] = {
        "type": "string",
        "description": EXTENSION + "one sentence about the service, as on result cards.",
    }
    out["service"]["accessibility_description"] = {
        "type": "string",
        "description": EXTENSION + "the accessibility of the service itself, "
        "e.g. sign language on request.",
    }
    out["organization"]["services"] = {
        "type": "array",
        "description": "The organization's public services, in fully nested records "
        "(as in HSDS's compiled organization schema); with the organization's detail "
        "and with full=true.",
        "items": {"$ref": SCHEMAS + "service"},
    }
    out["service_at_location"] = {
        "service": {
            "description": "The service offered here (as in HSDS's compiled "
            "service_at_location schema), with its one-to-one fields.",
            "$ref": SCHEMAS + "service",
        }
    }
    return out


def _hsds_schemas() -> dict[str, dict]:
    schemas = {}
    extensions = _extensions()
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if "properties" not in contents:  # datapackage.json is no object schema
            continue
        schema = _local_refs(contents)
        schema["properties"].update(extensions.get(path.stem, {}))
        schemas[path.stem] = schema
    return schemas


def _page(item: str) -> dict:
    return {
        "allOf": [{"$ref": SCHEMAS + "Page"}],
        "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMAS + item}}},
    }


def _api_schemas() -> dict[str, dict]:
    page_fields = {
        "total_items": ("integer", "The number of entities matching the request."),
        "total_pages": ("integer", "The number of pages (0 when nothing matches)."),
        "page_number": ("integer", "The number of this page, from 1."),
        "size": ("integer", "The number of entities on this page."),
        "first_page": ("boolean", "Whether this is the first page."),
        "last_page": ("boolean", "Whether this is the last page (or beyond it)."),
        "empty": ("boolean", "Whether this page has no entities."),
    }
    return {
        "Page": {
            "type": "object",
            "description": "One page of a list, in HSDS's shape.",
            "properties": {
                **{
                    name: {"type": kind, "description": text}
                    for name, (kind, text) in page_fields.items()
                },
                "contents": {"type": "array", "description": "The entities on this page."},
            },
            "required": [*page_fields, "contents"],
        },
        "ServicePage": _page("service"),
        "OrganizationPage": _page("organization"),
        "ServiceAtLocationPage": _page("service_at_location"),
        "TaxonomyPage": _page("taxonomy"),
        "TaxonomyTermPage": _page("taxonomy_term"),
        "Meta": {
            "type": "object",
            "description": "What this API is and where its descriptions are.",
            "properties": {
                "version": {"type": "string", "description": "HSDS version of this API."},
                "profile": {
                    "type": "string",
                    "format": "uri",
                    "description": "URL of the HSDS profile of this API.",
                },
                "openapi_url": {
                    "type": "string",
                    "format": "uri",
                    "description": "URL of this OpenAPI document.",
                },
            },
            "required": ["version", "profile", "openapi_url"],
        },
        "Problem": {
            "type": "object",
            "description": "An error, as an RFC 9457 problem document.",
            "properties": {
                "type": {
                    "type": "string",
                    "format": "uri",
                    "description": "Identifies the kind of problem.",
                },
                "title": {"type": "string", "description": "The kind of problem, in words."},
                "status": {"type": "integer", "description": "The HTTP status code."},
                "detail": {"type": "string", "description": "What went wrong this time."},
                "instance": {"type": "string", "description": "The path that was asked for."},
                "parameter": {
                    "type": "string",
                    "description": "The query parameter at fault, for a bad parameter.",
                },
            },
            "required": ["type", "title", "status", "detail", "instance"],
        },
    }


# Parameters


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _parameters() -> dict[str, dict]:
    boolean = {"type": "boolean"}
    uuid = {"type": "string", "format": "uuid"}
    return {
        "search": _query(
            "search",
            "Full-text search, ranked by relevance; in the requested language and German. "
            "On organizations and taxonomies: the name contains the text.",
            {"type": "string", "maxLength": 200},
        ),
        "q": _query(
            "q",
            "Another name for `search`; `search` wins when both are given.",
            {"type": "string", "maxLength": 200},
        ),
        "page": _query(
            "page",
            "Page number of the paginated result, from 1.",
            {"type": "integer", "minimum": 1, "maximum": api.MAX_PAGE, "default": 1},
        ),
        "per_page": _query(
            "per_page",
            "Number of results on one page.",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": api.PER_PAGE_MAX,
                "default": api.PER_PAGE_DEFAULT,
            },
        ),
        "format": _query(
            "format",
            "`json` (default) for a page, or `ndjson` to stream all results without "
            "paging, one JSON object per line.",
            {"type": "string", "enum": ["json", "ndjson"], "default": "json"},
        ),
        "lang": _query(
            "lang",
            "Language of the text fields; German where a field has no reviewed "
            "translation. The `translations` object carries all of them anyway.",
            {"type": "string", "enum": api.LANGUAGE_CODES, "default": "de"},
        ),
        "minimal": _query(
            "minimal",
            "Return services with just `id`, `name`, `status` and `last_modified`.",
            boolean,
        ),
        "full": _query(
            "full",
            "Return fully nested records, as the detail endpoint does.",
            boolean,
        ),
        "taxonomy_term_id": _query(
            "taxonomy_term_id",
            "Only services with this taxonomy term; a category includes its sub-categories.",
            uuid,
        ),
        "taxonomy_id": _query(
            "taxonomy_id",
            "Only services with any term of this taxonomy.",
            uuid,
        ),
        "organization_id": _query(
            "organization_id",
            "Only services of this organization.",
            uuid,
        ),
        "modified_after": _query(
            "modified_after",
            "Only records modified on or after this moment: an ISO 8601 date-time "
            "(without offset: Europe/Berlin) or date.",
            {"type": "string", "format": "date-time"},
        ),
        "postcode": _query(
            "postcode",
            "Only services at a location with this postcode or, with `proximity`, near it.",
            {"type": "string", "maxLength": 10},
        ),
        "proximity": _query(
            "proximity",
            "With `postcode`: services at locations within this many metres of the centre "
            "of the postcode's locations.",
            {"type": "integer", "minimum": 0, "maximum": 100_000},
        ),
        "parent_id": _query(
            "parent_id",
            "Only taxonomy terms whose parent has this id.",
            uuid,
        ),
        "top_only": _query(
            "top_only",
            "Only taxonomy terms without a parent.",
            boolean,
        ),
        "If-None-Match": {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "The `ETag` of an earlier response: `304` while it is current.",
            "schema": {"type": "string"},
        },
    }


def _refs(*names: str) -> list[dict]:
    return [{"$ref": "#/components/parameters/" + name} for name in names]


def _id(kind: str) -> dict:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"The id of the {kind}.",
        "schema": {"type": "string", "format": "uuid"},
    }


# Responses


def _headers() -> dict[str, dict]:
    def header(description: str, *, required: bool = True) -> dict:
        return {"description": description, "required": required, "schema": {"type": "string"}}

    return {
        "ETag": header("Changes whenever the answer may change."),
        "Cache-Control": header("`public, no-cache`: store, but ask again with If-None-Match."),
        "Access-Control-Allow-Origin": header("`*`: any web page may read the API."),
        "Retry-After": header("Seconds until the next request is accepted."),
    }


def _header_refs(*names: str) -> dict:
    return {name: {"$ref": "#/components/headers/" + name} for name in names}


def _problem(description: str, *headers: str) -> dict:
    return {
        "description": description,
        "headers": _header_refs("Access-Control-Allow-Origin", *headers),
        "content": {"application/problem+json": {"schema": {"$ref": SCHEMAS + "Problem"}}},
    }


def _responses() -> dict[str, dict]:
    return {
        "NotModified": {
            "description": "The data is unchanged since the response with this ETag.",
            "headers": _header_refs("ETag", "Access-Control-Allow-Origin"),
        },
        "BadRequest": _problem("A query parameter is invalid; `parameter` names it."),
        "NotFound": _problem("There is no public record with this id."),
        "TooManyRequests": _problem(
            "Too many requests from this address; try again after `Retry-After` seconds.",
            "Retry-After",
        ),
    }


def _ok(description: str, content: dict) -> dict:
    return {
        "description": description,
        "headers": _header_refs("ETag", "Cache-Control", "Access-Control-Allow-Origin"),
        "content": content,
    }


def _json(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": SCHEMAS + schema}}}


def _listing(schema: str, item: str) -> dict:
    return {
        **_json(schema),
        "application/x-ndjson": {
            "schema": {
                "type": "string",
                "description": f"With format=ndjson: every match, one {item} per line.",
            }
        },
    }


def _operation(
    operation_id: str,
    summary: str,
    ok: dict,
    *,
    parameters: tuple[str, ...] = (),
    not_found: bool = False,
    tag: str = "HSDS",
) -> dict:
    responses = {"200": ok, "304": {"$ref": "#/components/responses/NotModified"}}
    if parameters:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": [tag],
            "parameters": _refs(*parameters, "If-None-Match"),
            "responses": responses,
        }
    }


def _list(operation_id: str, summary: str, schema: str, item: str, *parameters: str) -> dict:
    paging = ("page", "per_page", "format", "lang", "search", "q")
    return _operation(
        operation_id,
        summary,
        _ok(f"A page of {item} records.", _listing(schema, item)),
        parameters=(*paging, *parameters),
    )


def _detail(operation_id: str, summary: str, schema: str, kind: str) -> dict:
    operation = _operation(
        operation_id,
        summary,
        _ok(f"The {kind}.", _json(schema)),
        parameters=("lang",),
        not_found=True,
    )
    operation["parameters"] = [_id(kind)]
    return operation


def _paths() -> dict[str, dict]:
    service_filters = ("taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")
    return {
        "/": _operation(
            "getAPIMetaInformation",
            "Information about this API and its relationship with HSDS.",
            _ok("HSDS version, profile and OpenAPI document.", _json("Meta")),
        ),
        "/openapi.json": _operation(
            "getOpenAPIDocument",
            "This OpenAPI document.",
            _ok("The OpenAPI 3.1 document.", {"application/json": {"schema": {"type": "object"}}}),
            tag="documents",
        ),
        "/profile": _operation(
            "getProfile",
            "Wegweiser's HSDS profile: what it adds to HSDS and how.",
            _ok("The profile, as Markdown.", {"text/markdown": {"schema": {"type": "string"}}}),
            tag="documents",
        ),
        "/services": _list(
            "getPaginatedListOfServices",
            "Paginated list of services; fully nested with full=true.",
            "ServicePage",
            "service",
            "minimal",
            "full",
            *service_filters,
        ),
        "/services/{id}": _detail(
            "getFullyNestedServiceById",
            "A fully nested service with all related data.",
            "service",
            "service",
        ),
        "/organizations": _list(
            "getPaginatedListOfOrganizations",
            "Paginated list of organizations; fully nested with their services with "
            "full=true (then at most 10 per page).",
            "OrganizationPage",
            "organization",
            "full",
        ),
        "/organizations/{id}": _detail(
            "getOrganizationById",
            "A fully nested organization with its services.",
            "organization",
            "organization",
        ),
        "/service_at_locations": _list(
            "getPaginatedListOfServiceAtLocation",
            "Paginated list of services at locations, each with its location and service; "
            "with schedules with full=true.",
            "ServiceAtLocationPage",
            "service_at_location",
            "full",
            *service_filters,
            "postcode",
            "proximity",
        ),
        "/service_at_locations/{id}": _detail(
            "getServiceAtLocationById",
            "A fully nested service at a location.",
            "service_at_location",
            "service_at_location",
        ),
        "/taxonomies": _list(
            "getPaginatedListOfTaxonomies",
            "Paginated list of taxonomies: Wegweiser's categories and target groups.",
            "TaxonomyPage",
            "taxonomy",
        ),
        "/taxonomies/{id}": _detail(
            "getTaxonomyById",
            "A taxonomy.",
            "taxonomy",
            "taxonomy",
        ),
        "/taxonomy_terms": _list(
            "getPaginatedListOfTaxonomyTerms",
            "Paginated list of taxonomy terms: categories (a tree) and target groups.",
            "TaxonomyTermPage",
            "taxonomy_term",
            "taxonomy_id",
            "parent_id",
            "top_only",
        ),
        "/taxonomy_terms/{id}": _detail(
            "getTaxonomyTermById",
            "A taxonomy term.",
            "taxonomy_term",
            "taxonomy_term",
        ),
        "/exports/{name}": _export(),
    }


def _export() -> dict:
    names = sorted(exports.EXPORTS)
    listing = "".join(f"\n- `{name}`: {exports.EXPORTS[name].description}" for name in names)
    media_types = sorted({exports.EXPORTS[name].content_type.split(";")[0] for name in names})
    return {
        "get": {
            "operationId": "getExport",
            "summary": "A download of all public data, rebuilt when the data changes.",
            "tags": ["downloads"],
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "description": "The file name of the export:\n" + listing,
                    "schema": {"type": "string", "enum": names},
                }
            ],
            "responses": {
                "200": {
                    "description": "The file, as an attachment.",
                    "headers": _header_refs("ETag", "Cache-Control", "Access-Control-Allow-Origin"),
                    "content": {media_type: {"schema": {}} for media_type in media_types},
                },
                "404": {"$ref": "#/components/responses/NotFound"},
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            },
        }
    }
