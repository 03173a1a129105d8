"""Cross-cutting response rules: security headers on every response, no caching of pages
for logged-in users."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline scripts or styles, no framing) and a
    Permissions-Policy on every response; HSTS comes from SecurityMiddleware in production."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Also on pages answered from the cache, before XFrameOptionsMiddleware would run.
        response.setdefault("X-Frame-Options", "DENY")
        return response


class StaffNoStoreMiddleware:
    """Pages for logged-in users never land in a shared or browser cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
