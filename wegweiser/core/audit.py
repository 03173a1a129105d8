"""The audit log: one function writes every entry; history views read them back."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from wegweiser.core.models import AuditEntry


def object_type_of(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def audit_log(
    *,
    action: str,
    actor=None,
    office=None,
    obj: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEntry:
    """Append one entry. Actions are namespaced: `directory.offer.updated`."""
    entry = AuditEntry(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        office=office,
        changes=changes or {},
    )
    if obj is not None:
        entry.object_type = object_type_of(obj)
        entry.object_id = str(getattr(obj, "public_id", obj.pk))
        entry.object_repr = str(obj)[:300]
        entry.object_version = getattr(obj, "version", None)
    entry.save()
    return entry


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The field values as plain JSON values; many-to-many fields as sorted lists of names."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            if instance.pk is None:
                result[name] = []
            else:
                result[name] = sorted(str(o) for o in getattr(instance, name).all())
        elif field.is_relation:
            result[name] = _plain(getattr(instance, name))
        else:
            result[name] = _plain(getattr(instance, name))
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def history_for(instance: models.Model):
    """All entries about one object, newest first."""
    return AuditEntry.objects.filter(
        object_type=object_type_of(instance),
        object_id=str(getattr(instance, "public_id", instance.pk)),
    ).select_related("actor")
