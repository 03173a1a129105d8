"""The audit log: one function appends every entry (hash-chained); history views and the
coordinators' log read them back."""

import hashlib
import json
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from wegweiser.core.models import AuditEntry, AuditHead

MASK = "•••"
# Field names whose values never enter the log.
SENSITIVE_KEYS = ("password", "secret", "token", "code", "otp", "key", "note_text")


def object_type_of(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def _is_sensitive(field: str) -> bool:
    return bool(set(re.split(r"[^a-z0-9]+", field.lower())) & set(SENSITIVE_KEYS))


def _masked(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        field: [MASK if v not in (None, "") else v for v in values]
        if _is_sensitive(field)
        else values
        for field, values in changes.items()
    }


def entry_digest(entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            entry.previous_hash,
            entry.created_at.isoformat(),
            entry.actor_id,
            entry.office_id,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.changes,
            entry.object_version,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
        changes=_masked(changes or {}),
    )
    if obj is not None:
        entry.object_type = object_type_of(obj)
        entry.object_id = str(getattr(obj, "public_id", obj.pk))
        entry.object_repr = str(obj)[:300]
        entry.object_version = getattr(obj, "version", None)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry.previous_hash = head.last_hash
        # Store what the database will give back, so the digest is reproducible.
        entry.changes = json.loads(json.dumps(entry.changes, default=str))
        entry.entry_hash = entry_digest(entry)
        entry.save()
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_hash"])
    return entry


def audit_verify() -> list[str]:
    """Walk the chain from the first entry; return a description of every break."""
    problems = []
    previous = ""
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(
                f"entry {entry.pk}: does not follow the previous entry "
                f"(an entry before it was removed or altered)"
            )
        if entry_digest(entry) != entry.entry_hash:
            problems.append(f"entry {entry.pk}: content does not match its hash (altered)")
        previous = entry.entry_hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        problems.append("the newest entries were removed (chain head does not match)")
    return problems


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
