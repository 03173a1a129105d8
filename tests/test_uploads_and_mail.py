"""Uploads are re-encoded and served safely; mail survives a mail server that is down."""

import email
import io

import pytest
from aiosmtpd.controller import Controller
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from tests.helpers import Inbox, free_port, login
from wegweiser.accounts.models import Role
from wegweiser.core.mail import send_mail_task


def _jpeg_with_exif_and_trailer() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret GPS note"  # ImageDescription
    Image.new("RGB", (16, 16), "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue() + b"<script>alert(1)</script>"


def test_logo_is_reencoded_without_metadata_and_trailing_bytes(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, world.members[Role.COORDINATOR].user)
    url = reverse("directory:organisation_edit", kwargs={"public_id": world.organisation.public_id})
    upload = SimpleUploadedFile("evil.jpeg", _jpeg_with_exif_and_trailer(), "image/jpeg")
    response = client.post(
        url,
        {
            "name": world.organisation.name,
            "kind": "initiative",
            "version": 1,
            "review_interval_days": 182,
            "logo": upload,
        },
    )
    assert response.status_code == 302
    world.organisation.refresh_from_db()
    name = world.organisation.logo.name
    assert name.startswith("logos/") and name.endswith(".jpg") and "evil" not in name
    stored = (tmp_path / name).read_bytes()
    assert b"<script>" not in stored and b"secret GPS note" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (16, 16)

    served = client.get(f"/media/{name}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_media_view_refuses_traversal_and_private_folders(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "private").mkdir(parents=True)
    (tmp_path / "media" / "private" / "x.png").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("no")
    assert client.get("/media/private/x.png").status_code == 404
    assert client.get("/media/logos/../../secret.txt").status_code == 404
    assert client.get("/media/logos/%2e%2e/%2e%2e/secret.txt").status_code == 404


def test_decompression_bomb_logo_is_refused(world, client, settings):
    login(client, world.members[Role.COORDINATOR].user)
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")
    url = reverse("directory:organisation_edit", kwargs={"public_id": world.organisation.public_id})
    response = client.post(
        url,
        {
            "name": world.organisation.name,
            "kind": "initiative",
            "version": 1,
            "review_interval_days": 182,
            "logo": SimpleUploadedFile("big.png", buffer.getvalue(), "image/png"),
        },
    )
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_then_up_the_mail_is_retried(world, client, settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.MAIL_RETRY_DELAYS = [3600]
    partner = world.members[Role.PARTNER_EDITOR].user
    partner.email = "partner@test.example"
    partner.save()

    # The request succeeds although nothing listens on the SMTP port.
    response = client.post(reverse("accounts:password_reset"), {"email": partner.email})
    assert response.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    from django_tasks_db.models import DBTaskResult

    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["READY", "SUCCESSFUL"]  # the failed try queued a retry for later
    # An hour passes (the retry's time comes) and the mail server is back.
    from django.utils import timezone

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    message = email.message_from_bytes(inbox.messages[0].original_content)
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert f'lang="{partner.language}"' in html.get_payload(decode=True).decode()
    body = inbox.messages[0].content.decode()
    assert "partner@test.example" in inbox.messages[0].rcpt_tos
    assert "/accounts/password-reset/" in body
    retry = DBTaskResult.objects.get(args_kwargs__kwargs__attempt=2)
    assert retry.task_path == f"{send_mail_task.module_path}"
