"""The outbox: follow-up work (a task to send) recorded in the transaction that owes it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task owed by a committed change, written in that change's transaction.

    It is published after commit; if the broker is unreachable the row stays unsent and the
    sweeper (`profiles.tasks.sweep_outbox`, Celery beat) publishes it once the broker is back.
    So a committed change never loses its follow-up, and a request never fails for it.
    """

    task = models.CharField(max_length=200)  # the Celery task's registered name
    kwargs = models.JSONField(default=dict)
    countdown = models.PositiveIntegerField(default=0)  # seconds, at the first publish
    created_at = models.DateTimeField(default=timezone.now)
    # The sweeper publishes an unsent row once this has passed (the on-commit publish first).
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(task=""), name="outbox_message_names_a_task"
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "unsent"
        return f"{self.task} ({state}, {self.attempts} attempts)"
