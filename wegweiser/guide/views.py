"""The public list of editions, with their brochures to download."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from wegweiser.guide.models import Edition, Rendering
from wegweiser.guide.staff_views import pdf_response
from wegweiser.site.cache import public_page


def _published():
    return Edition.objects.filter(status=Edition.Status.PUBLISHED)


@login_not_required
@require_GET
@public_page
def edition_list(request):
    files = Rendering.objects.filter(print_ready=False).exclude(status=Rendering.Status.FAILED)
    editions = (
        _published()
        .select_related("office")
        .prefetch_related(Prefetch("renderings", queryset=files, to_attr="files"))
        .order_by("-stand", "-number")
    )
    editions = list(editions)
    for edition in editions:
        files = {(r.language, r.paper): r for r in edition.files}
        edition.rows = [
            {"language": code, "files": [files.get((code, "a5")), files.get((code, "a4"))]}
            for code in edition.snapshot["edition"]["languages"]
            if (code, "a5") in files or (code, "a4") in files
        ]
    return render(request, "guide/editions.html", {"editions": editions})


@login_not_required
@require_GET
def edition_file(request, number, language, paper):
    rendering = get_object_or_404(
        Rendering.objects.select_related("edition"),
        edition__in=_published().filter(number=number),
        language=language,
        paper=paper,
        print_ready=False,
    )
    return pdf_response(rendering)
