"""The coordinators' audit log (filter, export) and the safe serving of uploaded files."""

import csv
import mimetypes
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.models import Role
from wegweiser.core.audit import audit_log
from wegweiser.core.models import AuditEntry
from wegweiser.core.records import EditConflict


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=gettext_lazy("Action starts with"), required=False, max_length=80
    )
    actor = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_until = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _audit_entries(request):
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if membership.role != Role.COORDINATOR:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    qs = AuditEntry.objects.filter(office=membership.office).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            qs = qs.filter(action__startswith=data["action"])
        if data["actor"]:
            qs = qs.filter(actor__username=data["actor"])
        if data["object_id"]:
            qs = qs.filter(object_id=data["object_id"])
        if data["date_from"]:
            qs = qs.filter(created_at__date__gte=data["date_from"])
        if data["date_until"]:
            qs = qs.filter(created_at__date__lte=data["date_until"])
    return membership, form, qs


def audit_list(request):
    _membership, form, qs = _audit_entries(request)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_export(request):
    membership, _form, qs = _audit_entries(request)
    audit_log(
        action="core.audit.exported",
        actor=request.user,
        office=membership.office,
        changes={"query": [None, request.GET.urlencode()]},
    )
    writer = csv.writer(_Echo())
    header = ["time", "user", "action", "object_type", "object_id", "object", "changes", "hash"]

    def rows():
        yield writer.writerow(header)
        for e in qs.order_by("id").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_cell(v)
                    for v in [
                        e.created_at.isoformat(),
                        e.actor.username if e.actor else "",
                        e.action,
                        e.object_type,
                        e.object_id,
                        e.object_repr,
                        e.changes,
                        e.entry_hash,
                    ]
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


def versioned_save(request, form, save, template: str, context: dict):
    """Run `save(form)` for a valid edit form; if someone saved the record in between,
    re-show the form (HTTP 409) with what they changed and the editor's input kept, set to
    the version the editor has now seen. Returns None when saved."""
    try:
        save(form)
    except EditConflict as conflict:
        data = request.POST.copy()
        data["version"] = conflict.current.version
        form.data = data
        context.update(form=form, conflict=conflict)
        return render(request, template, context, status=409)
    messages.success(request, _("Saved."))
    return None


PUBLIC_MEDIA_FOLDERS = {"logos", "events"}


@login_not_required
@require_GET
def media(request, path):
    """Uploaded files, from a folder nothing executes in: only known public folders, never
    outside MEDIA_ROOT, sent with nosniff, a sandboxing CSP and a Content-Disposition."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or target.parts[len(root.parts)] not in PUBLIC_MEDIA_FOLDERS:
        raise Http404
    if not target.is_file():
        raise Http404
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        content_type = "application/octet-stream"
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{target.name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response
