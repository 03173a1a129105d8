"""The public guide. For now a start page over the live directory; the full guide (search,
offer pages, glossary) is built on top of it."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wegweiser.directory.models import Category, EntryStatus, Offer


@login_not_required
@require_GET
def home(request):
    live = Q(offers__entry_status=EntryStatus.ACTIVE, offers__status=Offer.Status.ACTIVE)
    categories = (
        Category.objects.filter(parent__isnull=True)
        .annotate(offer_count=Count("offers", filter=live, distinct=True))
        .order_by("position")
    )
    stand = Offer.objects.live().aggregate(latest=Max("verified_at"))["latest"]
    return render(request, "site/home.html", {"categories": categories, "stand": stand})


@login_not_required
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
