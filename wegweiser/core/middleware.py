"""Cross-cutting response rules."""

from django.utils.cache import add_never_cache_headers, patch_cache_control


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
