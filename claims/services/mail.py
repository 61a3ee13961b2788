"""Mail from the claims app: recorded in the outbox with the change, sent after commit."""

from __future__ import annotations

from django.conf import settings

from profiles.services.outbox import outbox_send_on_commit

SEND_EMAIL_TASK = "claims.tasks.send_email"


def email_send_on_commit(
    *, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = ""
) -> None:
    """Owe the message in the surrounding transaction (an outbox row); the mail task gets it
    once that transaction has committed, or from the sweeper if the broker was down then."""
    outbox_send_on_commit(
        task=SEND_EMAIL_TASK,
        kwargs={
            "to": list(to),
            "subject": subject,
            "body": body,
            "html_body": html_body,
            "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
        },
    )
