"""The outbox: follow-up tasks recorded in the transaction that owes them, sent after commit.

`outbox_send_on_commit(task=…, kwargs=…)` writes an `OutboxMessage` in the caller's
transaction and publishes it once that transaction has committed. Publishing never raises into
the caller: with the broker down the row stays unsent (the attempt and its error recorded) and
`outbox_sweep`, run by Celery beat every few seconds, publishes every unsent row whose
`due_at` has passed. A rolled-back change leaves no row, so nothing is sent for it.

Delivery is at least once from the outbox's side: a row is marked sent only after the broker
took the message, so a process that dies between the two publishes it twice. The tasks sent
this way are idempotent, or (mail) accept that rare duplicate rather than a lost message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from profiles.models import OutboxMessage
from profiles.services.refresh import QUEUE_ERRORS

logger = logging.getLogger(__name__)

# Sent rows are kept this long (to see what went out), then deleted by the sweeper.
SENT_KEPT_FOR = timedelta(days=7)


def outbox_send_on_commit(
    *, task: str, kwargs: dict[str, Any], countdown: int = 0
) -> OutboxMessage:
    """Record `task(**kwargs)` as owed in the caller's transaction; publish it after commit."""
    message = OutboxMessage.objects.create(
        task=task,
        kwargs=kwargs,
        countdown=countdown,
        due_at=timezone.now() + timedelta(seconds=settings.BZPEER_OUTBOX_RETRY_AFTER),
    )
    transaction.on_commit(partial(_publish_after_commit, message.pk))
    return message


def _publish_after_commit(message_id: int) -> None:
    try:
        _publish(OutboxMessage.objects.filter(pk=message_id))
    except DatabaseError:
        # Committed, so the row exists: the sweeper publishes it once the database answers.
        logger.warning("could not publish outbox message %s", message_id, exc_info=True)


@dataclass
class OutboxSweep:
    sent: int = 0
    unsent: int = 0  # still owed: the broker refused (counted once, the sweep stops there)
    deleted: int = 0  # sent rows past SENT_KEPT_FOR


def outbox_sweep(*, limit: int = 500) -> OutboxSweep:
    """Publish unsent rows that are due (oldest first); delete old sent ones."""
    now = timezone.now()
    sweep = OutboxSweep()
    sweep.sent, sweep.unsent = _publish(
        OutboxMessage.objects.filter(due_at__lte=now).order_by("due_at", "pk")[:limit]
    )
    sweep.deleted, _ = OutboxMessage.objects.filter(sent_at__lt=now - SENT_KEPT_FOR).delete()
    return sweep


def _publish(candidates: QuerySet[OutboxMessage]) -> tuple[int, int]:
    """Publish the unsent rows among `candidates`, each locked while it is sent (two sweepers,
    or the sweeper and the on-commit publish, never send one row twice). Stops at the first
    broker error: the rest stay owed. Returns (sent, left unsent)."""
    sent = 0
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.filter(
                pk__in=candidates.values("pk"), sent_at__isnull=True
            ).select_for_update(skip_locked=True)
        )
        for position, row in enumerate(rows):
            try:
                current_app.signature(row.task, kwargs=row.kwargs).apply_async(
                    countdown=row.countdown or None, retry=False
                )
            except QUEUE_ERRORS as exc:
                logger.warning(
                    "broker unreachable: %s outbox message(s) stay owed", len(rows) - position
                )
                OutboxMessage.objects.filter(pk__in=[r.pk for r in rows[position:]]).update(
                    attempts=F("attempts") + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:500],
                    due_at=timezone.now() + timedelta(seconds=settings.BZPEER_OUTBOX_RETRY_AFTER),
                )
                return sent, len(rows) - position
            OutboxMessage.objects.filter(pk=row.pk).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            sent += 1
    return sent, 0
