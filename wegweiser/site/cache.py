"""Public pages cached per language and invalidated by the content generation; conditional
requests (If-None-Match) answered with 304 without rendering. The view decorator renders and
stores; the middleware answers repeat visits before sessions, locale and views run."""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from wegweiser import __version__
from wegweiser.core import content

TIMEOUT = 24 * 60 * 60
MAX_CACHED_BYTES = 512 * 1024
_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _etag(language: str, full_path: str) -> str:
    # The day is part of it: calendar pages say "today" and "this week".
    day = timezone.localdate().isoformat()
    source = f"{__version__}|{content.cached_generation()}|{day}|{language}|{full_path}"
    return '"' + hashlib.sha256(source.encode()).hexdigest()[:32] + '"'


def _anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _finish(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


def public_page(view):
    """For anonymous GET requests: render once per (page, language, content generation)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        etag = _etag(get_language(), request.get_full_path())
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if response.status_code != 200 or response.streaming:
            return response
        if len(response.content) > MAX_CACHED_BYTES:
            # Large bodies (a feed of every event) are not kept: every distinct query string
            # would hold megabytes. Their ETag still answers repeat requests with 304.
            return _finish(response, etag)
        cache.set(
            "page:" + etag.strip('"'),
            (response["Content-Type"], get_language(), response.content),
            TIMEOUT,
        )
        return _finish(response, etag)

    return wrapper


class PublicPageCacheMiddleware:
    """Serves cached public pages (and 304s) to visitors without a session cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and _anonymous(request):
            language = request.path.split("/", 2)[1] if request.path.count("/") >= 2 else ""
            if language in _LANGUAGES:
                etag = _etag(language, request.get_full_path())
                if etag in request.headers.get("If-None-Match", ""):
                    return _finish(HttpResponseNotModified(), etag)
                cached = cache.get("page:" + etag.strip('"'))
                if cached is not None:
                    content_type, page_language, body = cached
                    response = HttpResponse(body, content_type=content_type)
                    response["Content-Language"] = page_language
                    return _finish(response, etag)
        return self.get_response(request)
