"""Outgoing mail through the task queue, retried with growing delays when SMTP fails."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

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
    except (smtplib.SMTPException, OSError) as exc:
        delays = settings.MAIL_RETRY_DELAYS
        if attempt > len(delays):
            logger.error("mail to %s given up after %s attempts: %s", to, attempt, exc)
            raise
        run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
        send_mail_task.using(run_after=run_after).enqueue(
            subject=subject, body=body, to=to, html=html, attempt=attempt + 1
        )
        logger.warning("mail to %s failed (attempt %s), retrying at %s", to, attempt, run_after)
        return "retry"
    return "sent"
