"""Keep the derived figures (derived topics, trust snapshots) of researchers up to date.

Events that change a signal (an import, a follow, a claim decision) *request* a refresh: the
researcher goes into a queue table (`ResearcherRefreshRequest`, one row per researcher however
many events) and a single drain task is scheduled a few seconds later. A burst of 100 follows
is therefore 100 cheap inserts and one recomputation. The drain takes the waiting researchers
in batches, derives topics for their untopiced works when needed, recomputes their trust
set-based, and deletes their requests in the same transaction (a crash leaves them queued).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from profiles.services.trust import trust_recompute

logger = logging.getLogger(__name__)

DRAIN_SCHEDULED_KEY = "trust:drain-scheduled"
QUEUE_ERRORS = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)


def researchers_request_refresh(*, researcher_ids: Iterable[int]) -> int:
    """Queue these researchers for a refresh (in the caller's transaction); a drain follows."""
    ids = sorted({int(i) for i in researcher_ids})
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO profiles_researcherrefreshrequest (researcher_id, requested_at)
            SELECT r.id, now() FROM profiles_researcher r WHERE r.id = ANY(%s)
            ON CONFLICT (researcher_id) DO NOTHING
            """,
            [ids],
        )
        queued = cursor.rowcount
    transaction.on_commit(refresh_drain_schedule)
    return queued


def refresh_drain_schedule() -> bool:
    """Enqueue one drain a few seconds ahead, unless one is already waiting (the coalescing).

    The flag is cleared by the drain *before* it reads the queue, so a request committed after
    that is either read by this drain or schedules the next one: nothing is left behind.
    """
    from profiles.tasks import drain_refresh_requests

    countdown = settings.BZPEER_TRUST_REFRESH_COUNTDOWN
    try:
        if not cache.add(DRAIN_SCHEDULED_KEY, 1, timeout=countdown + 60):
            return False
        drain_refresh_requests.apply_async(countdown=countdown, retry=False)
    except QUEUE_ERRORS:
        # The queue rows stay: the next request or the nightly run picks them up.
        logger.warning("could not schedule the refresh drain", exc_info=True)
        return False
    return True


def refresh_requests_drain(*, batch_size: int | None = None) -> int:
    """Recompute every researcher waiting for a refresh; returns how many were refreshed."""
    from works.topics_derived import derive_topics_if_needed

    size = batch_size or settings.BZPEER_TRUST_BATCH_SIZE
    try:
        cache.delete(DRAIN_SCHEDULED_KEY)
    except QUEUE_ERRORS:
        logger.warning("could not clear the drain flag", exc_info=True)
    refreshed = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    DELETE FROM profiles_researcherrefreshrequest WHERE researcher_id IN (
                        SELECT researcher_id FROM profiles_researcherrefreshrequest
                        ORDER BY requested_at, researcher_id LIMIT %s FOR UPDATE SKIP LOCKED
                    ) RETURNING researcher_id
                    """,
                    [size],
                )
                ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return refreshed
            # New untopiced works get derived topics first; a refit may move other works'
            # topics, and those researchers are queued again (read by the next loop).
            affected = derive_topics_if_needed(researcher_ids=ids)
            if others := set(affected) - set(ids):
                researchers_request_refresh(researcher_ids=others)
            trust_recompute(researcher_ids=ids)
            refreshed += len(ids)
