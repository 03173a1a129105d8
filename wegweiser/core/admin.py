from django.contrib import admin

from wegweiser.core.models import Language


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    """Content languages are data: adding one needs no migration."""

    list_display = [
        "code",
        "name",
        "native_name",
        "direction",
        "is_content_language",
        "requires_review",
        "position",
    ]
    list_editable = ["is_content_language", "requires_review", "position"]
