"""One way to say "these researchers changed", and the refresh queue it feeds.

`researchers_changed(*, researcher_ids, reason)` is the data layer's entry point for every
change to what is known about researchers (an import, the seed, a work detached from a record,
derived topics that moved). In the caller's transaction it

1. bumps `data_version` in one `UPDATE … SET data_version = data_version + 1` (derived artefacts
   such as graph slices are keyed by it, so a stale one is never served as current), and
2. records a refresh request per researcher (`ResearcherRefreshRequest`, one row however many
   events) — the durable record that the work is owed;

and once that transaction has committed it

3. schedules the drain (`refresh_drain_schedule`): broker-safe, an unreachable broker or cache
   is logged and never raised into the caller — the recorded requests are drained by the next
   drain or the nightly run, and
4. tells the listeners (`researchers_changed_listen`): apps above the data layer react there,
   e.g. the graph app builds the slices of the changed researchers ahead of the next visit.
   `researchers_changed_notify` calls them one by one after commit: one that fails is logged
   and neither undoes the change nor stops the others.

A change that moves only a trust signal (a follow, a claim decision, an owner's edit) asks for
`researchers_request_refresh`: steps 2 and 3, no new data version, no listeners.

Faults (issue 11): the requests of step 2 are the durable record of the work owed. A drain
lost to a broker outage or a killed worker is scheduled again by the sweeper
(`refresh_drain_schedule_overdue`, run by `profiles.tasks.sweep_outbox` from Celery beat) once
a request has waited past `BZPEER_REFRESH_OVERDUE_AFTER`. Listeners that owe work send it
through the outbox (`profiles.services.outbox`), so a broker outage loses none of it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from profiles.models import ResearcherRefreshRequest

logger = logging.getLogger(__name__)

# What an unreachable broker or cache raises (Celery's connection errors surface as kombu's
# OperationalError; the Redis cache raises redis-py's own; a refused socket as OSError).
QUEUE_ERRORS = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)
DRAIN_SCHEDULED_KEY = "trust:drain-scheduled"
# The drain flag lives in the strict cache (errors raise, so an outage is known and logged);
# the default cache fails open (allauth's rate limits must not break log-in when Redis is down).
FLAG_CACHE = "coordination"
# The drain task, sent by name (a Celery signature): the drain itself reports researchers changed
# (derived topics), so importing its module here would close an import cycle.
DRAIN_TASK = "profiles.tasks.drain_refresh_requests"


class ChangeReason(StrEnum):
    """Why researchers changed; listeners may react differently (see each listener)."""

    IMPORT = "import"  # an importer wrote their works, authorships or author records
    SEED = "seed"  # the seed profile gained works
    WORK_DETACHED = "work detached"  # a moderator accepted a "not mine" flag
    DERIVED_TOPICS = "derived topics"  # a refit moved the derived topics of their works
    RECORDS_MERGED = "records merged"  # a moderator merged one record into another (issue 16)
    RECORDS_SPLIT = "records split"  # works moved from one record to another
    OPERATION_UNDONE = "operation undone"  # a merge or split was undone


class DrainScheduling(StrEnum):
    SCHEDULED = "scheduled"
    ALREADY_SCHEDULED = "already scheduled"  # one is waiting: it will read these requests
    UNREACHABLE = "broker unreachable"  # recorded anyway; the next drain or the nightly run


class ResearchersChangedListener(Protocol):
    def __call__(self, *, researcher_ids: list[int], reason: ChangeReason) -> None: ...


@dataclass
class ResearchersChange:
    """What `researchers_changed` did; `drain` is filled once the transaction has committed."""

    researcher_ids: list[int]
    reason: ChangeReason
    drain: DrainScheduling | None = None
    error: str = ""  # why the drain could not be scheduled


# Registered at start by the apps above the data layer (AppConfig.ready), keyed by name so a
# second registration replaces the first. Read only after commit.
_LISTENERS: dict[str, ResearchersChangedListener] = {}


def researchers_changed_listen(name: str, listener: ResearchersChangedListener) -> None:
    """Call `listener(researcher_ids=…, reason=…)` after every committed change."""
    _LISTENERS[name] = listener


def researchers_changed_unlisten(name: str) -> None:
    _LISTENERS.pop(name, None)


def researchers_changed(
    *, researcher_ids: Iterable[int], reason: ChangeReason, refresh: bool = True
) -> ResearchersChange:
    """These researchers' data changed: new data version, refresh recorded, listeners told.

    `refresh=False` only bumps the versions (a bulk load that recomputes everything itself,
    e.g. `import_openalex --no-refresh` in the benchmark): no request, no drain, no listener.
    """
    ids = sorted({int(i) for i in researcher_ids})
    change = ResearchersChange(researcher_ids=[], reason=reason)
    if not ids:
        return change
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_researcher SET data_version = data_version + 1 "
            "WHERE id = ANY(%s) RETURNING id",
            [ids],
        )
        change.researcher_ids = sorted(row[0] for row in cursor.fetchall())
        if not refresh or not change.researcher_ids:
            return change
        _requests_record(cursor, change.researcher_ids)
        # robust: the change is committed; a failure after it (say, a drain that PostgreSQL
        # aborts to break a deadlock) is logged, never raised at the caller. The request rows
        # stay, and the outbox sweeper drains them.
        transaction.on_commit(partial(_drain_after_commit, change), robust=True)
        transaction.on_commit(
            partial(
                researchers_changed_notify, researcher_ids=change.researcher_ids, reason=reason
            ),
            robust=True,
        )
    return change


def researchers_changed_notify(*, researcher_ids: list[int], reason: ChangeReason) -> None:
    """Call every listener now (what an outbox sweeper would do); failures are logged."""
    for name, listener in list(_LISTENERS.items()):
        try:
            listener(researcher_ids=researcher_ids, reason=reason)
        except Exception:  # a listener's bug must not stop the others
            logger.exception("researchers-changed listener %s failed", name)


def researchers_request_refresh(*, researcher_ids: Iterable[int]) -> int:
    """Queue these researchers for a refresh in the caller's transaction; a drain follows on
    commit. For changes of a trust signal only (follows, claims): no new data version."""
    ids = sorted({int(i) for i in researcher_ids})
    if not ids:
        return 0
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        queued = _requests_record(cursor, ids)
        transaction.on_commit(refresh_drain_schedule, robust=True)
    return queued


def _requests_record(cursor: CursorWrapper, ids: list[int]) -> int:
    cursor.execute(
        """
        INSERT INTO profiles_researcherrefreshrequest (researcher_id, requested_at)
        SELECT r.id, now() FROM profiles_researcher r WHERE r.id = ANY(%s)
        ON CONFLICT (researcher_id) DO NOTHING
        """,
        [ids],
    )
    return int(cursor.rowcount)


def _drain_after_commit(change: ResearchersChange) -> None:
    change.drain, change.error = _drain_schedule()


def refresh_drain_schedule() -> DrainScheduling:
    """Enqueue one drain a few seconds ahead, unless one is already waiting (the coalescing).

    The flag is cleared by the drain *before* it reads the queue, so a request committed after
    that is either read by this drain or schedules the next one: nothing is left behind.
    """
    return _drain_schedule()[0]


def _drain_schedule() -> tuple[DrainScheduling, str]:
    countdown = settings.BZPEER_TRUST_REFRESH_COUNTDOWN
    flagged = False
    try:
        if not caches[FLAG_CACHE].add(DRAIN_SCHEDULED_KEY, 1, timeout=countdown + 60):
            return DrainScheduling.ALREADY_SCHEDULED, ""
        flagged = True
        current_app.signature(DRAIN_TASK).apply_async(countdown=countdown, retry=False)
    except QUEUE_ERRORS as exc:
        # The requests stay recorded: the next request or the nightly run drains them.
        logger.warning("could not schedule the refresh drain", exc_info=True)
        if flagged:  # no drain is waiting after all: let the next request try again
            with contextlib.suppress(*QUEUE_ERRORS):
                caches[FLAG_CACHE].delete(DRAIN_SCHEDULED_KEY)
        return DrainScheduling.UNREACHABLE, str(exc)
    return DrainScheduling.SCHEDULED, ""


def refresh_drain_schedule_overdue() -> DrainScheduling | None:
    """Schedule a drain if a request has waited past its deadline (the drain meant for it was
    lost: broker down when it was scheduled, or its worker killed); None if none is overdue.

    The coalescing flag may still claim a drain that will never come, so it is cleared first.
    Drains lock the requests they take (SKIP LOCKED), so an extra one is harmless."""
    deadline = timezone.now() - timedelta(seconds=settings.BZPEER_REFRESH_OVERDUE_AFTER)
    if not ResearcherRefreshRequest.objects.filter(requested_at__lt=deadline).exists():
        return None
    try:
        caches[FLAG_CACHE].delete(DRAIN_SCHEDULED_KEY)
    except QUEUE_ERRORS:
        logger.warning("could not clear the drain flag", exc_info=True)
    return refresh_drain_schedule()
