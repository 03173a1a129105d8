"""The public guide. For now a start page over the live directory; the full guide (search,
offer pages, glossary) is built on top of it."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wegweiser.directory.models import Category, EntryStatus, Offer


@login_not_required
@require_GET
def home(request):
    categories = list(Category.objects.filter(parent__isnull=True).order_by("position"))
    # Offers per top-level category, counting those filed under its sub-categories too.
    links = Offer.categories.through.objects.filter(
        offer__entry_status=EntryStatus.ACTIVE, offer__status=Offer.Status.ACTIVE
    ).values_list("offer_id", "category_id", "category__parent_id")
    offers_by_top: dict[int, set[int]] = {}
    for offer_id, category_id, parent_id in links:
        offers_by_top.setdefault(parent_id or category_id, set()).add(offer_id)
    for category in categories:
        category.offer_count = len(offers_by_top.get(category.pk, ()))
    stand = Offer.objects.live().aggregate(latest=Max("verified_at"))["latest"]
    return render(request, "site/home.html", {"categories": categories, "stand": stand})


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
