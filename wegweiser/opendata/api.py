"""The read-only HSDS 3.0 API under /api/hsds/: no key, CORS open, paged lists in the HSDS page
shape, an ndjson stream of everything, ETags with 304, and RFC 9457 problem documents for
bad parameters. Responses are kept in the cache per content generation."""

import hashlib
import json
import math
import uuid
from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils import timezone, translation

from wegweiser import __version__
from wegweiser.core import content
from wegweiser.directory.models import (
    Category,
    EntryStatus,
    Location,
    OfferLocation,
    Organisation,
    TargetGroup,
)
from wegweiser.directory.queries import category_with_descendants
from wegweiser.opendata import hsds
from wegweiser.search.query import Results, parse
from wegweiser.site.localize import SOURCE
from wegweiser.site.queries import PUBLIC_STATUSES, public_organisations

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
MAX_PAGE = 1_000_000
STREAM_CHUNK = 200
MAX_CACHED_BYTES = 1024 * 1024
CACHE_SECONDS = 24 * 60 * 60
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
JSON_TYPE = "application/json"


class Problem(Exception):
    """A request the API cannot answer; rendered as application/problem+json."""

    def __init__(self, status: int, title: str, detail: str, *, parameter: str = ""):
        super().__init__(detail)
        self.status, self.title, self.detail, self.parameter = status, title, detail, parameter


def problem_response(problem: Problem, instance: str) -> HttpResponse:
    body = {
        # The kinds of problem are described in the profile (docs/hsds-profile.md).
        "type": hsds.site_url("/api/hsds/profile#") + problem.title.lower().replace(" ", "-"),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
    }
    if problem.parameter:
        body["parameter"] = problem.parameter
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=problem.status,
        content_type="application/problem+json",
    )


def bad_parameter(name: str, detail: str) -> Problem:
    return Problem(400, "Bad parameter", detail, parameter=name)


def not_found(kind: str) -> Problem:
    return Problem(404, "Not found", f"There is no public {kind} with this id.")


def cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Retry-After, Content-Language"
    return response


def etag_for(full_path: str) -> str:
    source = f"{__version__}|{content.cached_generation()}|{timezone.localdate()}|{full_path}"
    return '"' + hashlib.sha256(source.encode()).hexdigest()[:32] + '"'


def api_view(view: Callable) -> Callable:
    """GET/HEAD/OPTIONS only; conditional requests; cached bodies; problems as JSON."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
            return cors(response)
        if request.method not in ("GET", "HEAD"):
            response = problem_response(
                Problem(405, "Method not allowed", "This API is read-only."), request.path
            )
            response["Allow"] = "GET, HEAD, OPTIONS"
            return cors(response)
        etag = etag_for(request.get_full_path())
        if etag in request.headers.get("If-None-Match", ""):
            return finish(HttpResponseNotModified(), etag)
        cached = cache.get("api:" + etag.strip('"'))
        if cached is not None:
            content_type, body = cached
            return finish(HttpResponse(body, content_type=content_type), etag)
        try:
            if "public_id" in kwargs:
                try:
                    kwargs["public_id"] = uuid.UUID(str(kwargs["public_id"]))
                except ValueError:
                    raise Problem(404, "Not found", "Record ids are UUIDs.") from None
            params = Params(request.GET)
            with translation.override(params.language):
                response = view(request, params, *args, **kwargs)
        except Problem as problem:
            return cors(problem_response(problem, request.get_full_path()))
        if not response.streaming and response.status_code == 200:
            if len(response.content) <= MAX_CACHED_BYTES:
                cache.set(
                    "api:" + etag.strip('"'),
                    (response["Content-Type"], response.content),
                    CACHE_SECONDS,
                )
        return finish(response, etag)

    return wrapper


def finish(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return cors(response)


def json_response(data) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), content_type=JSON_TYPE
    )


# Parameters


def _bool(name: str, raw: str | None) -> bool:
    if raw is None or raw == "":
        return False
    value = raw.lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise bad_parameter(name, f"'{name}' must be true or false.")


def _int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_parameter(name, f"'{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise bad_parameter(name, f"'{name}' must be between {low} and {high}.")
    return value


def _uuid(name: str, raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise bad_parameter(name, f"'{name}' must be a UUID.") from None


def _datetime(name: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(raw), time())
        except ValueError:
            raise bad_parameter(
                name, f"'{name}' must be an ISO 8601 date or date-time, e.g. 2026-01-31T00:00:00Z."
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, hsds.BERLIN)
    try:
        return value.astimezone(UTC)  # the database compares in UTC
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise bad_parameter(name, f"'{name}' is out of range.") from None


class Params:
    """The query parameters every endpoint shares, validated once."""

    def __init__(self, query):
        self.query = query
        for name, values in query.lists():
            if any("\x00" in value for value in values):  # PostgreSQL refuses NUL in text
                raise bad_parameter(name, f"'{name}' must not contain NUL characters.")
        self.page = _int("page", query.get("page"), 1, 1, MAX_PAGE)
        self.per_page = _int("per_page", query.get("per_page"), PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
        self.format = query.get("format") or "json"
        if self.format not in ("json", "ndjson"):
            raise bad_parameter("format", "'format' must be json or ndjson.")
        self.language = query.get("lang") or SOURCE
        if self.language not in LANGUAGE_CODES:
            raise bad_parameter("lang", "'lang' must be one of " + ", ".join(LANGUAGE_CODES) + ".")
        self.minimal = _bool("minimal", query.get("minimal"))
        self.full = _bool("full", query.get("full"))
        self.search = (query.get("search") or query.get("q") or "").strip()
        if len(self.search) > 200:
            raise bad_parameter("search", "'search' may have at most 200 characters.")

    def uuid(self, name: str) -> uuid.UUID | None:
        raw = self.query.get(name)
        return _uuid(name, raw) if raw else None

    def datetime(self, name: str) -> datetime | None:
        raw = self.query.get(name)
        return _datetime(name, raw) if raw else None


# Paging


def page_of(items: list, total: int, params: Params) -> dict:
    pages = math.ceil(total / params.per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": params.page,
        "size": len(items),
        "first_page": params.page == 1,
        "last_page": params.page >= pages,
        "empty": len(items) == 0,
        "contents": items,
    }


def ndjson(records: Iterable[dict]) -> StreamingHttpResponse:
    def lines():
        for record in records:
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


# Services


# Matches no row, yet compiles to SQL: Q(pk__in=[]) raises EmptyResultSet where the search
# embeds the filtered queryset as SQL of its own (search.query.Results).
NOTHING = Q(pk__isnull=True)


def _taxonomy_filter(params: Params, prefix: str = "") -> Q:
    q = Q()
    term = params.uuid("taxonomy_term_id")
    if term is not None:
        term_id = str(term)
        categories = Category.objects.only("id", "code")
        category = next((c for c in categories if hsds.category_term_id(c.code) == term_id), None)
        group = next(
            (
                g
                for g in TargetGroup.objects.only("id", "code")
                if hsds.target_group_term_id(g.code) == term_id
            ),
            None,
        )
        if category is not None:
            q &= Q(**{prefix + "categories__in": category_with_descendants(category)})
        elif group is not None:
            q &= Q(**{prefix + "target_groups": group})
        else:
            q &= NOTHING
    taxonomy = params.uuid("taxonomy_id")
    if taxonomy is not None:
        if str(taxonomy) == hsds.CATEGORY_TAXONOMY_ID:
            q &= Q(**{prefix + "categories__isnull": False})
        elif str(taxonomy) == hsds.TARGET_GROUP_TAXONOMY_ID:
            q &= Q(**{prefix + "target_groups__isnull": False})
        else:
            q &= NOTHING
    return q


SERVICE_FILTERS = ("taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")


def filtered_services(params: Params) -> QuerySet:
    qs = hsds.service_queryset(full=params.full)
    taxonomy = _taxonomy_filter(params)
    if taxonomy:
        qs = qs.filter(pk__in=hsds.public_offers().filter(taxonomy).values("pk"))
    organisation = params.uuid("organization_id")
    if organisation is not None:
        qs = qs.filter(organisation__public_id=organisation)
    modified_after = params.datetime("modified_after")
    if modified_after is not None:
        qs = qs.filter(updated_at__gte=modified_after)
    return qs


def ordered_ids(qs: QuerySet) -> array:
    """The ids of a list in order, kept per content generation and query (8 bytes an id):
    a deep page is a slice instead of an OFFSET scan through the index, and the total is
    its length."""
    values = qs.values_list("pk", flat=True)
    try:
        sql, query_params = values.query.sql_with_params()
    except EmptyResultSet:
        return array("q")
    source = f"{content.cached_generation()}|{sql}|{query_params!r}"
    key = "api-ids:" + hashlib.sha256(source.encode()).hexdigest()[:32]
    ids = cache.get(key)
    if ids is None:
        ids = array("q", values)
        cache.set(key, ids, CACHE_SECONDS)
    return ids


def ranked_ids(qs: QuerySet, params: Params) -> tuple[Results, int]:
    """The search's matches within `qs`, by relevance."""
    parsed = parse(params.search, params.language)
    languages = [params.language, SOURCE] if params.language != SOURCE else [SOURCE]
    results = Results(parsed, languages, within=qs.order_by(), expected=params.per_page)
    return results, len(results)


def _by_pk(qs: QuerySet, ids: list[int]) -> dict[int, object]:
    return {obj.pk: obj for obj in qs.filter(pk__in=ids)}


def _service_item(offer, params: Params) -> dict:
    if params.minimal:
        return hsds.compact(
            {
                "id": str(offer.public_id),
                "name": hsds.Texts(offer, params.language)["name"],
                "status": hsds.STATUS_OUT.get(offer.status, offer.status),
                "last_modified": offer.updated_at.isoformat(timespec="milliseconds"),
            }
        )
    return hsds.service(offer, params.language, full=params.full)


def each(build: Callable) -> Callable:
    """A page builder from a builder of one record."""
    return lambda objects, params: [build(obj, params) for obj in objects]


def _paged(
    params: Params,
    qs: QuerySet,
    items: Callable,
    *,
    searchable: bool = True,
    fetch: QuerySet | None = None,
):
    """A page of `qs` (or, with format=ndjson, all of it in chunks) built by
    `items(objects, params)`, which gets whole pages so it can batch its own reads. `fetch`
    reads the rows of a page by id (default: `qs`; a plainer one saves repeating its filters)."""
    if params.format == "ndjson":
        ids = list(qs.values_list("pk", flat=True))
        unordered = qs.order_by()

        def records():
            for start in range(0, len(ids), STREAM_CHUNK):
                chunk = ids[start : start + STREAM_CHUNK]
                objects = _by_pk(unordered, chunk)
                yield from items([objects[pk] for pk in chunk if pk in objects], params)

        return ndjson(records())
    if searchable and params.search:
        ordered, total = ranked_ids(qs, params)
    else:
        ordered = ordered_ids(qs)
        total = len(ordered)
    start = (params.page - 1) * params.per_page
    page_ids = list(ordered[start : start + params.per_page]) if start < total else []
    objects = _by_pk((fetch if fetch is not None else qs).order_by(), page_ids)
    page = items([objects[pk] for pk in page_ids if pk in objects], params)
    return json_response(page_of(page, total, params))


@api_view
def unknown(request, params, rest):
    raise Problem(404, "Not found", "There is no such endpoint; see /api/hsds/openapi.json.")


@api_view
def root(request, params):
    return json_response(
        {
            "version": hsds.HSDS_VERSION,
            "profile": hsds.site_url("/api/hsds/profile"),
            "openapi_url": hsds.site_url("/api/hsds/openapi.json"),
        }
    )


@api_view
def services(request, params):
    return _paged(params, filtered_services(params), each(_service_item))


@api_view
def service_detail(request, params, public_id):
    offer = hsds.service_queryset().filter(public_id=public_id).first()
    if offer is None:
        raise not_found("service")
    return json_response(hsds.service(offer, params.language))


# Organisations


def organisation_queryset() -> QuerySet[Organisation]:
    return (
        public_organisations()
        .prefetch_related(
            hsds.reviewed_translations("translations", hsds.translation_model(Organisation)),
            Prefetch("contacts", queryset=hsds.public_contacts(), to_attr="hsds_contacts"),
        )
        .order_by("name", "pk")
    )


def _organisation_items(orgs: list, params: Params) -> list[dict]:
    records = [hsds.organization(org, params.language, full=params.full) for org in orgs]
    if params.full:
        offers = hsds.service_queryset(full=False).filter(organisation__in=orgs)
        by_org: dict[int, list[dict]] = {}
        for offer in offers:
            by_org.setdefault(offer.organisation_id, []).append(
                hsds.service(offer, params.language, full=False)
            )
        for org, record in zip(orgs, records, strict=True):
            record["services"] = by_org.get(org.pk, [])
    return records


@api_view
def organizations(request, params):
    qs = organisation_queryset()
    if params.search:
        qs = qs.filter(
            Q(name__icontains=params.search)
            | Q(translations__name__icontains=params.search, translations__reviewed=True)
        ).distinct()
    if params.full and params.per_page > 10 and params.format == "json":
        raise bad_parameter("per_page", "With full=true, 'per_page' may be at most 10.")
    return _paged(params, qs, _organisation_items, searchable=False)


@api_view
def organization_detail(request, params, public_id):
    org = organisation_queryset().filter(public_id=public_id).first()
    if org is None:
        raise not_found("organization")
    params.full = True
    return json_response(_organisation_items([org], params)[0])


# Services at locations


def sal_queryset(*, public: bool = True) -> QuerySet[OfferLocation]:
    """Places of public offers (joined, not a subquery) with what an item needs; with
    public=False the same reads for rows already known to be public."""
    qs = OfferLocation.objects.all()
    if public:
        qs = qs.filter(
            offer__entry_status=EntryStatus.ACTIVE,
            offer__organisation__entry_status=EntryStatus.ACTIVE,
            offer__status__in=PUBLIC_STATUSES,
        )
    return (
        qs.select_related("location")
        .prefetch_related(
            "opening_hours",
            "exceptions",
            hsds.reviewed_translations("location__translations", hsds.translation_model(Location)),
            Prefetch("offer", queryset=hsds.service_queryset(full=False)),
        )
        .order_by("offer__name", "pk")
    )


def _sal_item(ol, params: Params) -> dict:
    offer = ol.offer
    record = hsds.service_at_location(ol, offer, params.language, full=params.full)
    if not params.full:
        record["location"] = hsds.location(ol.location, params.language)
    record["service"] = hsds.service(offer, params.language, full=False)
    return record


def _near(params: Params) -> list[int] | None:
    postcode = (params.query.get("postcode") or "").strip()
    proximity = params.query.get("proximity")
    if proximity and not postcode:
        raise bad_parameter("proximity", "'proximity' needs a 'postcode' to measure from.")
    if not postcode:
        return None
    if len(postcode) > 10:
        raise bad_parameter("postcode", "'postcode' may have at most 10 characters.")
    rows = sal_queryset().filter(location__postcode=postcode)
    if not proximity:
        return list(rows.values_list("pk", flat=True))
    meters = _int("proximity", proximity, 0, 0, 100_000)
    points = list(
        OfferLocation.objects.filter(location__postcode=postcode, location__latitude__isnull=False)
        .values_list("location__latitude", "location__longitude")
        .distinct()
    )
    if not points:
        return []
    lat = sum(float(p[0]) for p in points) / len(points)
    lon = sum(float(p[1]) for p in points) / len(points)
    d_lat = meters / 111_320
    d_lon = meters / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = OfferLocation.objects.filter(
        location__latitude__range=(lat - d_lat, lat + d_lat),
        location__longitude__range=(lon - d_lon, lon + d_lon),
    ).values_list("pk", "location__latitude", "location__longitude")
    return [pk for pk, la, lo in candidates if distance_m(lat, lon, float(la), float(lo)) <= meters]


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@api_view
def service_at_locations(request, params):
    qs = sal_queryset()
    offers = filtered_services(params)
    if params.search:
        ranked, _total = ranked_ids(offers, params)
        offer_ids = ranked.top(len(ranked))
        qs = qs.filter(offer_id__in=offer_ids)
    elif any(params.query.get(name) for name in SERVICE_FILTERS):
        qs = qs.filter(offer__in=offers.order_by().values("pk"))
    near = _near(params)
    if near is not None:
        qs = qs.filter(pk__in=near)
    return _paged(params, qs, each(_sal_item), searchable=False, fetch=sal_queryset(public=False))


@api_view
def service_at_location_detail(request, params, public_id):
    ol = sal_queryset().filter(public_id=public_id).first()
    if ol is None:
        raise not_found("service at location")
    params.full = True
    return json_response(_sal_item(ol, params))


# Taxonomies


def _listed(records: list[dict], params: Params) -> HttpResponse:
    if params.search:
        needle = params.search.casefold()
        records = [r for r in records if needle in r["name"].casefold()]
    if params.format == "ndjson":
        return ndjson(records)
    start = (params.page - 1) * params.per_page
    return json_response(page_of(records[start : start + params.per_page], len(records), params))


@api_view
def taxonomies(request, params):
    return _listed(hsds.taxonomies(), params)


@api_view
def taxonomy_detail(request, params, public_id):
    found = [t for t in hsds.taxonomies() if t["id"] == str(public_id)]
    if not found:
        raise not_found("taxonomy")
    return json_response(found[0])


@api_view
def taxonomy_terms(request, params):
    terms = hsds.taxonomy_terms(params.language)
    taxonomy = params.uuid("taxonomy_id")
    if taxonomy is not None:
        terms = [t for t in terms if t["taxonomy_id"] == str(taxonomy)]
    parent = params.uuid("parent_id")
    if parent is not None:
        terms = [t for t in terms if t.get("parent_id") == str(parent)]
    if _bool("top_only", params.query.get("top_only")):
        terms = [t for t in terms if "parent_id" not in t]
    return _listed(terms, params)


@api_view
def taxonomy_term_detail(request, params, public_id):
    found = [t for t in hsds.taxonomy_terms(params.language) if t["id"] == str(public_id)]
    if not found:
        raise not_found("taxonomy term")
    return json_response(found[0])
