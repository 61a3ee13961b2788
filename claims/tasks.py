"""Celery tasks of the claims app (and of accounts: every e-mail the site sends)."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

TRANSIENT_MAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


# Not idempotent (a message may already have left when a worker dies), so no acks_late:
# losing one notification is better than sending it twice.
@shared_task(
    ignore_result=True,
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email(
    *, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = ""
) -> None:
    """Send one message through Django's configured mail backend."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email or None, to=to
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
