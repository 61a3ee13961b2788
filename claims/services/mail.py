"""Mail from the claims app: handed to the worker only once the transaction has committed."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import transaction

from claims.tasks import send_email


def email_send_on_commit(
    *, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = ""
) -> None:
    """Hand a message to the mail task once the surrounding transaction has committed."""
    transaction.on_commit(
        partial(
            send_email.delay,
            to=to,
            subject=subject,
            body=body,
            html_body=html_body,
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        )
    )
