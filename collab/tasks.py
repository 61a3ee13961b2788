"""Celery tasks of the collab app: the e-mail digest, run by beat."""

from __future__ import annotations

from celery import shared_task

from collab.digest import digest_send_all


# Idempotent: notices are marked sent in the transaction that mails them.
@shared_task(ignore_result=True, acks_late=True)
def collab_digest_send() -> int:
    """Mail each recipient their unsent collaboration notices as one digest."""
    return digest_send_all()
