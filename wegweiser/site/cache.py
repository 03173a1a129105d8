"""Public pages cached per language and invalidated by the content generation; conditional
requests (If-None-Match) answered with 304 without rendering."""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from wegweiser import __version__
from wegweiser.core.content import content_generation

TIMEOUT = 24 * 60 * 60


def _cacheable(request) -> bool:
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def public_page(view):
    """For anonymous GET requests: an ETag from (page, language, content generation), a 304
    when it matches, and the rendered page from the cache when it was rendered before."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        generation = content_generation()
        key_source = f"{__version__}|{generation}|{get_language()}|{request.get_full_path()}"
        etag = '"' + hashlib.sha256(key_source.encode()).hexdigest()[:32] + '"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        key = "page:" + etag.strip('"')
        cached = cache.get(key)
        if cached is not None:
            status, content_type, body = cached
            response = HttpResponse(body, status=status, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code == 200 and not response.streaming:
                cache.set(
                    key, (response.status_code, response["Content-Type"], response.content), TIMEOUT
                )
        if response.status_code == 200:
            response["ETag"] = etag
            response["Cache-Control"] = "public, no-cache"
            patch_vary_headers(response, ["Cookie", "Accept-Language"])
        return response

    return wrapper
