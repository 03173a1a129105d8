"""The coordinator's editions: drafts, preview, publishing, the renderings with their
progress, print-ready files and the change list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wegweiser.accounts.permissions import EDITING_ROLES
from wegweiser.directory import access
from wegweiser.guide import services, snapshot
from wegweiser.guide.brochure import field_label
from wegweiser.guide.forms import EditionForm, PrintForm
from wegweiser.guide.models import Edition, Rendering
from wegweiser.site.localize import SOURCE


def _member(request, *, edit=False):
    membership = access.require_membership(request)
    if edit and membership.role not in EDITING_ROLES:
        raise PermissionDenied
    return membership


def _edition(membership, pk) -> Edition:
    return get_object_or_404(Edition, pk=pk, office=membership.office)


def edition_list(request):
    membership = _member(request)
    editions = Edition.objects.filter(office=membership.office).prefetch_related("renderings")
    return render(
        request,
        "guide/staff/list.html",
        {"editions": editions, "can_edit": membership.role in EDITING_ROLES},
    )


def edition_form(request, pk=None):
    membership = _member(request, edit=True)
    edition = _edition(membership, pk) if pk else Edition(office=membership.office)
    if edition.is_published:
        messages.error(request, _("A published edition cannot be changed."))
        return redirect("guide_staff:detail", edition.pk)
    form = EditionForm(
        request.POST or None, request.FILES or None, instance=edition, office=membership.office
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.edition_save(
                    form.apply(),
                    actor=request.user,
                    expected_version=form.cleaned_data.get("version") if pk else None,
                    categories=form.cleaned_data["categories"],
                    areas=form.cleaned_data["areas"],
                )
            except services.EditionConflict:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this edition while you were editing it. Your "
                        "changes were not saved; reload the page to see theirs."
                    ),
                )
                status = 409
            except services.EditionLocked:
                messages.error(request, _("A published edition cannot be changed."))
                return redirect("guide_staff:detail", edition.pk)
            else:
                messages.success(request, _("The edition was saved."))
                return redirect("guide_staff:detail", saved.pk)
        else:
            status = 400
    return render(
        request, "guide/staff/form.html", {"form": form, "edition": edition}, status=status
    )


def edition_detail(request, pk):
    membership = _member(request)
    edition = _edition(membership, pk)
    renderings = list(edition.renderings.all())
    for r in renderings:
        # After a restore without the brochure folder, a ready rendering may lack its file.
        r.missing = (
            r.status == Rendering.Status.DONE and not services.file_path(r.input_hash).is_file()
        )
    changes = services.edition_changes(edition)
    busy = any(r.status in (Rendering.Status.QUEUED, Rendering.Status.RUNNING) for r in renderings)
    count = len(edition.snapshot["offers"]) if edition.snapshot else None
    if count is None and not edition.is_published:
        count = snapshot.selected_offers(edition).count()
    return render(
        request,
        "guide/staff/detail.html",
        {
            "edition": edition,
            "renderings": renderings,
            "done": sum(r.status == Rendering.Status.DONE for r in renderings),
            "busy": busy,
            "entry_count": count,
            "changes": _changes_view(changes),
            "previous": edition.previous(),
            "print_form": PrintForm(),
            "can_edit": membership.role in EDITING_ROLES,
        },
    )


def _changes_view(changes):
    if changes is None:
        return None
    return {
        "added": [e["name"][SOURCE] for e in changes["added"]],
        "removed": [e["name"][SOURCE] for e in changes["removed"]],
        "changed": [
            {
                "name": c["offer"]["name"][SOURCE],
                "id": c["offer"]["id"],
                "fields": [field_label(f) for f in c["fields"]],
            }
            for c in changes["changed"]
        ],
    }


def edition_changes(request, pk):
    membership = _member(request)
    edition = _edition(membership, pk)
    if edition.snapshot is None:
        raise Http404
    return render(
        request,
        "guide/staff/changes.html",
        {
            "edition": edition,
            "previous": edition.previous(),
            "changes": _changes_view(services.edition_changes(edition)),
        },
    )


@require_POST
def edition_preview(request, pk):
    membership = _member(request, edit=True)
    edition = _edition(membership, pk)
    try:
        services.edition_preview(edition)
    except services.EditionLocked:
        raise Http404 from None
    messages.success(request, _("The preview is being typeset."))
    return redirect("guide_staff:detail", edition.pk)


@require_POST
def edition_publish(request, pk):
    membership = _member(request, edit=True)
    edition = _edition(membership, pk)
    try:
        services.edition_publish(edition, actor=request.user)
    except services.EditionLocked:
        messages.error(request, _("This edition is published already."))
    else:
        messages.success(request, _("The edition is published. Its brochures are being typeset."))
    return redirect("guide_staff:detail", edition.pk)


@require_POST
def edition_delete(request, pk):
    membership = _member(request, edit=True)
    edition = _edition(membership, pk)
    if edition.is_published:
        messages.error(request, _("A published edition cannot be deleted."))
        return redirect("guide_staff:detail", edition.pk)
    edition.delete()
    messages.success(request, _("The draft was deleted."))
    return redirect("guide_staff:list")


@require_POST
def edition_print(request, pk):
    """A print-ready PDF (bleed and crop marks) for the print shop."""
    membership = _member(request, edit=True)
    edition = _edition(membership, pk)
    form = PrintForm(request.POST)
    if edition.snapshot is None or not form.is_valid():
        messages.error(request, _("Choose a language and a paper size."))
    elif form.cleaned_data["language"] not in edition.snapshot["edition"]["languages"]:
        messages.error(request, _("This edition is not in that language."))
    else:
        services.rendering_request(
            edition, form.cleaned_data["language"], form.cleaned_data["paper"], print_ready=True
        )
        messages.success(request, _("The print-ready file is being typeset."))
    return redirect("guide_staff:detail", edition.pk)


def _rendering(membership, pk) -> Rendering:
    return get_object_or_404(
        Rendering.objects.select_related("edition"), pk=pk, edition__office=membership.office
    )


@require_POST
def rendering_retry(request, pk):
    membership = _member(request, edit=True)
    rendering = _rendering(membership, pk)
    missing = not services.file_path(rendering.input_hash or "-").is_file()
    if rendering.status != Rendering.Status.FAILED and not (
        rendering.status == Rendering.Status.DONE and missing
    ):
        messages.error(request, _("Only a failed rendering can be tried again."))
    else:
        services.rendering_retry(rendering)
        messages.success(request, _("The brochure is being typeset again."))
    return redirect("guide_staff:detail", rendering.edition_id)


def rendering_file(request, pk):
    membership = _member(request)
    rendering = _rendering(membership, pk)
    return pdf_response(rendering)


def pdf_response(rendering: Rendering) -> FileResponse:
    path = services.file_path(rendering.input_hash) if rendering.input_hash else None
    if rendering.status != Rendering.Status.DONE or path is None or not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"), content_type="application/pdf", filename=rendering.file_name()
    )
    response["Content-Disposition"] = f'inline; filename="{rendering.file_name()}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
