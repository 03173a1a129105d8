"""Authentication use cases: lockout, second factor (TOTP and recovery codes), sessions,
deactivation and role changes. Each writes its audit entry."""

import hashlib
import secrets
import time
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from wegweiser.accounts.models import (
    LoginAttempt,
    Membership,
    RecoveryCode,
    Role,
    TOTPDevice,
    User,
    UserSession,
)
from wegweiser.core.audit import audit_log
from wegweiser.core.crypto import decrypt, encrypt

TOTP_STEP = 30
RECOVERY_CODE_COUNT = 10


# Lockout ---------------------------------------------------------------------------------


def _window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)


def login_locked_until(username: str, ip_address: str | None) -> datetime | None:
    """When the account (or the address) may try again, or None if it is not locked."""
    recent = LoginAttempt.objects.filter(
        succeeded=False, cleared=False, created_at__gte=_window_start()
    )
    for qs, limit in [
        (recent.filter(username=username.lower()), settings.LOCKOUT_FAILURES),
        (recent.filter(ip_address=ip_address), settings.LOCKOUT_FAILURES_PER_ADDRESS),
    ]:
        if ip_address is None and limit == settings.LOCKOUT_FAILURES_PER_ADDRESS:
            continue
        times = list(qs.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            return times[-1] + timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)
    return None


def login_attempt_record(username: str, ip_address: str | None, *, succeeded: bool, user=None):
    LoginAttempt.objects.create(
        username=username.lower()[:150], ip_address=ip_address, succeeded=succeeded
    )
    audit_log(
        action="accounts.login.succeeded" if succeeded else "accounts.login.failed",
        actor=user,
        obj=user,
        changes={} if succeeded else {"username": [None, username[:150]]},
    )


def login_lockout_record(username: str, ip_address: str | None) -> None:
    audit_log(
        action="accounts.login.locked",
        changes={"username": [None, username[:150]], "ip": [None, ip_address]},
    )


def user_unlock(user: User, *, actor, office) -> int:
    """A coordinator lifts a lockout; the failed attempts stay on record as cleared."""
    count = LoginAttempt.objects.filter(
        username=user.username.lower(), succeeded=False, cleared=False
    ).update(cleared=True)
    audit_log(action="accounts.user.unlocked", actor=actor, office=office, obj=user)
    return count


# Second factor -----------------------------------------------------------------------------


def second_factor_required(user: User) -> bool:
    """Coordinators and staff must use a second factor; partners and translators may."""
    return Membership.objects.filter(user=user, role__in=[Role.COORDINATOR, Role.STAFF]).exists()


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name="Wegweiser")


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now or time.time()) // TOTP_STEP)
    for step in (current, current - 1, current + 1):  # one step of clock drift either way
        if secrets.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def totp_device_confirm(user: User, secret: str, code: str) -> list[str] | None:
    """Enrol an authenticator after the first correct code; returns fresh recovery codes."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.update_or_create(
            user=user,
            defaults={
                "secret_encrypted": encrypt(secret),
                "confirmed_at": timezone.now(),
                "last_used_step": step,
            },
        )
        codes = recovery_codes_generate(user)
        audit_log(action="accounts.second_factor.enrolled", actor=user, obj=user)
    return codes


def totp_verify(user: User, code: str) -> bool:
    """Check a code; a code (time step) that was accepted once is refused afterwards."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return False
        step = _matching_step(decrypt(device.secret_encrypted), code)
        if step is None or step <= device.last_used_step:
            return False
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
    return True


def _code_hash(code: str) -> str:
    normalized = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(f"{settings.SECRET_KEY}:{normalized}".encode()).hexdigest()


def recovery_codes_generate(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and not stored."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes
        )
        audit_log(action="accounts.recovery_codes.generated", actor=user, obj=user)
    return codes


def recovery_code_use(user: User, code: str) -> bool:
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_code_hash(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            audit_log(action="accounts.recovery_code.used", actor=user, obj=user)
    return bool(used)


def second_factor_check(user: User, code: str) -> bool:
    """A TOTP code, or else an unused recovery code."""
    return totp_verify(user, code) or recovery_code_use(user, code)


# Sessions and accounts --------------------------------------------------------------------


def session_register(user: User, session_key: str) -> None:
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def user_sessions_end(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return deleted


def user_deactivate(user: User, *, actor, office) -> None:
    """Block a user from logging in and end every session they have open."""
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_sessions_end(user)
        audit_log(
            action="accounts.user.deactivated",
            actor=actor,
            office=office,
            obj=user,
            changes={"is_active": [True, False]},
        )


def membership_set_role(membership: Membership, role: str, *, actor) -> Membership:
    """Change what a member may do in the office (a permission change, always logged)."""
    with transaction.atomic():
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_log(
            action="accounts.membership.role_changed",
            actor=actor,
            office=membership.office,
            obj=membership.user,
            changes={"role": [old, role]},
        )
    return membership
