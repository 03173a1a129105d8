"""Outgoing mail through the task queue, retried with growing delays when SMTP fails."""

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi
from django_tasks import task

from wegweiser.core.models import MailBounce

logger = logging.getLogger(__name__)


def sender(office_name: str | None = None) -> str:
    """DEFAULT_FROM_EMAIL, named after the office that writes (e.g. "Integrationsbüro Ost
    · Wegweiser <wegweiser@example.org>")."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if office_name:
        name = f"{office_name} · {name}" if name else office_name
    return formataddr((name, address))


def mail_send(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    office_name: str | None = None,
) -> None:
    """Queue a mail (plain text and HTML; without an HTML template, the text as HTML in the
    current language); the request that caused it never waits for (or fails on) SMTP."""
    if html is None:
        language = get_language() or settings.LANGUAGE_CODE
        html = render_to_string(
            "mail/text.html", {"body": body, "language": language, "rtl": get_language_bidi()}
        )
    send_mail_task.enqueue(
        subject=subject, body=body, to=to, html=html, attempt=1, from_email=sender(office_name)
    )


@task()
def send_mail_task(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None,
    attempt: int,
    from_email: str | None = None,
):
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, from_email=from_email or settings.DEFAULT_FROM_EMAIL
    )
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Raised when every recipient was refused; 5xx is permanent (no such mailbox).
        permanent = {a: r for a, r in exc.recipients.items() if r[0] >= 500}
        for address, (code, reason) in permanent.items():
            _bounced(address, code, reason)
        if len(permanent) == len(exc.recipients):
            logger.warning("mail to %s refused permanently: %s", to, exc.recipients)
            return "bounced"
        return _retry(subject, body, to, html, attempt, exc, from_email)
    except (smtplib.SMTPException, OSError) as exc:
        return _retry(subject, body, to, html, attempt, exc, from_email)
    MailBounce.objects.filter(email__in=[_address(a) for a in to]).delete()
    return "sent"


def _address(recipient: str) -> str:
    return parseaddr(recipient)[1].lower()


def _bounced(address: str, code: int, reason: bytes | str) -> None:
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    MailBounce.objects.update_or_create(
        email=_address(address),
        defaults={"code": code, "reason": reason[:500], "bounced_at": timezone.now()},
    )


def bounced(addresses) -> set[str]:
    """Which of these addresses the mail server refused permanently."""
    wanted = {_address(a) for a in addresses if a}
    return set(MailBounce.objects.filter(email__in=wanted).values_list("email", flat=True))


def _retry(subject, body, to, html, attempt, exc, from_email):
    delays = settings.MAIL_RETRY_DELAYS
    if attempt > len(delays):
        logger.error("mail to %s given up after %s attempts: %s", to, attempt, exc)
        raise exc
    run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
    send_mail_task.using(run_after=run_after).enqueue(
        subject=subject,
        body=body,
        to=to,
        html=html,
        attempt=attempt + 1,
        from_email=from_email,
    )
    logger.warning("mail to %s failed (attempt %s), retrying at %s", to, attempt, run_after)
    return "retry"
