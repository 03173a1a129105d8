"""Schemathesis: requests generated from the committed OpenAPI document, against every
operation, in-process over WSGI and on a database with data. Each answer must not be a server
error and must match the document: status code, content type, headers and body schema.

Deterministic (derandomized Hypothesis, no example database) so a failure is a bug, not luck.
Detail endpoints get random ids (404) and the ids of real records (200)."""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_hsds_api import directory  # noqa: F401 - the data the API serves
from wegweiser.opendata import hsds, openapi

DOCUMENT = json.loads(openapi.COMMITTED.read_text(encoding="utf-8"))
PATHS = sorted(DOCUMENT["paths"])
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def app(settings):
    """Django as a plain WSGI application. It must not close the test's database connection
    at the end of each request (the test client disconnects the same handler)."""
    settings.API_RATE_LIMIT_REQUESTS = 0
    cache.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    cache.clear()


def _known_ids(directory) -> dict[str, str]:  # noqa: F811
    return {
        "/services/{id}": str(directory["sewing"].public_id),
        "/organizations/{id}": str(directory["world"].organisation.public_id),
        "/service_at_locations/{id}": str(directory["sewing_here"].public_id),
        "/taxonomies/{id}": hsds.CATEGORY_TAXONOMY_ID,
        "/taxonomy_terms/{id}": hsds.category_term_id("counselling-debt"),
    }


def _has_query(path: str) -> bool:
    shared = DOCUMENT["components"]["parameters"]
    for parameter in DOCUMENT["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = shared[parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            return True
    return False


def _strategy(operation, path: str, known: dict[str, str]):
    """Valid requests; for detail endpoints also ones for real records; where there are
    query parameters also invalid ones (with a real id, so the route still matches)."""
    fixed = {"id": known[path]} if path in known else None
    options = [operation.as_strategy(GenerationMode.POSITIVE)]
    if fixed:
        options.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
    if _has_query(path):
        options.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))
    return strategies.one_of(options)


@pytest.mark.parametrize("path", PATHS)
def test_api_matches_its_openapi_document(app, directory, path):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/hsds/openapi.json", app)
    operation = schema[path]["GET"]
    statuses = []

    @HYPOTHESIS
    @given(case=_strategy(operation, path, _known_ids(directory)))
    def run(case):
        response = case.call_and_validate(checks=CHECKS)
        statuses.append(response.status_code)

    run()
    assert 200 in statuses, statuses  # not only errors were exercised
