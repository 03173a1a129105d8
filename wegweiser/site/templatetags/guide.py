"""Template helpers of the public guide."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from wegweiser.site.localize import localize

register = template.Library()


@register.simple_tag(takes_context=True)
def tr(context, obj, field):
    """`{% tr offer "name" as name %}`: the text in the visitor's language, or German marked
    as fallback (`name.fallback`)."""
    return localize(obj, field, get_language())


@register.simple_tag(takes_context=True)
def language_links(context):
    """Each shipped language with the URL of the current page in it."""
    request = context["request"]
    query = request.META.get("QUERY_STRING", "")
    current = get_language()
    prefix = f"/{current}/"
    links = []
    for code, _name in settings.LANGUAGES:
        # The guide's paths are the same in every language but for the prefix: swap it
        # (translate_url resolves and reverses the path, per language and request).
        if request.path.startswith(prefix):
            url = f"/{code}/" + request.path[len(prefix) :]
        else:
            url = translate_url(request.path, code)
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": url + (f"?{query}" if query else ""),
                "current": code == current,
                "bidi": get_language_info(code)["bidi"],
            }
        )
    return links


@register.filter
def tel(number: str) -> str:
    """A phone number as a tel: URI (digits and a leading +)."""
    cleaned = "".join(c for c in number if c.isdigit() or c == "+")
    return f"tel:{cleaned}"


@register.filter
def local_name(obj) -> str:
    """Reference data named per language in a `names` dict (target groups)."""
    return (getattr(obj, "names", None) or {}).get(get_language()) or obj.name
