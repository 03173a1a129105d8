"""Outgoing mail through the task queue, retried with growing delays when SMTP fails."""

import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from wegweiser.core.models import MailBounce

logger = logging.getLogger(__name__)


def mail_send(*, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Queue a mail; the request that caused it never waits for (or fails on) SMTP."""
    send_mail_task.enqueue(subject=subject, body=body, to=to, html=html, attempt=1)


@task()
def send_mail_task(*, subject: str, body: str, to: list[str], html: str | None, attempt: int):
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, from_email=settings.DEFAULT_FROM_EMAIL
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
        return _retry(subject, body, to, html, attempt, exc)
    except (smtplib.SMTPException, OSError) as exc:
        return _retry(subject, body, to, html, attempt, exc)
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


def _retry(subject, body, to, html, attempt, exc):
    delays = settings.MAIL_RETRY_DELAYS
    if attempt > len(delays):
        logger.error("mail to %s given up after %s attempts: %s", to, attempt, exc)
        raise exc
    run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
    send_mail_task.using(run_after=run_after).enqueue(
        subject=subject, body=body, to=to, html=html, attempt=attempt + 1
    )
    logger.warning("mail to %s failed (attempt %s), retrying at %s", to, attempt, run_after)
    return "retry"
