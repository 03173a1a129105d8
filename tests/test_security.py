"""Authentication, sessions, second factor, headers and the audit log."""

import time
import uuid

import pyotp
import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import MembershipFactory
from tests.helpers import login
from wegweiser.accounts import security
from wegweiser.accounts.models import LoginAttempt, Role, TOTPDevice
from wegweiser.core.audit import audit_log, audit_verify
from wegweiser.core.models import AuditEntry

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def _post_login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert make_password("x" * 12).startswith("argon2$")


def test_common_and_short_passwords_are_refused():
    for weak in ["password123", "short", "1234567890"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


@pytest.fixture
def partner(world):
    return world.members[Role.PARTNER_EDITOR].user


def test_lockout_after_five_failures_even_with_the_right_password(world, client, partner):
    for _ in range(5):
        assert _post_login(client, partner.username, "wrong").status_code == 200
    response = _post_login(client, partner.username)
    assert response.status_code == 200
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"accounts.login.failed", "accounts.login.locked"} <= actions

    coordinator = world.members[Role.COORDINATOR]
    login(client, coordinator.user)
    unlock = reverse("accounts:member_unlock", kwargs={"pk": world.members[Role.PARTNER_EDITOR].pk})
    assert client.post(unlock).status_code == 302
    client.logout()
    assert _post_login(client, partner.username).status_code == 302
    assert LoginAttempt.objects.filter(username=partner.username, cleared=True).count() == 5


def test_lockout_window_passes(world, client, partner, settings):
    for _ in range(5):
        _post_login(client, partner.username, "wrong")
    LoginAttempt.objects.update(
        created_at=LoginAttempt.objects.first().created_at.replace(year=2020)
    )
    assert _post_login(client, partner.username).status_code == 302


def test_many_failures_from_one_address_lock_the_address(world, client, settings):
    settings.LOCKOUT_FAILURES_PER_ADDRESS = 8
    for i in range(8):
        _post_login(client, f"guess{i}", "wrong", ip="192.0.2.7")
    partner = world.members[Role.PARTNER_EDITOR].user
    assert _post_login(client, partner.username, ip="192.0.2.7").status_code == 200
    assert _post_login(client, partner.username, ip="192.0.2.8").status_code == 302


def _enrol(client, next_url="/staff/"):
    response = client.get(reverse("accounts:second_factor_setup"), {"next": next_url})
    secret = response.context["secret"]
    code = pyotp.TOTP(secret).now()
    response = client.post(
        reverse("accounts:second_factor_setup"), {"code": code, "next": next_url}
    )
    return secret, response


def test_coordinator_must_enrol_a_second_factor_before_anything_else(world, client):
    coordinator = world.members[Role.COORDINATOR].user
    response = _post_login(client, coordinator.username)
    assert response["Location"].startswith(reverse("accounts:second_factor_setup"))
    # Every staff page sends them back to the set-up until it is done.
    blocked = client.get(reverse("directory:offer_list"))
    assert blocked["Location"].startswith(reverse("accounts:second_factor_setup"))
    secret, response = _enrol(client)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("directory:offer_list")).status_code == 200
    assert "secret" not in str(TOTPDevice.objects.get(user=coordinator).secret_encrypted).lower()
    assert secret not in TOTPDevice.objects.get(user=coordinator).secret_encrypted


def test_second_factor_code_cannot_be_replayed_and_recovery_codes_work_once(world, client):
    coordinator = world.members[Role.COORDINATOR].user
    _post_login(client, coordinator.username)
    secret, response = _enrol(client)
    recovery = response.context["codes"][0]
    client.post(reverse("accounts:logout"))

    # The code used for enrolment is spent: the same time step is refused now.
    response = _post_login(client, coordinator.username)
    assert response["Location"].startswith(reverse("accounts:verify"))
    same_code = pyotp.TOTP(secret).now()
    response = client.post(reverse("accounts:verify"), {"code": same_code})
    assert response.status_code == 200 and "not valid" in response.content.decode()

    response = client.post(reverse("accounts:verify"), {"code": recovery})
    assert response.status_code == 302
    assert client.get(reverse("directory:dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    _post_login(client, coordinator.username)
    assert client.post(reverse("accounts:verify"), {"code": recovery}).status_code == 200


def test_next_step_code_is_accepted_once(world):
    user = world.members[Role.STAFF].user
    secret = security.totp_new_secret()
    security.totp_device_confirm(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
    code = pyotp.TOTP(secret).now()
    assert security.totp_verify(user, code) is True
    assert security.totp_verify(user, code) is False


def test_partner_without_device_needs_no_second_factor(world, client, partner):
    assert _post_login(client, partner.username)["Location"] == reverse("directory:dashboard")
    assert client.get(reverse("directory:dashboard")).status_code == 200


def test_login_issues_a_new_session_id_and_logout_ends_the_server_session(world, client, partner):
    client.get(reverse("accounts:login"))
    before = client.cookies.get("sessionid")
    _post_login(client, partner.username)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    client.post(reverse("accounts:logout"))
    client.cookies["sessionid"] = after  # replay the old cookie
    response = client.get(reverse("directory:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_absolute_session_timeout(world, client, partner, settings):
    _post_login(client, partner.username)
    session = client.session
    session["wegweiser_auth_at"] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("directory:dashboard"))
    assert reverse("accounts:login") in response["Location"]


def test_idle_timeout_is_the_session_age(world, client, partner, settings):
    _post_login(client, partner.username)
    assert client.session.get_expiry_age() <= settings.SESSION_IDLE_SECONDS
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_deactivating_a_user_ends_their_sessions(world, client):
    from django.test import Client

    partner_member = world.members[Role.PARTNER_EDITOR]
    partner_client = Client()
    _post_login(partner_client, partner_member.user.username)
    assert partner_client.get(reverse("directory:dashboard")).status_code == 200
    login(client, world.members[Role.COORDINATOR].user)
    url = reverse("accounts:member_deactivate", kwargs={"pk": partner_member.pk})
    assert client.post(url).status_code == 302
    response = partner_client.get(reverse("directory:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert AuditEntry.objects.filter(action="accounts.user.deactivated").exists()


def test_password_change_needs_reauthentication(world, client, partner):
    login(client, partner)
    url = reverse("accounts:password_change")
    assert reverse("accounts:reauth") in client.get(url)["Location"]
    response = client.post(
        reverse("accounts:reauth") + f"?next={url}", {"password": PASSWORD, "next": url}
    )
    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_email_change_needs_reauthentication(world, client, partner):
    login(client, partner)
    data = {"first_name": "", "last_name": "", "email": "new@test.example", "language": "de"}
    response = client.post(reverse("accounts:account"), data)
    assert reverse("accounts:reauth") in response["Location"]
    partner.refresh_from_db()
    assert partner.email != "new@test.example"


def test_role_change_is_logged(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    viewer = world.members[Role.VIEWER]
    client.post(reverse("accounts:member_role", kwargs={"pk": viewer.pk}), {"role": "staff"})
    viewer.refresh_from_db()
    assert viewer.role == Role.STAFF
    entry = AuditEntry.objects.get(action="accounts.membership.role_changed")
    assert entry.changes == {"role": ["viewer", "staff"]}


def test_security_headers(world, client):
    response = client.get("/de/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    login(client, world.members[Role.STAFF].user)
    staff = client.get(reverse("directory:dashboard"))
    assert "no-store" in staff["Cache-Control"]


def test_no_inline_script_or_style_in_templates():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "wegweiser"
    offenders = [
        str(p)
        for p in root.rglob("*.html")
        if "<script>" in p.read_text() or " style=" in p.read_text() or "<style" in p.read_text()
    ]
    assert offenders == []


def test_audit_chain_detects_tampering(world):
    for i in range(3):
        audit_log(action="test.thing.done", changes={"n": [i, i + 1]})
    assert audit_verify() == []
    call_command("audit_verify")
    entry = AuditEntry.objects.order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = %s WHERE id = %s", ["x.y.z", entry.pk])
    assert any("altered" in p for p in audit_verify())
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_audit_chain_detects_deleted_entries(world):
    for i in range(3):
        audit_log(action="test.thing.done", changes={"n": [i, i + 1]})
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM core_auditentry WHERE id = %s", [AuditEntry.objects.order_by("id")[1].pk]
        )
    assert audit_verify() != []


def test_audit_masks_sensitive_fields(db):
    entry = audit_log(
        action="x.y.z",
        changes={"password": ["a", "b"], "postcode": ["1", "2"], "recovery_code": [None, "abc"]},
    )
    assert entry.changes["password"] == ["•••", "•••"]
    assert entry.changes["recovery_code"] == [None, "•••"]
    assert entry.changes["postcode"] == ["1", "2"]


def test_audit_log_filter_and_export(world, client):
    coordinator = world.members[Role.COORDINATOR].user
    audit_log(
        action="directory.offer.updated",
        actor=coordinator,
        office=world.office,
        obj=world.offer,
        changes={"name": ["=HYPERLINK()", "b"]},
    )
    audit_log(action="other.office.thing", office=world.other_office)
    login(client, coordinator)
    page = client.get(reverse("core:audit_list"), {"action": "directory."}).context["page"]
    assert [e.action for e in page] == ["directory.offer.updated"]
    response = client.get(reverse("core:audit_export"))
    body = b"".join(response.streaming_content).decode()
    assert "directory.offer.updated" in body and "other.office.thing" not in body
    assert AuditEntry.objects.filter(action="core.audit.exported").exists()


def test_csv_cells_cannot_start_formulas():
    from wegweiser.core.views import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _csv_cell("@SUM") == "'@SUM"
    assert _csv_cell("Beratung") == "Beratung"


def test_audit_entries_are_not_editable_in_the_admin():
    from django.contrib import admin

    assert AuditEntry not in admin.site._registry


@pytest.mark.parametrize("role", Role.values)
def test_random_foreign_ids_never_leak_or_crash(world, role):
    from django.test import Client

    client = login(Client(), world.members[role].user)
    names = [
        "organisation_detail",
        "offer_detail",
        "location_detail",
        "offer_location_hours",
        "contact_edit",
        "organisation_edit",
        "offer_edit",
    ]

    @hypothesis_settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(public_id=st.uuids(), name=st.sampled_from(names))
    def check(public_id: uuid.UUID, name: str):
        url = reverse(f"directory:{name}", kwargs={"public_id": public_id})
        assert client.get(url).status_code == 404

    check()
    # and the real foreign records, whose ids exist, answer the same
    for record in [world.foreign_organisation, world.foreign_offer, world.foreign_location]:
        name = f"{record._meta.model_name}_detail"
        assert client.get(reverse(f"directory:{name}", args=[record.public_id])).status_code == 404


def test_second_office_member_sees_only_their_office(world, client):
    other = MembershipFactory(office=world.other_office, role=Role.STAFF)
    login(client, other.user)
    page = client.get(reverse("directory:organisation_list")).context["page"]
    assert [o.name for o in page] == ["Fremd e.V."]
