"""Open data for the office: import an HSDS file (check first, then apply) and download the
exports."""

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wegweiser.accounts.permissions import EDITING_ROLES
from wegweiser.directory import access
from wegweiser.opendata import exports
from wegweiser.opendata.imports import ImportRefused, import_hsds, parse_term_map
from wegweiser.opendata.models import ImportRun

UPLOADS = "hsds-imports"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("HSDS file"),
        help_text=gettext_lazy(
            "HSDS 3.0 JSON (services), ndjson, or a tabular data package as a zip file."
        ),
    )
    source = forms.SlugField(
        label=gettext_lazy("Source"),
        max_length=100,
        help_text=gettext_lazy(
            "A short name for the directory the data comes from, e.g. leipzig-sozialportal. "
            "Importing the same source again updates the records it brought."
        ),
    )
    term_map = forms.CharField(
        label=gettext_lazy("Category mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: their term = our category code."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.HSDS_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": settings.HSDS_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean_term_map(self):
        try:
            return parse_term_map(self.cleaned_data["term_map"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


def _editor(request):
    membership = access.require_membership(request)
    if membership.role not in EDITING_ROLES:
        raise PermissionDenied
    return membership


def _upload_folder():
    folder = settings.DATA_DIR / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def opendata_home(request):
    """Upload and check a file; the report offers to apply it."""
    membership = _editor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = refused = token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data["file"].read(settings.HSDS_IMPORT_MAX_BYTES + 1)
            try:
                report = import_hsds(
                    data,
                    office=membership.office,
                    source=form.cleaned_data["source"],
                    file_name=form.cleaned_data["file"].name,
                    term_map=form.cleaned_data["term_map"],
                )
            except ImportRefused as error:
                refused, status = error.problems, 400
            else:
                if report.can_apply:
                    token = secrets.token_urlsafe(16)
                    (_upload_folder() / f"{token}.bin").write_bytes(data)
                    request.session[f"hsds-import-{token}"] = {
                        "source": form.cleaned_data["source"],
                        "file_name": form.cleaned_data["file"].name[:255],
                        "term_map": form.cleaned_data["term_map"],
                        "office": membership.office_id,
                    }
                else:
                    status = 400
        else:
            status = 400
    return render(
        request,
        "opendata/home.html",
        {
            "form": form,
            "report": report,
            "refused": refused,
            "token": token,
            "runs": ImportRun.objects.filter(office=membership.office)[:20],
            "exports": sorted(exports.EXPORTS),
        },
        status=status,
    )


@require_POST
def import_apply(request, token):
    """Apply a checked file. It is read and checked again: what changed since the check
    counts, and a rejection still stops everything."""
    membership = _editor(request)
    pending = request.session.get(f"hsds-import-{token}")
    path = _upload_folder() / f"{token}.bin"
    if pending is None or pending["office"] != membership.office_id or not path.exists():
        raise Http404
    try:
        report = import_hsds(
            path.read_bytes(),
            office=membership.office,
            source=pending["source"],
            file_name=pending["file_name"],
            term_map=pending["term_map"],
            actor=request.user,
            dry_run=False,
        )
    except ImportRefused as error:
        messages.error(
            request, _("Nothing was imported: %(why)s") % {"why": "; ".join(error.problems[:5])}
        )
        return redirect("opendata_staff:home")
    finally:
        path.unlink(missing_ok=True)
        request.session.pop(f"hsds-import-{token}", None)
    counts = report.counts()
    messages.success(
        request,
        _("Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged records.")
        % {key: sum(c[key] for c in counts.values()) for key in ("new", "changed", "unchanged")},
    )
    return redirect("opendata_staff:home")
