"""Recompute trust snapshots set-based: one INSERT … SELECT … ON CONFLICT per batch.

The inputs (works, followers, topics, close collaborators, verification, claim, identity) are
aggregated in SQL for a whole batch of researchers, the points come from the formula's integer
thresholds (`profiles.trust`, the same numbers the Python function uses), and the snapshot rows
are upserted in the same statement. No per-researcher query, no per-row Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from profiles.models import TrustRecomputeBatch, TrustRecomputeRun
from profiles.selectors import (
    CLOSE_COLLABORATORS_SHOWN,
    TOPICS_SHOWN,
    close_collaborator_pairs_sql,
)
from profiles.trust import (
    AFFILIATION_POINTS,
    CLAIM_POINTS,
    COLLABORATION,
    COMMUNITY,
    FORMULA_VERSION,
    ORCID_POINTS,
    PUBLICATIONS,
    TIERS,
    TOPICS,
    VERIFICATION_POINTS,
    LogScale,
)

# Serialises trust recomputations (a nightly batch and a refresh drain never interleave, so a
# score change is recorded in the history exactly once). Any constant unique to this use.
TRUST_LOCK_KEY = 0x7275_7374


def scale_sql(scale: LogScale, column: str) -> str:
    # Points = how many thresholds the count has reached (integers only, like bisect_right).
    literal = ",".join(str(t) for t in scale.thresholds)
    return f"(SELECT count(*) FROM unnest(ARRAY[{literal}]) AS t WHERE t <= {column})"  # noqa: S608 - composed from the formula's constants


def _mapping_sql(mapping: dict[int, int] | dict[str, int], column: str) -> str:
    whens = " ".join(
        f"WHEN {column} = {key if isinstance(key, int) else repr(key)} THEN {value}"
        for key, value in mapping.items()
    )
    return f"(CASE {whens} ELSE 0 END)"


def _tier_sql(column: str) -> str:
    whens = " ".join(f"WHEN {column} >= {lowest} THEN '{name}'" for lowest, name in TIERS)
    return f"(CASE {whens} END)"


POINTS_SQL = {
    "points_verification": _mapping_sql(VERIFICATION_POINTS, "i.verification_level"),
    "points_claim": _mapping_sql(CLAIM_POINTS, "i.claim_status"),
    "points_identity": (
        f"({ORCID_POINTS} * i.has_orcid::int + {AFFILIATION_POINTS} * i.has_affiliation::int)"
    ),
    "points_publications": scale_sql(PUBLICATIONS, "i.works_count"),
    "points_collaboration": scale_sql(COLLABORATION, "i.close_collaborators_count"),
    "points_topics": scale_sql(TOPICS, "i.topics_count"),
    "points_community": scale_sql(COMMUNITY, "i.followers_count"),
}
INPUT_COLUMNS = [
    "verification_level",
    "claim_status",
    "works_count",
    "followers_count",
    "topics_count",
    "close_collaborators_count",
    "has_orcid",
    "has_affiliation",
]
POINT_COLUMNS = list(POINTS_SQL)
# Citation metrics (issue 13), stored with the snapshot; not trust inputs.
METRIC_COLUMNS = ["citations_total", "h_index", "i10_index", "per_year", "work_types"]
# What the profile page would otherwise count on each view (issue 17), and the data version
# they were computed at (the page uses them only while it is the researcher's).
PROFILE_COLUMNS = ["data_version", "topics_list", "close_collaborators_list", "first_works"]
TARGET = "profiles_trustsnapshot"
UPDATED_COLUMNS = ", ".join(
    f"{c} = EXCLUDED.{c}"
    for c in [
        "score",
        "tier",
        "formula_version",
        *INPUT_COLUMNS,
        *POINT_COLUMNS,
        "top_topics",
        *METRIC_COLUMNS,
        *PROFILE_COLUMNS,
    ]
)
TOP_TOPICS = 3  # kept with each snapshot, for search results

# {researchers} is a WHERE condition on profiles_researcher r (an id range or an id array), and
# {authored} the same condition on works_authorship a's researcher_id: each part reads the
# batch's authorships through the (researcher, work) index with a condition the planner can
# estimate. Joined to the CTE `r` instead, a batch of 5,000 was estimated at ten times its
# ~100,000 authorships, and every batch hashed whole tables (works, work topics, all 3.5 M
# authorships for the co-author pairs: bench/metrics_recompute.py, docs/benchmarks.md).
RECOMPUTE_SQL = f"""
WITH r AS (
    SELECT r.id, r.data_version, r.verification_level, r.claim_status,
           (r.orcid IS NOT NULL) AS has_orcid, (r.affiliation_id IS NOT NULL) AS has_affiliation
    FROM profiles_researcher r WHERE {{researchers}}
),
works AS (
    SELECT a.researcher_id, count(*) AS n
    FROM works_authorship a WHERE {{authored}} GROUP BY a.researcher_id
),
followers AS (
    SELECT f.researcher_id, count(*) AS n
    FROM profiles_follow f JOIN r ON r.id = f.researcher_id GROUP BY f.researcher_id
),
topic_works AS (
    SELECT a.researcher_id, wt.topic_id, count(*) AS n
    FROM works_authorship a JOIN works_worktopic wt ON wt.work_id = a.work_id
    WHERE {{authored}}
    GROUP BY a.researcher_id, wt.topic_id
),
topics AS (SELECT researcher_id, count(*) AS n FROM topic_works GROUP BY researcher_id),
-- The researcher's most frequent topics, kept with the snapshot so a search result (the first
-- few) and the profile (the list) show them without counting a record's works on the page.
top_topics AS (
    SELECT ranked.researcher_id,
           jsonb_agg(jsonb_build_object('id', ranked.topic_id, 'name', ranked.name,
                                        'origin', ranked.origin, 'works', ranked.n)
                     ORDER BY ranked.n DESC, ranked.name) AS listed
    FROM (
        SELECT tw.researcher_id, tw.topic_id, tw.n, t.display_name AS name, t.origin,
               row_number() OVER (PARTITION BY tw.researcher_id
                                  ORDER BY tw.n DESC, t.display_name) AS rank
        FROM topic_works tw JOIN works_topic t ON t.id = tw.topic_id
    ) ranked
    WHERE ranked.rank <= %(topics_listed)s
    GROUP BY ranked.researcher_id
),
-- Citation metrics. A work's citations are its source's count (OpenAlex's cited_by_count,
-- which includes works not imported). Counting its citers in BZPEER too would read the
-- citation table for every work of the batch: 6 times the cost of the rest (bench/metrics).
my_works AS (
    SELECT a.researcher_id, a.work_id FROM works_authorship a WHERE {{authored}}
),
ranked_citations AS (
    SELECT m.researcher_id, w.publication_year AS year, w.cited_by_count AS cites, w.work_type,
           row_number() OVER (PARTITION BY m.researcher_id ORDER BY w.cited_by_count DESC) AS rank,
           -- the profile's first page: WorkQuerySet.newest_first's order
           row_number() OVER (PARTITION BY m.researcher_id
                              ORDER BY w.publication_year DESC NULLS LAST, lower(w.title),
                                       w.title, w.id) AS newest_rank,
           w.id AS work_id
    FROM my_works m JOIN works_work w ON w.id = m.work_id
),
first_works AS (
    SELECT researcher_id, jsonb_agg(work_id ORDER BY newest_rank) AS ids
    FROM ranked_citations WHERE newest_rank <= %(first_works)s GROUP BY researcher_id
),
-- h: cites are ranked in decreasing order, so "cites >= rank" holds for exactly h works.
citation_metrics AS (
    SELECT researcher_id, sum(cites) AS total,
           count(*) FILTER (WHERE cites >= rank) AS h,
           count(*) FILTER (WHERE cites >= 10) AS i10
    FROM ranked_citations GROUP BY researcher_id
),
yearly AS (
    SELECT researcher_id,
           jsonb_agg(jsonb_build_object('year', year, 'works', works, 'citations', cites)
                     ORDER BY year) AS per_year
    FROM (
        SELECT researcher_id, year, count(*) AS works, sum(cites) AS cites
        FROM ranked_citations WHERE year IS NOT NULL GROUP BY researcher_id, year
    ) by_year
    GROUP BY researcher_id
),
-- The types of the researcher's works with their counts: the profile's type filter reads them
-- here rather than joining a big record's works to the works table on every view.
types AS (
    SELECT researcher_id,
           jsonb_agg(jsonb_build_array(work_type, n) ORDER BY n DESC, work_type) AS work_types
    FROM (
        SELECT researcher_id, work_type, count(*) AS n
        FROM ranked_citations GROUP BY researcher_id, work_type
    ) by_type
    GROUP BY researcher_id
),
pairs AS ({
    close_collaborator_pairs_sql(
        researchers="{mine}", min_shared="%(min_shared)s", last_shared=True
    )
}),
close AS (SELECT researcher_id, count(*) AS n FROM pairs GROUP BY researcher_id),
-- The closest, as the profile lists them: most shared works, then the latest shared work.
close_listed AS (
    SELECT ranked.researcher_id,
           jsonb_agg(jsonb_build_object('slug', ranked.slug, 'name', ranked.name,
                                        'shared', ranked.shared_works,
                                        'last_shared', ranked.last_shared)
                     ORDER BY ranked.rank) AS listed
    FROM (
        SELECT p.researcher_id, c.slug, c.display_name AS name, p.shared_works, p.last_shared,
               row_number() OVER (PARTITION BY p.researcher_id
                                  ORDER BY p.shared_works DESC, p.last_shared DESC NULLS LAST,
                                           c.display_name) AS rank
        FROM pairs p JOIN profiles_researcher c ON c.id = p.collaborator_id
    ) ranked
    WHERE ranked.rank <= %(close_listed)s
    GROUP BY ranked.researcher_id
),
i AS (
    SELECT r.*, coalesce(works.n, 0) AS works_count, coalesce(followers.n, 0) AS followers_count,
           coalesce(topics.n, 0) AS topics_count, coalesce(close.n, 0) AS close_collaborators_count,
           jsonb_path_query_array(coalesce(top_topics.listed, '[]'::jsonb),
                                  %(top_topics)s::jsonpath) AS top_topics,
           coalesce(top_topics.listed, '[]'::jsonb) AS topics_list,
           coalesce(close_listed.listed, '[]'::jsonb) AS close_collaborators_list,
           coalesce(first_works.ids, '[]'::jsonb) AS first_works,
           coalesce(citation_metrics.total, 0) AS citations_total,
           coalesce(citation_metrics.h, 0) AS h_index,
           coalesce(citation_metrics.i10, 0) AS i10_index,
           coalesce(yearly.per_year, '[]'::jsonb) AS per_year,
           coalesce(types.work_types, '[]'::jsonb) AS work_types
    FROM r
    LEFT JOIN works ON works.researcher_id = r.id
    LEFT JOIN followers ON followers.researcher_id = r.id
    LEFT JOIN topics ON topics.researcher_id = r.id
    LEFT JOIN close ON close.researcher_id = r.id
    LEFT JOIN top_topics ON top_topics.researcher_id = r.id
    LEFT JOIN close_listed ON close_listed.researcher_id = r.id
    LEFT JOIN first_works ON first_works.researcher_id = r.id
    LEFT JOIN citation_metrics ON citation_metrics.researcher_id = r.id
    LEFT JOIN yearly ON yearly.researcher_id = r.id
    LEFT JOIN types ON types.researcher_id = r.id
),
scored AS (
    SELECT i.*, {", ".join(f"{sql} AS {name}" for name, sql in POINTS_SQL.items())}
    FROM i
),
totals AS (SELECT scored.*, ({" + ".join(POINT_COLUMNS)}) AS score FROM scored)
INSERT INTO {TARGET} (
    researcher_id, score, tier, formula_version, {", ".join(INPUT_COLUMNS)},
    {", ".join(POINT_COLUMNS)}, top_topics, {", ".join(METRIC_COLUMNS)},
    {", ".join(PROFILE_COLUMNS)}, computed_at, changed_at, history
)
SELECT id, score, {_tier_sql("score")}, %(formula_version)s, {", ".join(INPUT_COLUMNS)},
       {", ".join(POINT_COLUMNS)}, top_topics, {", ".join(METRIC_COLUMNS)},
       {", ".join(PROFILE_COLUMNS)}, %(now)s, %(now)s, '[]'::jsonb
FROM totals
ON CONFLICT (researcher_id) DO UPDATE SET
    {UPDATED_COLUMNS},
    computed_at = EXCLUDED.computed_at,
    changed_at = CASE WHEN {TARGET}.score <> EXCLUDED.score
                      THEN EXCLUDED.computed_at ELSE {TARGET}.changed_at END,
    history = CASE WHEN {TARGET}.score <> EXCLUDED.score
        THEN jsonb_path_query_array(
            jsonb_build_array(jsonb_build_object(
                'score', {TARGET}.score, 'tier', {TARGET}.tier, 'since', {TARGET}.changed_at
            )) || {TARGET}.history,
            %(history_slice)s::jsonpath)
        ELSE {TARGET}.history END
"""  # noqa: S608 - composed from the formula's constants


def _execute(condition: str, params: dict[str, Any]) -> int:
    """Recompute the researchers whose id matches `condition` (SQL with `{id}` where the id
    column goes); returns how many snapshots were written."""
    length = settings.BZPEER_TRUST_HISTORY_LENGTH
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRUST_LOCK_KEY])
        # The statement is big enough to pass the JIT thresholds: compiling it cost ~7 s of a
        # 23 s batch (bench/metrics_recompute.py) and saves nothing on index lookups.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            RECOMPUTE_SQL.format(
                researchers=condition.format(id="r.id"),
                authored=condition.format(id="a.researcher_id"),
                mine=condition.format(id="mine.researcher_id"),
            ),
            {
                **params,
                "min_shared": settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS,
                "formula_version": FORMULA_VERSION,
                "now": timezone.now(),
                "history_slice": f"$[0 to {length - 1}]",
                "top_topics": f"$[0 to {TOP_TOPICS - 1}]",
                "topics_listed": TOPICS_SHOWN,
                "close_listed": CLOSE_COLLABORATORS_SHOWN,
                "first_works": settings.BZPEER_WORKS_PAGE_SIZE + 1,
            },
        )
        return int(cursor.rowcount)


def trust_recompute(*, researcher_ids: list[int]) -> int:
    """Recompute and store the trust snapshots of these researchers (idempotent)."""
    if not researcher_ids:
        return 0
    with transaction.atomic():
        return _execute("{id} = ANY(%(ids)s)", {"ids": list(researcher_ids)})


def trust_recompute_range(*, first_id: int, last_id: int) -> int:
    """Recompute every researcher with first_id <= id <= last_id (idempotent)."""
    with transaction.atomic():
        return _execute("{id} BETWEEN %(first)s AND %(last)s", {"first": first_id, "last": last_id})


@dataclass(frozen=True)
class BatchBounds:
    first_id: int
    last_id: int


def trust_batches(*, batch_size: int) -> list[BatchBounds]:
    """Id ranges of about `batch_size` researchers each, covering every researcher."""
    sql = """
    SELECT min(id), max(id) FROM (
        SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS batch FROM profiles_researcher
    ) numbered GROUP BY batch ORDER BY batch
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch_size])
        return [BatchBounds(first, last) for first, last in cursor.fetchall()]


def trust_run_start(
    *, batch_size: int | None = None
) -> tuple[TrustRecomputeRun, list[BatchBounds]]:
    """Open a run of every researcher; the caller enqueues one task per batch."""
    size = batch_size or settings.BZPEER_TRUST_BATCH_SIZE
    bounds = trust_batches(batch_size=size)
    run = TrustRecomputeRun.objects.create(batch_size=size, batches_total=len(bounds))
    return run, bounds


def trust_run_batch(*, run_id: int, first_id: int, last_id: int) -> bool:
    """Recompute one batch of a run, once: a redelivered batch already recorded does nothing.

    The batch's ledger row and its snapshots commit together, so a worker killed mid-batch
    leaves neither, and the redelivered task does the whole batch again.
    """
    started = time.perf_counter()
    with transaction.atomic():
        batch, created = TrustRecomputeBatch.objects.get_or_create(
            run_id=run_id,
            first_id=first_id,
            defaults={"last_id": last_id, "researchers": 0, "duration_ms": 0},
        )
        if not created:
            return False
        written = _execute(
            "{id} BETWEEN %(first)s AND %(last)s", {"first": first_id, "last": last_id}
        )
        batch.researchers = written
        batch.duration_ms = round((time.perf_counter() - started) * 1000)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["researchers", "duration_ms", "finished_at"])
        done = TrustRecomputeBatch.objects.filter(run_id=run_id).count()
        TrustRecomputeRun.objects.filter(
            pk=run_id, finished_at__isnull=True, batches_total__lte=done
        ).update(finished_at=timezone.now())
    return True
