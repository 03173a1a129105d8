"""The public guide. For now a start page over the live directory; the full guide (search,
offer pages, glossary) is built on top of it."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wegweiser.directory.models import Category, EntryStatus, Offer


@login_not_required
@require_GET
def home(request):
    # Offers per top-level category, counting those filed under its sub-categories too.
    counts = dict(
        Offer.categories.through.objects.filter(
            offer__entry_status=EntryStatus.ACTIVE, offer__status=Offer.Status.ACTIVE
        )
        .annotate(top=Coalesce("category__parent_id", "category_id"))
        .values("top")
        .annotate(n=Count("offer_id", distinct=True))
        .values_list("top", "n")
    )
    categories = list(Category.objects.filter(parent__isnull=True).order_by("position"))
    for category in categories:
        category.offer_count = counts.get(category.pk, 0)
    stand = Offer.objects.live().aggregate(latest=Max("verified_at"))["latest"]
    return render(request, "site/home.html", {"categories": categories, "stand": stand})


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
