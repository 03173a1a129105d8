"""Saving versioned records: optimistic locking, translation revisions and the audit entry,
in one place that every directory service goes through."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from wegweiser.core.audit import audit_log, diff, history_for, object_type_of, snapshot
from wegweiser.core.models import AuditEntry, PublicModel, SourceSnapshot


class EditConflict(Exception):
    """Someone else saved the record after the editor loaded it; nothing was written."""

    def __init__(self, current: PublicModel, entries: list[AuditEntry]):
        super().__init__(f"{object_type_of(current)} changed since it was loaded")
        self.current = current
        self.entries = entries

    @property
    def changed_fields(self) -> dict[str, list[Any]]:
        """Field → [value when the editor loaded it, value now], across all newer entries."""
        merged: dict[str, list[Any]] = {}
        for entry in sorted(self.entries, key=lambda e: (e.created_at, e.pk)):
            for field, (old, new) in entry.changes.items():
                if field in merged:
                    merged[field][1] = new
                else:
                    merged[field] = [old, new]
        return merged


def source_snapshot_save(instance: PublicModel) -> None:
    """Remember the translatable texts of the record's current revision."""
    if not instance.TRANSLATABLE_FIELDS:
        return
    SourceSnapshot.objects.update_or_create(
        object_type=object_type_of(instance),
        object_id=instance.pk,
        revision=instance.revision,
        defaults={"texts": {f: getattr(instance, f) or "" for f in instance.TRANSLATABLE_FIELDS}},
    )


def _split(instance: models.Model, data: dict[str, Any]):
    plain, many = {}, {}
    for name, value in data.items():
        field = instance._meta.get_field(name)
        (many if field.many_to_many else plain)[name] = value
    return plain, many


def record_create(
    model: type[PublicModel],
    data: dict[str, Any],
    *,
    actor,
    office,
    action: str,
    extra: dict[str, Any] | None = None,
) -> PublicModel:
    """Create a record from validated data and log all its fields as new."""
    with transaction.atomic():
        instance = model()
        plain, many = _split(instance, data)
        for name, value in {**plain, **(extra or {})}.items():
            setattr(instance, name, value)
        instance.save()
        for name, value in many.items():
            getattr(instance, name).set(value)
        after = snapshot(instance, list(data))
        source_snapshot_save(instance)
        audit_log(
            action=action,
            actor=actor,
            office=office,
            obj=instance,
            changes=diff({}, {k: v for k, v in after.items() if v not in ("", None, [])}),
        )
    return instance


def record_update(
    instance: PublicModel,
    data: dict[str, Any],
    *,
    expected_version: int,
    actor,
    office,
    action: str,
    minor: bool = False,
) -> PublicModel:
    """Apply validated data if nobody saved in between; raise EditConflict otherwise."""
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        if current.version != expected_version:
            newer = [
                e
                for e in history_for(current)
                if e.object_version is not None and e.object_version > expected_version
            ]
            raise EditConflict(current, newer)
        fields = list(data)
        if set(fields) & set(current.TRANSLATABLE_FIELDS):
            # Keep the text translators translated from, even for records made without one.
            SourceSnapshot.objects.get_or_create(
                object_type=object_type_of(current),
                object_id=current.pk,
                revision=current.revision,
                defaults={
                    "texts": {f: getattr(current, f) or "" for f in current.TRANSLATABLE_FIELDS}
                },
            )
        before = snapshot(current, fields)
        plain, many = _split(current, data)
        for name, value in plain.items():
            setattr(current, name, value)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        for name, value in many.items():
            getattr(current, name).set(value)
        changes = diff(before, snapshot(current, fields))
        if not changes:
            # Nothing changed: undo the version bump so a no-op save is invisible.
            model.objects.filter(pk=current.pk).update(version=expected_version)
            current.version = expected_version
            return current
        if not minor and set(changes) & set(current.TRANSLATABLE_FIELDS):
            current.revision += 1
            model.objects.filter(pk=current.pk).update(revision=current.revision)
        if set(changes) & set(current.TRANSLATABLE_FIELDS):
            source_snapshot_save(current)
        audit_log(action=action, actor=actor, office=office, obj=current, changes=changes)
    return current


def record_set_fields(
    instance: PublicModel, values: dict[str, Any], *, actor, office, action: str
) -> PublicModel:
    """A one-click change (archive, confirm) that needs no version check but is logged."""
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        before = snapshot(current, list(values))
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        audit_log(
            action=action,
            actor=actor,
            office=office,
            obj=current,
            changes=diff(before, snapshot(current, list(values))),
        )
    return current
