"""Staff side of the public guide: the texts of the information pages, and residents'
feedback (mistakes, barriers)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.permissions import can_archive_entries
from wegweiser.core.content import content_changed
from wegweiser.core.records import record_update
from wegweiser.core.views import versioned_save
from wegweiser.directory.forms import VersionedForm
from wegweiser.site.models import Feedback, Page


class PageForm(VersionedForm):
    class Meta:
        model = Page
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}


def _office_staff(request):
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if not can_archive_entries(membership):  # coordinators and staff
        raise PermissionDenied
    return membership


def page_list(request):
    _office_staff(request)
    return render(request, "site/staff/page_list.html", {"pages": Page.objects.order_by("slug")})


def page_edit(request, slug):
    membership = _office_staff(request)
    page = get_object_or_404(Page, slug=slug)
    form = PageForm(request.POST or None, instance=page)
    context = {"form": form, "title": page.title, "entry": page}
    if request.method == "POST" and form.is_valid():

        def save(form):
            record_update(
                page,
                form.model_data(),
                expected_version=form.loaded_version(),
                actor=request.user,
                office=membership.office,
                action="site.page.updated",
                minor=form.cleaned_data.get("minor_change", False),
            )
            content_changed()

        response = versioned_save(request, form, save, "directory/entry_form.html", context)
        return response or redirect("site_staff:page_list")
    return render(request, "directory/entry_form.html", context)


def feedback_list(request):
    _office_staff(request)
    items = Feedback.objects.select_related("offer").order_by("handled_at", "-created_at")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "site/staff/feedback_list.html", {"page": page})


def feedback_handled(request, pk):
    _office_staff(request)
    if request.method != "POST":
        raise Http404
    from django.utils import timezone

    Feedback.objects.filter(pk=pk, handled_at__isnull=True).update(handled_at=timezone.now())
    return redirect("site_staff:feedback_list")
