"""The translation dashboard (coverage per language and topic) and the workbench (queue and
side-by-side editor)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.models import Role
from wegweiser.core.audit import audit_log
from wegweiser.core.models import Language
from wegweiser.translations import exchange, workbench
from wegweiser.translations.forms import TranslationForm
from wegweiser.translations.queries import translation_coverage

ALLOWED = {Role.COORDINATOR, Role.STAFF, Role.TRANSLATOR}


def coverage(request):
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if membership.role not in ALLOWED:
        raise PermissionDenied
    return render(request, "translations/coverage.html", {"coverage": translation_coverage()})


def _language(membership, code: str) -> Language:
    language = (
        Language.objects.filter(code=code, is_content_language=True).exclude(code="de").first()
    )
    if language is None:
        raise Http404
    if membership.role == Role.TRANSLATOR and code not in (membership.languages or []):
        raise PermissionDenied
    return language


def _member(request):
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if membership.role not in ALLOWED:
        raise PermissionDenied
    return membership


def queue(request, language):
    membership = _member(request)
    lang = _language(membership, language)
    return render(
        request,
        "translations/queue.html",
        {
            "language": lang,
            "sections": workbench.queue(membership, lang.code),
        },
    )


def _record(membership, kind, public_id):
    if kind not in workbench.KINDS:
        raise Http404
    try:
        return workbench.records_for(kind, membership).get(public_id=public_id)
    except (workbench.KINDS[kind].DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def edit(request, kind, public_id, language):
    membership = _member(request)
    lang = _language(membership, language)
    record = _record(membership, kind, public_id)
    existing = record.translations.filter(language=lang.code).first()
    if request.method == "POST" and request.POST.get("action") == "approve":
        if not workbench.can_review(membership, existing, lang):
            raise PermissionDenied
        workbench.translation_approve(
            record, existing, actor=request.user, office=membership.office
        )
        messages.success(request, _("Translation approved."))
        return redirect("translations:queue", language=lang.code)
    form = TranslationForm(request.POST or None, record=record, language=lang, existing=existing)
    hints = workbench.glossary_hints(record, lang.code)
    if request.method == "POST" and form.is_valid():
        workbench.translation_save(
            record, lang, form.values(), actor=request.user, office=membership.office
        )
        messages.success(request, _("Translation saved."))
        for hint in workbench.glossary_warnings(hints, " ".join(form.values().values())):
            messages.warning(
                request,
                _(
                    "The glossary word “%(term)s” does not appear in the translation "
                    "(agreed: “%(agreed)s”). Please check."
                )
                % {"term": hint.german, "agreed": hint.agreed or hint.german},
            )
        return redirect("translations:queue", language=lang.code)
    return render(
        request,
        "translations/edit.html",
        {
            "record": record,
            "language": lang,
            "form": form,
            "existing": existing,
            "rows": [{"field": form[n], "source": getattr(record, n)} for n in form.text_fields],
            "changes": workbench.source_changes(record, getattr(existing, "source_revision", None)),
            "can_review": workbench.can_review(membership, existing, lang),
            "memory": workbench.memory_suggestions(record, lang.code),
            "hints": hints,
        },
    )


def export_file(request, language, file_format):
    membership = _member(request)
    lang = _language(membership, language)
    units = exchange.export_units(membership, lang.code)
    audit_log(
        action="translations.exchange.exported",
        actor=request.user,
        office=membership.office,
        changes={"language": [None, lang.code], "units": [None, len(units)]},
    )
    if file_format == "xlf":
        response = HttpResponse(
            exchange.to_xliff(units, lang.code), content_type="application/xliff+xml"
        )
    else:
        response = HttpResponse(
            exchange.to_po(units, lang.code),
            content_type="text/x-gettext-translation; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="wegweiser-{lang.code}.{file_format}"'
    return response


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLIFF 2.0 or PO file"))


def import_file(request, language):
    membership = _member(request)
    lang = _language(membership, language)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(exchange.MAX_BYTES + 1)
        report = exchange.import_file(data, membership, lang, actor=request.user)
    status = 400 if report is not None and report.errors else 200
    return render(
        request,
        "translations/import.html",
        {"language": lang, "form": form, "report": report},
        status=status,
    )
