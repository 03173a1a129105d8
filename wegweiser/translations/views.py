"""The translation dashboard (coverage per language and topic) and the workbench (queue and
side-by-side editor)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.models import Role
from wegweiser.core.models import Language
from wegweiser.translations import workbench
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


def edit(request, kind, public_id, language):
    membership = _member(request)
    lang = _language(membership, language)
    if kind not in workbench.KINDS:
        raise Http404
    try:
        record = workbench.records_for(kind, membership).get(public_id=public_id)
    except (workbench.KINDS[kind].DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    existing = record.translations.filter(language=lang.code).first()
    fields = [f for f in record.TRANSLATABLE_FIELDS if getattr(record, f)]
    form = forms.Form(request.POST or None)
    form.fields["source_revision"] = forms.IntegerField(
        widget=forms.HiddenInput, initial=record.revision
    )
    for name in fields:
        form.fields[name] = forms.CharField(
            label=record._meta.get_field(name).verbose_name,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4, "lang": lang.code, "dir": lang.direction}),
            initial=getattr(existing, name, "") if existing else "",
        )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["source_revision"] != record.revision:
            form.add_error(
                None,
                _(
                    "The source text changed while you were translating. "
                    "Look at the change below and check your translation."
                ),
            )
        for name in fields:
            problems = workbench.translation_problems(
                getattr(record, name), form.cleaned_data[name]
            )
            if "placeholders" in problems:
                form.add_error(name, _("Keep the placeholders of the source text exactly."))
            if "markup" in problems:
                form.add_error(name, _("The source has no HTML; please remove the tags."))
        if not form.errors:
            workbench.translation_save(
                record,
                lang.code,
                {name: form.cleaned_data[name] for name in fields},
                actor=request.user,
                office=membership.office,
            )
            messages.success(request, _("Translation saved."))
            return redirect("translations:queue", language=lang.code)
    rows = [{"field": form[name], "source": getattr(record, name)} for name in fields]
    return render(
        request,
        "translations/edit.html",
        {
            "record": record,
            "language": lang,
            "form": form,
            "rows": rows,
            "changes": workbench.source_changes(
                record, existing.source_revision if existing else None
            ),
            "existing": existing,
        },
    )
