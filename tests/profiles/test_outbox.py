"""The outbox: follow-up work recorded with the change, sent after commit or by the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bzpeer.celery import app as celery_app
from claims.services.mail import SEND_EMAIL_TASK, email_send_on_commit
from profiles.models import OutboxMessage
from profiles.services.outbox import outbox_send_on_commit, outbox_sweep
from tests.conftest import UNREACHABLE_REDIS, broker_at


def owe_mail(subject: str = "Claim approved") -> None:
    email_send_on_commit(to=["ada@example.org"], subject=subject, body="Hello")


def test_with_the_broker_down_the_change_commits_and_the_mail_stays_owed(
    transactional_db, unreachable_broker
):
    with transaction.atomic():
        owe_mail()  # the on-commit publish meets the dead broker: logged, not raised

    row = OutboxMessage.objects.get()
    assert row.task == SEND_EMAIL_TASK and row.sent_at is None
    assert row.attempts == 1 and "Error" in row.last_error
    assert row.kwargs["to"] == ["ada@example.org"]


def test_a_rolled_back_change_owes_nothing(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        owe_mail()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_the_sweeper_sends_what_an_outage_left_owed_once_the_broker_is_back(
    transactional_db, settings, eager_tasks
):
    settings.BZPEER_OUTBOX_RETRY_AFTER = 0
    with broker_at(UNREACHABLE_REDIS):
        celery_app.conf.task_always_eager = False  # a real publish, to the dead broker
        with transaction.atomic():
            owe_mail("first")
            owe_mail("second")
        assert outbox_sweep().unsent == 2  # still down: owed, one more attempt each
        celery_app.conf.task_always_eager = True
    assert OutboxMessage.objects.filter(sent_at=None, attempts=2).count() == 2
    assert mail.outbox == []

    sweep = outbox_sweep()  # the broker is back (the tasks run in-process)

    assert (sweep.sent, sweep.unsent) == (2, 0)
    assert sorted(m.subject for m in mail.outbox) == ["first", "second"]
    assert not OutboxMessage.objects.filter(sent_at=None).exists()
    assert outbox_sweep().sent == 0  # sent once, never again


def test_a_row_not_yet_due_is_left_to_the_on_commit_publish(transactional_db, eager_tasks):
    OutboxMessage.objects.create(
        task=SEND_EMAIL_TASK,
        kwargs={"to": ["a@example.org"], "subject": "later", "body": ""},
        due_at=timezone.now() + timedelta(minutes=1),
    )
    assert outbox_sweep().sent == 0 and mail.outbox == []


def test_old_sent_rows_are_deleted(transactional_db):
    long_ago = timezone.now() - timedelta(days=8)
    OutboxMessage.objects.create(task=SEND_EMAIL_TASK, sent_at=long_ago, due_at=long_ago)
    OutboxMessage.objects.create(task=SEND_EMAIL_TASK, sent_at=timezone.now())
    assert outbox_sweep().deleted == 1
    assert OutboxMessage.objects.count() == 1


def test_a_publish_right_after_commit_marks_the_row_sent(transactional_db, eager_tasks):
    with transaction.atomic():
        outbox_send_on_commit(
            task=SEND_EMAIL_TASK, kwargs={"to": ["b@example.org"], "subject": "now", "body": ""}
        )
    assert [m.subject for m in mail.outbox] == ["now"]
    assert OutboxMessage.objects.get().sent_at is not None
