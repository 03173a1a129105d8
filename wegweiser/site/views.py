"""The public guide: start page, search with filters, category and area pages, offer and
organisation pages, glossary, information pages, feedback. Every page works without
JavaScript; every text is in the visitor's language or marked as German."""

import math
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import EmptyPage, InvalidPage, Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wegweiser.core.content import cached_generation
from wegweiser.core.qr import qr_svg
from wegweiser.directory.models import (
    Area,
    Category,
    CategoryTranslation,
    Contact,
    ContactTranslation,
    LocationTranslation,
    Offer,
    OfferLocation,
    OrganisationTranslation,
)
from wegweiser.search.facets import filter_facets
from wegweiser.search.query import Results, parse, ranked_offer_ids
from wegweiser.site import queries
from wegweiser.site.cache import public_page
from wegweiser.site.filters import filter_fields
from wegweiser.site.forms import MAX_QUERY, FeedbackForm, SearchForm
from wegweiser.site.glossary import annotate, glossary_for
from wegweiser.site.hours import opening_status
from wegweiser.site.localize import localize, translations_prefetch
from wegweiser.site.models import (
    Feedback,
    GlossaryTerm,
    GlossaryTermTranslation,
    Page,
    PageTranslation,
)
from wegweiser.site.services import feedback_record
from wegweiser.translations.state import CURRENT, MACHINE, with_translation_state

PAGE_SIZE = 20
EMERGENCY_NUMBERS = ["110", "112", "116 117", "116 016", "0800 111 0 111"]


def _top_categories(language):
    key = f"categories:{cached_generation()}:{language}"
    categories = cache.get(key)
    if categories is None:
        categories = queries.categories_localized(language)
        cache.set(key, categories, 3600)
    return [c for c in categories if c.parent_id is None], categories


@login_not_required
@require_GET
@public_page
def home(request):
    language = get_language()
    top, _all = _top_categories(language)
    stand = queries.public_offers().aggregate(latest=Max("verified_at"))["latest"]
    completeness = None
    if language != "de":
        counts = with_translation_state(queries.public_offers(), language).aggregate(
            total=Count("pk"),
            translated=Count("pk", filter=Q(translation_state__in=[CURRENT, MACHINE])),
        )
        if counts["total"]:
            completeness = round(100 * counts["translated"] / counts["total"])
    return render(
        request,
        "site/home.html",
        {
            "categories": top,
            "stand": stand,
            "form": SearchForm(),
            "emergency_numbers": EMERGENCY_NUMBERS,
            "completeness": completeness,
            "is_demo": queries.public_organisations().filter(is_demo=True).exists(),
            "upcoming_events": _upcoming_events(language),
        },
    )


def _upcoming_events(language, count=5):
    from wegweiser.events import queries as event_queries

    now = timezone.now()
    items = event_queries.occurrences_between(
        event_queries.public_events(), now, now + timedelta(days=14)
    )
    return event_queries.with_details_for([o for o in items if not o.cancelled][:count], language)


@login_not_required
@require_GET
@public_page
def easy_language(request):
    return render(request, "site/easy_language.html")


def _search(request, *, fixed: dict | None = None, template="site/search.html", extra=None):
    language = get_language()
    raw_query = request.GET.get("q", "")
    if len(raw_query) > MAX_QUERY:
        # Over-long queries are cut to the length the search uses, once, by a redirect, so
        # no page repeats 10 000 characters in every link.
        params = request.GET.copy()
        params["q"] = raw_query[:MAX_QUERY]
        return redirect(f"{request.path}?{params.urlencode()}")
    form = SearchForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = {**(form.cleaned_data if request.GET and valid else {}), **(fixed or {})}
    qs = queries.apply_filters(queries.public_offers(), data)
    parsed = parse(data.get("q", ""), language)
    if not parsed.empty:
        languages = [language, "de"] if language != "de" else ["de"]
        # The index holds only public offers, with their filter words; the opening-hour
        # filters are SQL conditions.
        within = None
        if queries.has_clock_filters(data):
            within = queries.clock_filters(Offer.objects.all(), data)
        page_number = request.GET.get("page", "1")
        pages = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 1000 else 1
        ids = Results(
            parsed,
            languages,
            facets=filter_facets(data),
            within=within,
            expected=PAGE_SIZE * pages,
        )
    else:
        ids = qs.order_by("name", "pk").values_list("pk", flat=True)
    paginator = Paginator(ids, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, InvalidPage) as exc:
        raise Http404 from exc
    page_ids = list(page.object_list)
    top, categories = _top_categories(language)
    context = {
        "form": form,
        "page": page,
        "cards": queries.offer_cards(page_ids, language),
        "filter_fields": filter_fields(form, language),
        "query": data.get("q", ""),
        "corrections": parsed.corrections,
        "active_filters": _active_filters(request, form) if valid else [],
        "categories": top,
        "all_categories": categories,
        "map_query": request.GET.urlencode(),
        **(extra or {}),
    }
    return render(request, template, context, status=200 if valid else 400)


def _active_filters(request, form) -> list[tuple[str, str]]:
    """Each active filter with the link that removes it (for "fewer filters")."""
    result = []
    for name in SearchForm.FILTERS:
        if request.GET.get(name) not in (None, ""):
            rest = {k: v for k, v in request.GET.items() if k not in (name, "page")}
            result.append((form.fields[name].label, "?" + urlencode(rest)))
    return result


@login_not_required
@require_GET
@public_page
def search(request):
    return _search(request)


@login_not_required
@require_GET
@public_page
def category(request, code):
    found = get_object_or_404(Category, code=code)
    name = localize(found, "name", get_language())
    subcategories = [
        c for c in queries.categories_localized(get_language()) if c.parent_id == found.pk
    ]
    return _search(
        request,
        fixed={"category": found},
        template="site/category.html",
        extra={"category": found, "category_name": name, "subcategories": subcategories},
    )


@login_not_required
@require_GET
@public_page
def area(request, slug):
    found = get_object_or_404(Area, slug=slug)
    return _search(
        request,
        fixed={"area": found},
        template="site/area.html",
        extra={"area": found, "areas": Area.objects.filter(kind="subdistrict")},
    )


def _offer(public_id, language):
    location_rows = OfferLocation.objects.select_related("location__area").prefetch_related(
        "opening_hours",
        "exceptions",
        translations_prefetch("location__translations", LocationTranslation, language),
    )
    qs = queries.with_translations(queries.public_offers(), language).prefetch_related(
        Prefetch("offer_locations", queryset=location_rows),
        "languages",
        "target_groups",
        Prefetch("contacts", queryset=_public_contacts(language)),
        Prefetch("categories", queryset=_localized_categories(language)),
    )
    return get_object_or_404(qs, public_id=public_id)


def _public_contacts(language):
    return Contact.objects.filter(is_public=True).prefetch_related(
        "languages", translations_prefetch("translations", ContactTranslation, language)
    )


def _localized_categories(language):
    return Category.objects.prefetch_related(
        translations_prefetch("translations", CategoryTranslation, language)
    )


def _offer_page(request, public_id, template):
    language = get_language()
    offer = _offer(public_id, language)
    description = localize(offer, "description", language)
    text, explained = annotate(description.value, glossary_for(language), language)
    places = [(ol, opening_status(ol)) for ol in offer.offer_locations.all()]
    return render(
        request,
        template,
        {
            "offer": offer,
            "description": description,
            "description_html": text,
            "explained": explained,
            "places": places,
            "absolute_url": request.build_absolute_uri(
                reverse("site:offer", kwargs={"public_id": offer.public_id})
            ),
        },
    )


@login_not_required
@require_GET
@public_page
def offer_detail(request, public_id):
    return _offer_page(request, public_id, "site/offer.html")


@login_not_required
@require_GET
@public_page
def offer_print(request, public_id):
    return _offer_page(request, public_id, "site/offer_print.html")


def _vcard_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


@login_not_required
@require_GET
def offer_vcard(request, public_id):
    offer = _offer(public_id, get_language())
    organisation = offer.organisation
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{_vcard_escape(organisation.name)}",
        f"ORG:{_vcard_escape(organisation.name)}",
        f"NOTE:{_vcard_escape(offer.name)}",
    ]
    for contact in offer.contacts.all():
        if contact.phone:
            lines.append(f"TEL;TYPE=WORK,VOICE:{_vcard_escape(contact.phone)}")
        if contact.email:
            lines.append(f"EMAIL;TYPE=WORK:{_vcard_escape(contact.email)}")
    if organisation.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_vcard_escape(organisation.phone)}")
    if organisation.email:
        lines.append(f"EMAIL;TYPE=WORK:{_vcard_escape(organisation.email)}")
    for ol in offer.offer_locations.all():
        loc = ol.location
        lines.append(
            f"ADR;TYPE=WORK:;;{_vcard_escape(loc.street)};{_vcard_escape(loc.city)};;"
            f"{_vcard_escape(loc.postcode)};Deutschland"
        )
    lines.append(f"URL:{request.build_absolute_uri(reverse('site:offer', args=[offer.public_id]))}")
    lines.append("END:VCARD")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kontakt-{offer.public_id}.vcf"'
    return response


@login_not_required
@require_GET
def offer_qr(request, public_id):
    offer = get_object_or_404(queries.public_offers(), public_id=public_id)
    url = request.build_absolute_uri(reverse("site:offer", args=[offer.public_id]))
    response = HttpResponse(qr_svg(url, title=offer.name), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _too_many(request, form) -> bool:
    """More than FEEDBACK_PER_HOUR messages from one address within the hour: the form is
    shown again with the text and a message."""
    key = "feedback-rate:" + (request.META.get("REMOTE_ADDR") or "-")
    cache.add(key, 0, 60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # the hour ended between the two calls
        cache.set(key, count := 1, 60 * 60)
    if count <= settings.FEEDBACK_PER_HOUR:
        return False
    form.add_error(
        None,
        _(
            "Many messages came from your connection in the last hour. Please try again "
            "later; your text is still here."
        ),
    )
    return True


def _feedback_received(form, kind, offer):
    """Keep the message (bots get the same thank-you page, and nothing is kept)."""
    if not form.is_spam():
        feedback_record(
            kind=kind,
            offer=offer,
            language=get_language(),
            message=form.cleaned_data["message"],
            contact=form.cleaned_data["contact"],
        )
    return redirect("site:thanks")


@login_not_required
@require_http_methods(["GET", "POST"])
def offer_report(request, public_id):
    offer = get_object_or_404(queries.public_offers(), public_id=public_id)
    return _feedback_page(request, Feedback.Kind.MISTAKE, offer)


def _feedback_page(request, kind, offer=None):
    form = FeedbackForm(request.POST or None)
    if kind == Feedback.Kind.SUGGESTION:
        form.fields["message"].label = _("Which offer is missing? What, where, who offers it?")
    status = 200
    if request.method == "POST":
        if _too_many(request, form):
            status = 429
        elif form.is_valid():
            return _feedback_received(form, kind, offer)
        else:
            status = 400
    return render(
        request,
        "site/feedback_form.html",
        {"form": form, "offer": offer, "kind": kind},
        status=status,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def suggest_offer(request):
    return _feedback_page(request, Feedback.Kind.SUGGESTION)


@login_not_required
@require_GET
def thanks(request):
    return render(request, "site/thanks.html")


@login_not_required
@require_GET
@public_page
def organisation_list(request):
    language = get_language()
    organisations = (
        queries.public_organisations()
        .prefetch_related(translations_prefetch("translations", OrganisationTranslation, language))
        .order_by("name")
    )
    groups: dict[str, list] = {}
    for organisation in organisations:
        initial = (organisation.name[:1] or "#").upper()
        groups.setdefault(initial if initial.isalpha() else "#", []).append(organisation)
    return render(request, "site/organisation_list.html", {"groups": sorted(groups.items())})


@login_not_required
@require_GET
@public_page
def organisation_detail(request, public_id):
    language = get_language()
    organisation = get_object_or_404(
        queries.public_organisations().prefetch_related(
            translations_prefetch("translations", OrganisationTranslation, language)
        ),
        public_id=public_id,
    )
    offers = queries.with_translations(
        queries.public_offers().filter(organisation=organisation), language
    ).order_by("name")
    return render(
        request,
        "site/organisation.html",
        {"organisation": organisation, "cards": queries.cards(offers, language)},
    )


@login_not_required
@require_GET
@public_page
def glossary(request):
    language = get_language()
    terms = GlossaryTerm.objects.prefetch_related(
        translations_prefetch("translations", GlossaryTermTranslation, language)
    ).order_by("term")
    return render(request, "site/glossary.html", {"terms": terms})


def _page(request, slug, *, with_form=False):
    page = get_object_or_404(
        Page.objects.prefetch_related(
            translations_prefetch("translations", PageTranslation, get_language())
        ),
        slug=slug,
    )
    form = FeedbackForm(request.POST or None) if with_form else None
    status = 200
    if form is not None and request.method == "POST":
        if _too_many(request, form):
            status = 429
        elif form.is_valid():
            return _feedback_received(form, Feedback.Kind.ACCESSIBILITY, None)
        else:
            status = 400
    return render(request, "site/page.html", {"page": page, "form": form}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def accessibility(request):
    return _page(request, "accessibility", with_form=True)


@login_not_required
@require_GET
@public_page
def imprint(request):
    return _page(request, "imprint")


@login_not_required
@require_GET
@public_page
def privacy(request):
    return _page(request, "privacy")


def _tile(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    n = 2**zoom
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


@login_not_required
@require_GET
@public_page
def result_map(request):
    """The results on a map: a server-drawn SVG, reached only by a link, so nothing is loaded
    from a tile server before the visitor asks; tiles only if MAP_TILE_URL is configured."""
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if request.GET and form.is_valid() else {}
    qs = queries.apply_filters(queries.public_offers(), data)
    parsed = parse(data.get("q", ""), get_language())
    if not parsed.empty:
        qs = qs.filter(
            pk__in=ranked_offer_ids(parsed, [get_language(), "de"], within=qs, limit=500)
        )
    places = list(
        OfferLocation.objects.filter(offer__in=qs, location__latitude__isnull=False).select_related(
            "offer", "location"
        )[:500]
    )
    width, height, zoom = 640, 480, 14
    points, tiles = [], []
    if places:
        xs, ys = zip(
            *(_tile(float(p.location.latitude), float(p.location.longitude), zoom) for p in places),
            strict=True,
        )
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        scale = 256
        span = max(max(xs) - min(xs), (max(ys) - min(ys)) * width / height, 0.5)
        scale = min(256.0, (width - 40) / span)
        for place, x, y in zip(places, xs, ys, strict=True):
            points.append(
                {
                    "x": round(width / 2 + (x - cx) * scale, 1),
                    "y": round(height / 2 + (y - cy) * scale, 1),
                    "place": place,
                }
            )
        if settings.MAP_TILE_URL and scale == 256:
            for tx in range(math.floor(cx - width / 512), math.floor(cx + width / 512) + 1):
                for ty in range(math.floor(cy - height / 512), math.floor(cy + height / 512) + 1):
                    tiles.append(
                        {
                            "x": round(width / 2 + (tx - cx) * 256, 1),
                            "y": round(height / 2 + (ty - cy) * 256, 1),
                            "url": settings.MAP_TILE_URL.format(z=zoom, x=tx, y=ty),
                        }
                    )
    response = render(
        request,
        "site/map.html",
        {
            "points": points,
            "tiles": tiles,
            "width": width,
            "height": height,
            "back": reverse("site:search") + ("?" + request.GET.urlencode() if request.GET else ""),
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )
    if tiles:
        host = settings.MAP_TILE_URL.split("/")[2]
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "img-src 'self' data:", f"img-src 'self' data: https://{host}"
        )
    return response


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
