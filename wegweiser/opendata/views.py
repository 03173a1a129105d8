"""The API's own documents (OpenAPI, profile) and the open-data downloads."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpResponse
from django.views.decorators.http import require_safe

from wegweiser.opendata import exports
from wegweiser.opendata.api import Problem, api_view, cors, problem_response
from wegweiser.opendata.openapi import COMMITTED

PROFILE = settings.BASE_DIR / "docs" / "hsds-profile.md"


@api_view
def openapi_document(request, params):
    return HttpResponse(COMMITTED.read_bytes(), content_type="application/json")


@api_view
def profile(request, params):
    return HttpResponse(PROFILE.read_bytes(), content_type="text/markdown; charset=utf-8")


@login_not_required
@require_safe
def export_download(request, name):
    """One export of the current public data, built once per content generation."""
    if name not in exports.EXPORTS:
        problem = Problem(404, "Not found", "Exports: " + ", ".join(sorted(exports.EXPORTS)) + ".")
        return cors(problem_response(problem, request.path))
    path = exports.current_file(name)
    response = FileResponse(
        path.open("rb"),
        content_type=exports.EXPORTS[name].content_type,
        as_attachment=True,
        filename=name,
    )
    response["Cache-Control"] = "public, max-age=300"
    response["ETag"] = '"' + path.parent.name + "-" + name + '"'
    return cors(response)


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
