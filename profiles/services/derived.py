"""Keep the derived figures (derived topics, trust snapshots) of researchers up to date.

Events that change a signal *request* a refresh (`profiles.services.refresh`): the researcher
goes into a queue table (`ResearcherRefreshRequest`, one row per researcher however many
events) and a single drain task is scheduled a few seconds later. A burst of 100 follows is
therefore 100 cheap inserts and one recomputation. The drain takes the waiting researchers in
batches, derives topics for their untopiced works when needed, recomputes their trust
set-based, and deletes their requests in the same transaction (a crash leaves them queued).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction

from profiles.services.refresh import DRAIN_SCHEDULED_KEY, FLAG_CACHE, QUEUE_ERRORS
from profiles.services.trust import trust_recompute
from works.topics_derived import derive_topics_if_needed

logger = logging.getLogger(__name__)


def refresh_requests_drain(*, batch_size: int | None = None) -> int:
    """Recompute every researcher waiting for a refresh; returns how many were refreshed."""
    size = batch_size or settings.BZPEER_TRUST_BATCH_SIZE
    try:
        caches[FLAG_CACHE].delete(DRAIN_SCHEDULED_KEY)
    except QUEUE_ERRORS:
        logger.warning("could not clear the drain flag", exc_info=True)
    refreshed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # A record that a writer holds (a claim decision locks it, then queues a refresh
            # for it) is left for the next drain, which its writer schedules on commit. Taking
            # its request and then waiting for the record (the snapshot's foreign key) would
            # deadlock with that writer's insert of the same request.
            cursor.execute(
                """
                DELETE FROM profiles_researcherrefreshrequest WHERE researcher_id IN (
                    SELECT q.researcher_id
                    FROM profiles_researcherrefreshrequest q
                    JOIN profiles_researcher r ON r.id = q.researcher_id
                    ORDER BY q.requested_at, q.researcher_id LIMIT %s
                    FOR UPDATE OF q SKIP LOCKED
                    FOR KEY SHARE OF r SKIP LOCKED
                ) RETURNING researcher_id
                """,
                [size],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return refreshed
            # New untopiced works get derived topics first. A refit may move other works'
            # topics: those researchers changed (`researchers_changed` queues them again, read
            # by the next loop); this batch is recomputed below with its new topics, so its
            # own new requests are already answered.
            if moved := derive_topics_if_needed(researcher_ids=ids):
                cursor.execute(
                    "DELETE FROM profiles_researcherrefreshrequest WHERE researcher_id = ANY(%s)",
                    [sorted(moved & set(ids))],
                )
            trust_recompute(researcher_ids=ids)
            refreshed += len(ids)
