"""Partner editors' edits as change requests.

A partner editor fills in the same forms office staff use. Unless the office trusts the
organisation, the submitted form data is kept as a request instead of being saved. The
office later binds the same form to that data again: valid data is applied through the same
service a direct edit uses (so versions, the audit log and the search index behave alike),
and an entry changed meanwhile raises the same EditConflict a concurrent edit does.

Each kind of change is one `Kind`: how to build its forms for a target, how to apply them,
and which organisation the target belongs to."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wegweiser.accounts.models import Membership, Role
from wegweiser.core.audit import audit_log, history_for
from wegweiser.core.mail import mail_send
from wegweiser.directory import services
from wegweiser.directory.forms import (
    ContactForm,
    LocationForm,
    OfferForm,
    OfferLocationForm,
    OfferLocationSettingsForm,
    OpeningHoursFormSet,
    OrganisationForm,
    ScheduleExceptionFormSet,
)
from wegweiser.directory.models import (
    Contact,
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    Organisation,
    ScheduleException,
)
from wegweiser.events import services as event_services
from wegweiser.events.forms import EventForm
from wegweiser.events.models import Event
from wegweiser.partners.models import ChangeRequest

NOT_COMPARED = {"version", "minor_change"}


class RequestInvalid(Exception):
    """The kept data no longer passes the form (e.g. a name taken meanwhile)."""

    def __init__(self, forms_: list):
        super().__init__("change request data is no longer valid")
        self.forms = forms_


class RequestDecided(Exception):
    """Someone accepted, rejected or withdrew the request in between."""


class EntryGone(Exception):
    """The entry the request is about was removed meanwhile."""


# ---------------------------------------------------------------------------------------
# Forms of each kind


def without_files(form):
    """Uploads (logos, pictures) cannot wait in a request: partners send them to the office."""
    for name in [n for n, f in form.fields.items() if isinstance(f, forms.FileField)]:
        del form.fields[name]
    return form


def _event_form(data, organisation, instance=None):
    return without_files(
        EventForm(
            data,
            instance=instance,
            organisations=Organisation.objects.filter(pk=organisation.pk),
            office=organisation.office,
        )
    )


def _hours_forms(offer_location: OfferLocation, data):
    return [
        OfferLocationSettingsForm(
            data, instance=offer_location, initial={"version": offer_location.offer.version}
        ),
        OpeningHoursFormSet(data, prefix="hours", queryset=offer_location.opening_hours.all()),
        ScheduleExceptionFormSet(
            data, prefix="exceptions", queryset=offer_location.exceptions.all()
        ),
    ]


def _update(entry, forms_, actor, office):
    form = forms_[0]
    return services.entry_update(
        entry,
        data=form.model_data(),
        expected_version=form.loaded_version(),
        actor=actor,
        office=office,
        minor=form.cleaned_data.get("minor_change", False),
    )


def _event_update(event, forms_, actor, office):
    form = forms_[0]
    return event_services.event_update(
        event,
        data=form.model_data(),
        expected_version=form.loaded_version(),
        actor=actor,
        office=office,
        extra=form.cleaned_data["extra_dates"],
        exceptions=form.cleaned_data["exception_dates"],
        minor=form.cleaned_data.get("minor_change", False),
    )


def _event_create(organisation, forms_, actor, office):
    form = forms_[0]
    return event_services.event_create(
        office=office,
        actor=actor,
        data=form.model_data(),
        extra=form.cleaned_data["extra_dates"],
        exceptions=form.cleaned_data["exception_dates"],
    )


def _hours_apply(offer_location, forms_, actor, office):
    settings_form, hours, exceptions = forms_
    services.offer_location_save_hours(
        offer_location,
        settings={k: settings_form.cleaned_data[k] for k in ("by_appointment_only", "note")},
        hours=hours.rows(),
        exceptions=exceptions.rows(),
        expected_version=settings_form.cleaned_data["version"],
        actor=actor,
        office=office,
    )
    return offer_location.offer


def _location_add(offer, forms_, actor, office):
    data = forms_[0].cleaned_data
    services.offer_location_add(
        offer=offer,
        location=data["location"],
        actor=actor,
        office=office,
        by_appointment_only=data["by_appointment_only"],
        note=data["note"],
    )
    return offer


def _location_remove(offer_location, forms_, actor, office):
    offer = offer_location.offer
    services.offer_location_remove(offer_location, actor=actor, office=office)
    return offer


def _contact_delete(contact, forms_, actor, office):
    organisation = contact.organisation
    services.contact_delete(contact, actor=actor, office=office)
    return organisation


# ---------------------------------------------------------------------------------------
# Showing a change field by field


def _normalised(field, value):
    """A form's initial value brought into the shape of its cleaned data."""
    try:
        return field.clean(field.prepare_value(value))
    except forms.ValidationError:
        return value


def shown(field, value) -> str:
    if value is None or value == "" or value == [] or value == ():
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def form_changes(form, before_form=None) -> dict[str, list[str]]:
    """{field name: [shown value before, shown value proposed]} for the fields that differ;
    a form without an unbound twin (a new entry) compares against nothing."""
    changes = {}
    for name, field in form.fields.items():
        if name in NOT_COMPARED or name not in form.cleaned_data:
            continue
        before = ""
        if before_form is not None:
            initial = before_form.get_initial_for_field(field, name)
            before = shown(field, _normalised(field, initial))
        after = shown(field, form.cleaned_data[name])
        if before != after:
            changes[name] = [before, after]
    return changes


HOURS_FIELDS = ("weekday", "opens", "closes", "valid_from", "valid_until", "note")
EXCEPTION_FIELDS = ("kind", "date_from", "date_until", "opens", "closes", "note")


def _hours_text(rows: list[dict], model) -> str:
    return "; ".join(str(model(**row)) for row in rows)


def _hours_changes(offer_location, forms_) -> dict[str, list[str]]:
    settings_form, hours, exceptions = forms_
    before_forms = _hours_forms(offer_location, None)
    changes = form_changes(settings_form, before_forms[0])
    current_hours = _hours_text(
        list(offer_location.opening_hours.values(*HOURS_FIELDS)), OpeningHours
    )
    current_exceptions = _hours_text(
        list(offer_location.exceptions.values(*EXCEPTION_FIELDS)), ScheduleException
    )
    for name, now, proposed in (
        ("hours", current_hours, _hours_text(hours.rows(), OpeningHours)),
        ("exceptions", current_exceptions, _hours_text(exceptions.rows(), ScheduleException)),
    ):
        if now != proposed:
            changes[name] = [now, proposed]
    return changes


# ---------------------------------------------------------------------------------------
# The kinds


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    model: type[models.Model]
    # (target, data or None, organisation) → the forms, bound when data is given.
    build: Callable[[Any, Any, Organisation], list]
    apply: Callable[[Any, list, Any, Any], models.Model]
    organisation: Callable[[Any], Organisation]
    # The version a concurrent edit would raise; None where nothing can conflict.
    version: Callable[[Any], int | None] = lambda target: None
    # Adds a record (nothing to compare with; several may wait side by side).
    creates: bool = False
    template: str = "directory/entry_form.html"
    # (stored target, bound forms) → the difference; None: the first form's fields.
    diff: Callable[[Any, list], dict[str, list[str]]] | None = None

    def changes(self, target, forms_) -> dict[str, list[str]]:
        # Validating a model form writes the proposed values into its instance: compare
        # with the entry as stored.
        target = self.model.objects.get(pk=target.pk)
        if self.diff is not None:
            return self.diff(target, forms_)
        before = None if self.creates else self.build(target, None, self.organisation(target))[0]
        return form_changes(forms_[0], before)

    def labels(self, target, organisation) -> dict[str, str]:
        labels = {
            "hours": _("Weekly opening hours"),
            "exceptions": _("Exceptions: closures and extra openings"),
            "locations": _("Locations"),
            "contact": _("Contact"),
        }
        if target is not None:
            for form in self.build(target, None, organisation):
                for name, field in getattr(form, "fields", {}).items():
                    labels[name] = str(field.label or name)
        return labels


def _version(target):
    return target.version


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind(
            "organisation.update",
            gettext_lazy("change of the organisation"),
            Organisation,
            lambda t, d, o: [without_files(OrganisationForm(d, instance=t, office=t.office))],
            _update,
            lambda t: t,
            _version,
        ),
        Kind(
            "offer.update",
            gettext_lazy("change of an offer"),
            Offer,
            lambda t, d, o: [OfferForm(d, instance=t, organisation=t.organisation)],
            _update,
            lambda t: t.organisation,
            _version,
        ),
        Kind(
            "offer.create",
            gettext_lazy("new offer"),
            Organisation,
            lambda t, d, o: [OfferForm(d, organisation=t)],
            lambda t, f, actor, office: services.offer_create(
                organisation=t, actor=actor, data=f[0].model_data()
            ),
            lambda t: t,
            creates=True,
        ),
        Kind(
            "location.update",
            gettext_lazy("change of a location"),
            Location,
            lambda t, d, o: [LocationForm(d, instance=t)],
            _update,
            # A location is shared: the request belongs to the proposing organisation.
            lambda t: None,
            _version,
        ),
        Kind(
            "contact.create",
            gettext_lazy("new contact"),
            Organisation,
            lambda t, d, o: [ContactForm(d)],
            lambda t, f, actor, office: services.contact_create(
                organisation=t, actor=actor, data=f[0].model_data()
            ),
            lambda t: t,
            creates=True,
        ),
        Kind(
            "contact.update",
            gettext_lazy("change of a contact"),
            Contact,
            lambda t, d, o: [ContactForm(d, instance=t)],
            _update,
            lambda t: t.organisation,
            _version,
        ),
        Kind(
            "contact.delete",
            gettext_lazy("removal of a contact"),
            Contact,
            lambda t, d, o: [],
            _contact_delete,
            lambda t: t.organisation,
            diff=lambda t, f: {"contact": [str(t), ""]},
        ),
        Kind(
            "offer_location.add",
            gettext_lazy("new location of an offer"),
            Offer,
            lambda t, d, o: [
                OfferLocationForm(
                    d,
                    locations=Location.objects.filter(office=t.organisation.office).exclude(
                        offer_locations__offer=t
                    ),
                )
            ],
            _location_add,
            lambda t: t.organisation,
            creates=True,
        ),
        Kind(
            "offer_location.remove",
            gettext_lazy("removal of a location from an offer"),
            OfferLocation,
            lambda t, d, o: [],
            _location_remove,
            lambda t: t.offer.organisation,
            diff=lambda t, f: {"locations": [t.location.name, ""]},
        ),
        Kind(
            "hours",
            gettext_lazy("change of opening hours"),
            OfferLocation,
            lambda t, d, o: _hours_forms(t, d),
            _hours_apply,
            lambda t: t.offer.organisation,
            lambda t: t.offer.version,
            template="directory/hours_form.html",
            diff=_hours_changes,
        ),
        Kind(
            "event.create",
            gettext_lazy("new event"),
            Organisation,
            lambda t, d, o: [_event_form(d, t)],
            _event_create,
            lambda t: t,
            creates=True,
        ),
        Kind(
            "event.update",
            gettext_lazy("change of an event"),
            Event,
            lambda t, d, o: [_event_form(d, t.organisation, instance=t)],
            _event_update,
            lambda t: t.organisation,
            _version,
        ),
    ]
}


# ---------------------------------------------------------------------------------------
# Who goes through review


def needs_review(membership: Membership | None, organisation: Organisation | None) -> bool:
    """Partner editors' changes wait for the office unless it trusts their organisation;
    changes of shared locations always wait."""
    if membership is None or membership.role != Role.PARTNER_EDITOR:
        return False
    return organisation is None or not organisation.partner_trusted


def _stored(data: QueryDict) -> dict[str, list[str]]:
    return {k: data.getlist(k) for k in data if k != "csrfmiddlewaretoken"}


def target_of(change_request: ChangeRequest):
    """The entry the request is about, or None once it is gone."""
    model = KINDS[change_request.kind].model
    return model.objects.filter(pk=change_request.target_id).first()


def bound_forms(change_request: ChangeRequest, target, data: dict | None = None) -> list:
    kind = KINDS[change_request.kind]
    return kind.build(target, as_query(data or change_request.data), change_request.organisation)


def with_version(data: dict[str, list[str]], version: int | None) -> dict[str, list[str]]:
    """The kept data set to the version the coordinator has now seen."""
    if version is None or "version" not in data:
        return data
    return {**data, "version": [str(version)]}


def _as_posted(bound_field) -> list[str]:
    """A field's current value as a browser would post it."""
    value = bound_field.value()
    if isinstance(bound_field.field, forms.BooleanField):
        return ["on"] if value else []
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, time):
        return [value.strftime("%H:%M")]
    return [str(value)]


def posted(form) -> dict[str, list[str]]:
    """An unbound form's values as a browser would post them."""
    return {name: _as_posted(form[name]) for name in form.fields}


def as_query(data: dict[str, list[str]]) -> QueryDict:
    """Kept or built form data as the QueryDict a form is bound to."""
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


def proposal_data(change_request: ChangeRequest, target) -> dict[str, list[str]]:
    """The data to check and accept now: the entry as it is, with the fields the partner
    changed set to the partner's values, so others' changes since stay."""
    kind = KINDS[change_request.kind]
    if kind.creates or kind.version(target) is None:
        return change_request.data
    if kind.diff is not None:  # opening hours: proposed as a whole
        return with_version(change_request.data, kind.version(target))
    current = kind.build(target, None, change_request.organisation)[0]
    data = posted(current)
    for name in change_request.changes:
        if name in current.fields:
            data[name] = change_request.data.get(name, [])
    data["version"] = [str(target.version)]
    data.pop("minor_change", None)
    return data


def conflicting_entries(change_request: ChangeRequest, target) -> list:
    """What others changed in the entry since the partner loaded it."""
    kind = KINDS[change_request.kind]
    if target is None or change_request.base_version is None:
        return []
    if kind.version(target) == change_request.base_version:
        return []
    audited = target.offer if isinstance(target, OfferLocation) else target
    return [
        e
        for e in history_for(audited)
        if e.object_version is not None and e.object_version > change_request.base_version
    ]


@transaction.atomic
def request_submit(
    *, kind: str, target, data: QueryDict, membership: Membership, organisation: Organisation
) -> ChangeRequest | None:
    """Keep a partner's valid form data as an open request; None when it changes nothing.
    A newer request about the same entry replaces the author's open one."""
    spec = KINDS[kind]
    stored = _stored(data)
    forms_ = spec.build(target, as_query(stored), organisation)
    if not all(f.is_valid() for f in forms_):
        raise RequestInvalid(forms_)
    with translation.override(settings.LANGUAGE_CODE):
        changes = spec.changes(target, forms_)
    if not changes:
        return None
    author = membership.user
    if not spec.creates:
        ChangeRequest.objects.filter(
            office=membership.office,
            kind=kind,
            target_id=target.pk,
            author=author,
            status=ChangeRequest.Status.OPEN,
        ).update(status=ChangeRequest.Status.WITHDRAWN, decided_at=timezone.now())
    change_request = ChangeRequest.objects.create(
        office=membership.office,
        organisation=organisation,
        kind=kind,
        target_id=target.pk,
        target_repr=str(target)[:300],
        base_version=spec.version(target),
        data=stored,
        changes=changes,
        author=author,
    )
    audit_log(
        action="partners.change_request.submitted",
        actor=author,
        office=membership.office,
        obj=change_request,
        changes={"kind": [None, kind], "entry": [None, change_request.target_repr]},
    )
    return change_request


def _lock_open(change_request: ChangeRequest) -> ChangeRequest:
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != ChangeRequest.Status.OPEN:
        raise RequestDecided
    return locked


def _decide(change_request, status, *, actor, reply=""):
    change_request.status = status
    change_request.decided_at = timezone.now()
    change_request.decided_by = actor
    change_request.reply = reply
    change_request.save(update_fields=["status", "decided_at", "decided_by", "reply"])
    audit_log(
        action=f"partners.change_request.{status}",
        actor=actor,
        office=change_request.office,
        obj=change_request,
        changes={"reply": [None, reply]} if reply else {},
    )
    if status != ChangeRequest.Status.WITHDRAWN:
        transaction.on_commit(lambda: _decision_mail(change_request))


def request_accept(change_request: ChangeRequest, *, actor, data: dict | None = None):
    """Apply the request (or the coordinator's edited version of it) and tell the partner.
    Raises RequestInvalid, EditConflict, EntryGone or RequestDecided and then writes
    nothing: a request made on an older version of the entry needs `data` checked by the
    coordinator (see proposal_data)."""
    target = target_of(change_request)
    if target is None:
        raise EntryGone
    forms_ = bound_forms(change_request, target, data)
    if not all(f.is_valid() for f in forms_):
        raise RequestInvalid(forms_)
    with transaction.atomic():
        locked = _lock_open(change_request)
        entry = KINDS[locked.kind].apply(target, forms_, actor, locked.office)
        _decide(locked, ChangeRequest.Status.ACCEPTED, actor=actor)
    return entry


@transaction.atomic
def request_reject(change_request: ChangeRequest, *, actor, reply: str) -> ChangeRequest:
    locked = _lock_open(change_request)
    _decide(locked, ChangeRequest.Status.REJECTED, actor=actor, reply=reply)
    return locked


@transaction.atomic
def request_withdraw(change_request: ChangeRequest, *, actor) -> ChangeRequest:
    locked = _lock_open(change_request)
    _decide(locked, ChangeRequest.Status.WITHDRAWN, actor=actor)
    return locked


def _decision_mail(change_request: ChangeRequest) -> None:
    author = change_request.author
    if author is None or not author.email or not author.is_active:
        return
    with translation.override(author.language):
        context = {
            "change_request": change_request,
            "kind": KINDS[change_request.kind].label,
            "accepted": change_request.status == ChangeRequest.Status.ACCEPTED,
            "office": change_request.office.name,
            "link": settings.SITE_URL.rstrip("/")
            + reverse("partners_staff:request", args=[change_request.public_id]),
        }
        if context["accepted"]:
            subject = _("Your change is live: %(entry)s")
        else:
            subject = _("Your change was not accepted: %(entry)s")
        subject = subject % {"entry": change_request.target_repr}
        body = render_to_string("partners/mail/decision.txt", context)
        html = render_to_string("partners/mail/decision.html", context)
    mail_send(
        subject=subject,
        body=body,
        html=html,
        to=[author.email],
        office_name=change_request.office.name,
    )
