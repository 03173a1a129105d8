"""A fixed-window limit on anonymous API use per client address: at most
API_RATE_LIMIT_REQUESTS requests in API_RATE_LIMIT_WINDOW seconds, then `429 Too Many
Requests` with `Retry-After` until the window ends. Counters live in the default cache, so
with several server processes each keeps its own unless the cache is shared (Redis)."""

import time

from django.conf import settings
from django.core.cache import cache

from wegweiser.opendata.api import Problem, cors, problem_response

PREFIX = "/api/"


class ApiRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.API_RATE_LIMIT_REQUESTS
        if (
            limit > 0
            and request.path.startswith(PREFIX)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            window = max(settings.API_RATE_LIMIT_WINDOW, 1)
            now = time.time()
            slot = int(now // window)
            key = f"ratelimit:{request.META.get('REMOTE_ADDR', '')}:{slot}"
            cache.add(key, 0, window + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, window + 1)
                count = 1
            if count > limit:
                retry = max(1, int((slot + 1) * window - now) + 1)
                response = problem_response(
                    Problem(
                        429,
                        "Too many requests",
                        f"At most {limit} requests in {window} seconds per address; "
                        f"try again in {retry} seconds.",
                    ),
                    request.get_full_path(),
                )
                response["Retry-After"] = str(retry)
                return cors(response)
        return self.get_response(request)
