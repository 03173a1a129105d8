"""The translation dashboard: coverage per language and topic, oldest outdated entries."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from wegweiser.accounts.middleware import membership_of
from wegweiser.accounts.models import Role
from wegweiser.translations.queries import translation_coverage

ALLOWED = {Role.COORDINATOR, Role.STAFF, Role.TRANSLATOR}


def coverage(request):
    membership = membership_of(request)
    if membership is None:
        raise Http404
    if membership.role not in ALLOWED:
        raise PermissionDenied
    return render(request, "translations/coverage.html", {"coverage": translation_coverage()})
