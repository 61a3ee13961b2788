"""Reads for researcher pages: one query per question, whatever the size of the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Count, DateTimeField, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404

from profiles.models import Follow, Institution, Researcher
from profiles.works_list import (
    WORK_SORTS,
    WorksFilter,
    WorksPage,
    researcher_work_types,
    researcher_works,
    researcher_works_page,
)
from works.models import Topic


def close_collaborator_pairs_sql(
    *, min_shared: str, researchers: str = "TRUE", within: str = "", last_shared: bool = False
) -> str:
    """The one definition of close collaborators, as SQL: one row per (researcher, co-author)
    sharing at least `min_shared` works — `researcher_id`, `collaborator_id`, `shared_works`
    and, with `last_shared`, the date of the most recent shared work.

    Whose: `researchers`, a condition on `mine.researcher_id` (e.g. a correlation with the outer
    query), and/or `within`, a relation with an `id` column that `mine` is joined to (e.g. a
    CTE of a batch). `min_shared` is the placeholder bound to
    BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS. All come from code, never from input.
    """
    recency = (
        ", max(coalesce(w.publication_date, make_date(w.publication_year, 1, 1))) AS last_shared"
        if last_shared
        else ""
    )
    batch = f"JOIN {within} ON {within}.id = mine.researcher_id" if within else ""
    works = "JOIN works_work w ON w.id = mine.work_id" if last_shared else ""
    return f"""
    SELECT mine.researcher_id, other.researcher_id AS collaborator_id,
           count(*) AS shared_works{recency}
    FROM works_authorship mine {batch}
    JOIN works_authorship other
      ON other.work_id = mine.work_id AND other.researcher_id <> mine.researcher_id
    {works}
    WHERE {researchers}
    GROUP BY mine.researcher_id, other.researcher_id
    HAVING count(*) >= {min_shared}
    """  # noqa: S608 - composed from this module's SQL constants


# The close collaborators of the researcher of the outer query, counted.
CLOSE_COLLABORATORS_COUNT_SQL = f"""
SELECT count(*) FROM ({
    close_collaborator_pairs_sql(
        researchers="mine.researcher_id = profiles_researcher.id", min_shared="%s"
    )
}) AS close_collaborators
"""  # noqa: S608 - composed from this module's SQL constants

# The close collaborators themselves, most shared works first, then the most recent shared
# work, as one JSON array (so the page's query count does not grow with the record).
CLOSE_COLLABORATORS_LIST_SQL = f"""
SELECT coalesce(jsonb_agg(c ORDER BY c.shared DESC, c.last_shared DESC NULLS LAST, c.name), '[]')
FROM (
    SELECT r.slug, r.display_name AS name, p.shared_works AS shared, p.last_shared
    FROM ({
    close_collaborator_pairs_sql(
        researchers="mine.researcher_id = profiles_researcher.id", min_shared="%s", last_shared=True
    )
}) AS p
    JOIN profiles_researcher r ON r.id = p.collaborator_id
    ORDER BY shared DESC, last_shared DESC NULLS LAST, r.display_name
    LIMIT %s
) AS c
"""  # noqa: S608 - composed from this module's SQL constants
CLOSE_COLLABORATORS_SHOWN = 12

# The researcher's topics with how many of their works each covers, as one JSON array.
TOPICS_LIST_SQL = """
SELECT coalesce(jsonb_agg(t ORDER BY t.works DESC, t.name), '[]') FROM (
    SELECT tp.id, tp.display_name AS name, tp.origin, count(DISTINCT a.work_id) AS works
    FROM works_authorship a
    JOIN works_worktopic wt ON wt.work_id = a.work_id
    JOIN works_topic tp ON tp.id = wt.topic_id
    WHERE a.researcher_id = profiles_researcher.id
    GROUP BY tp.id
    ORDER BY works DESC, name
    LIMIT %s
) AS t
"""
TOPICS_SHOWN = 30

TOPICS_COUNT_SQL = """
SELECT count(DISTINCT wt.topic_id)
FROM works_authorship a JOIN works_worktopic wt ON wt.work_id = a.work_id
WHERE a.researcher_id = profiles_researcher.id
"""


def _followers_count() -> Coalesce:
    follows = (
        Follow.objects.filter(researcher=OuterRef("pk"))
        .order_by()
        .values("researcher")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(follows), 0)


def researcher_page_queryset() -> QuerySet[Researcher]:
    """Researchers with what the profile shows around its cached fragments (and keys them by):
    the row, its affiliation and snapshot, the followers count — one query whatever the size
    of the record (the follows are counted on their researcher index)."""
    return Researcher.objects.select_related("affiliation", "trust_snapshot").annotate(
        followers_count=_followers_count()
    )


# A column of the researcher's trust snapshot while it is current — computed by the worker at
# the researcher's present data version, so nothing it counts has changed since — else NULL.
CURRENT_SNAPSHOT_SQL = """
SELECT s.{column} FROM profiles_trustsnapshot s
WHERE s.researcher_id = profiles_researcher.id
  AND s.data_version = profiles_researcher.data_version
"""

# A column of the researcher's last trust snapshot, current or not; NULL before the first one
# (or one computed before snapshots held the lists: no data version).
LAST_SNAPSHOT_SQL = """
SELECT s.{column} FROM profiles_trustsnapshot s
WHERE s.researcher_id = profiles_researcher.id AND s.data_version IS NOT NULL
"""

# When the last snapshot was computed, if the record has changed since (its data version moved
# on): what the page shows from it is then earlier than the record. NULL while it is current.
EARLIER_SNAPSHOT_SQL = """
SELECT s.computed_at FROM profiles_trustsnapshot s
WHERE s.researcher_id = profiles_researcher.id
  AND s.data_version IS NOT NULL AND s.data_version <> profiles_researcher.data_version
"""

# The works, counted on the (researcher, work) index alone: one authorship per work and
# researcher (unique constraint), so no join to the works table (55 ms -> 4.7 ms for 4,699).
WORKS_COUNT_SQL = """
SELECT count(*) FROM works_authorship a WHERE a.researcher_id = profiles_researcher.id
"""


def _current_snapshot_or(column: str, counted: str) -> str:
    """SQL: the current snapshot's `column`, else `counted` on the spot. PostgreSQL evaluates
    COALESCE's arguments lazily, so the counting subquery runs only without a current
    snapshot (before the worker's first pass, or between a data change and its drain)."""
    current = CURRENT_SNAPSHOT_SQL.format(column=column)
    return f"COALESCE(({current}), ({counted}))"


def _last_snapshot_or(column: str, counted: str) -> str:
    """SQL: the last snapshot's `column`, current or not, else (before the worker's first pass)
    `counted` on the spot."""
    last = LAST_SNAPSHOT_SQL.format(column=column)
    return f"COALESCE(({last}), ({counted}))"


def researcher_profile_queryset() -> QuerySet[Researcher]:
    """Researchers with the profile's counts and lists, in one query that does not grow with
    the record once the worker has passed.

    The works count is the current snapshot's, else counted on the spot (an index-only count:
    a new work shows in it on the next view). The topics and close collaborators (lists and
    counts) are the last snapshot's, even when the record has changed since: counting them
    grows with the record (0.5 s for 4,699 works), and the worker recounts them on every
    change, scheduled on its commit. The page then says they are from before the change
    (`figures_as_of`, the snapshot's time), as the trust score always has. Only a record the
    worker has never passed has them counted on the spot.
    """
    min_shared = settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS
    return Researcher.objects.select_related("affiliation", "trust_snapshot").annotate(
        works_count=RawSQL(_current_snapshot_or("works_count", WORKS_COUNT_SQL), []),
        followers_count=_followers_count(),
        topics_count=RawSQL(_last_snapshot_or("topics_count", TOPICS_COUNT_SQL), []),
        close_collaborators_count=RawSQL(
            _last_snapshot_or("close_collaborators_count", CLOSE_COLLABORATORS_COUNT_SQL),
            [min_shared],
        ),
        close_collaborators=RawSQL(
            _last_snapshot_or("close_collaborators_list", CLOSE_COLLABORATORS_LIST_SQL),
            [min_shared, CLOSE_COLLABORATORS_SHOWN],
            output_field=JSONField(),
        ),
        topics=RawSQL(
            _last_snapshot_or("topics_list", TOPICS_LIST_SQL),
            [TOPICS_SHOWN],
            output_field=JSONField(),
        ),
        figures_as_of=RawSQL(EARLIER_SNAPSHOT_SQL, [], output_field=DateTimeField()),
    )


def researcher_works_page_or_404(
    researcher: Researcher, *, number: int, filters: WorksFilter | None = None
) -> WorksPage:
    """A page of works; a page past the last one is a 404, never an empty list."""
    page = researcher_works_page(researcher, number=number, filters=filters)
    if number > 1 and not page.works:
        raise Http404("No such page of works.")
    return page


def _work_types(researcher: Researcher) -> list[tuple[str, int]]:
    """The type filter's choices: from the snapshot (the worker's), else counted now."""
    snapshot = getattr(researcher, "trust_snapshot", None)
    stored = getattr(snapshot, "work_types", None)
    if isinstance(stored, list):
        return [(kind, count) for kind, count in stored]
    return researcher_work_types(researcher)


def works_list_context(
    researcher: Researcher, *, form: Any, filters: WorksFilter, number: int
) -> dict[str, object]:
    """What the profile's works list shows: a page, the filter's choices and honest counts.

    `researcher` comes from `researcher_profile_queryset` (its works count and topics).
    """
    annotated: Any = researcher
    topics: list[dict[str, Any]] = annotated.topics
    topic_name = ""
    if filters.topic_id is not None:
        topic_name = next((t["name"] for t in topics if t["id"] == filters.topic_id), "")
        if not topic_name:  # a topic outside the 30 listed: one more query, only then
            found = Topic.objects.filter(pk=filters.topic_id).values_list("display_name")
            topic_name = next((name for (name,) in found), f"#{filters.topic_id}")
    return {
        "works_form": form,
        "filters": filters,
        "works_sorts": WORK_SORTS,
        "work_types": _work_types(researcher),
        "filter_topic_name": topic_name,
        "matching_count": (
            researcher_works(researcher, filters).count()
            if filters.active
            else annotated.works_count
        ),
        "works_page": researcher_works_page_or_404(researcher, number=number, filters=filters),
    }


@dataclass(frozen=True)
class InstitutionMatches:
    query: str
    institutions: list[Institution]  # the best `limit`, most similar name first
    total: int  # how many known institutions match in all


def institution_search(query: str, *, limit: int = 20) -> InstitutionMatches:
    """Known institutions whose name contains the query, or with the query as a web domain.

    Two queries, both on indexes (trigram on the name, GIN on the domains): the count and
    the best `limit` by trigram word similarity.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return InstitutionMatches(query=query, institutions=[], total=0)
    matches = Institution.objects.filter(
        Q(display_name__icontains=query) | Q(domains__contains=[query.casefold()])
    )
    best = matches.annotate(similarity=TrigramWordSimilarity(query, "display_name")).order_by(
        "-similarity", "display_name", "pk"
    )[:limit]
    return InstitutionMatches(query=query, institutions=list(best), total=matches.count())
