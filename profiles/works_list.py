"""The profile's works list: sorted and filtered from the URL, each work with its first authors.

Reads, a constant number whatever the record (a 4,699-work record reads 20 works): the page of
works (with each one's author count), their first authors and the researcher's own place in one
query, the types the record has (for the filter), and a count when a filter is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import BooleanField, Count, F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from profiles.models import Researcher
from works.models import Work

WORK_SORTS: dict[str, str] = {"newest": "newest", "most-cited": "most cited", "title": "title"}
AUTHORS_SHOWN = 3  # the first authors named before "et al."


@dataclass(frozen=True)
class WorksFilter:
    """What the visitor asked for in the URL: `sort`, `from`, `to`, `type`, `topic`."""

    sort: str = "newest"
    year_from: int | None = None
    year_to: int | None = None
    work_type: str = ""
    topic_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.year_from or self.year_to or self.work_type or self.topic_id is not None)

    @property
    def query(self) -> str:
        """The query string that keeps this state (for "Show more" and sort links)."""
        pairs = {
            "sort": self.sort if self.sort != "newest" else None,
            "from": self.year_from,
            "to": self.year_to,
            "type": self.work_type or None,
            "topic": self.topic_id,
        }
        return urlencode({k: v for k, v in pairs.items() if v is not None})


@dataclass(frozen=True)
class ShownAuthor:
    slug: str
    name: str
    position: int
    is_researcher: bool


@dataclass
class ListedWork:
    """A work of the list with the authors it shows: the first ones, then the researcher."""

    work: Work
    authors_count: int
    first: list[ShownAuthor] = field(default_factory=list)
    researcher: ShownAuthor | None = None  # set when they are not among the first

    @property
    def more_authors(self) -> bool:
        shown = len(self.first) + (1 if self.researcher else 0)
        return self.authors_count > shown


@dataclass(frozen=True)
class WorksPage:
    works: Sequence[Work]
    number: int
    has_next: bool
    listed: list[ListedWork] = field(default_factory=list)

    @property
    def next_number(self) -> int:
        return self.number + 1


# The researcher's works as `id = ANY(ARRAY(...))`: PostgreSQL reads the ids once from the
# (researcher, work) index (an InitPlan) and fetches just those works by primary key, so the
# filters, the sort and the count run over the record's rows only. Joined to the authorships
# instead, the planner estimates a big record (4,699 works) at thousands of rows and hash-joins
# a scan of the whole works table (1 M rows: 125-960 ms under load; bench figures in
# docs/benchmarks.md).
AUTHORED_BY_SQL = (
    "works_work.id = ANY(ARRAY("
    "SELECT a.work_id FROM works_authorship a WHERE a.researcher_id = %s))"
)


# The works that can be on the first page+1 newest first: those whose year ranks within the
# first `size + 1` (ties included: every work of the cut-off year). Ranked on `work_id_figures`
# (id INCLUDE publication_year): an index-only scan, so a 4,699-work record reads no work row
# but the few hundred it then sorts by title, instead of fetching and sorting all 4,699.
FIRST_PAGE_CANDIDATES_SQL = (
    "works_work.id = ANY(ARRAY("
    "SELECT ranked.id FROM ("
    "SELECT w.id, rank() OVER (ORDER BY w.publication_year DESC NULLS LAST) AS place "
    "FROM works_work w WHERE w.id = ANY(ARRAY("
    "SELECT a.work_id FROM works_authorship a WHERE a.researcher_id = %s))"
    ") AS ranked WHERE ranked.place <= %s))"
)


def authored_by(researcher: Researcher) -> RawSQL:
    """A filter: the work is one of the researcher's (see AUTHORED_BY_SQL)."""
    return RawSQL(AUTHORED_BY_SQL, [researcher.pk], output_field=BooleanField())


def researcher_works(researcher: Researcher, filters: WorksFilter) -> QuerySet[Work]:
    """The researcher's works under the filters, in the asked order."""
    works = Work.objects.filter(authored_by(researcher))
    if filters.year_from:
        works = works.filter(publication_year__gte=filters.year_from)
    if filters.year_to:
        works = works.filter(publication_year__lte=filters.year_to)
    if filters.work_type:
        works = works.filter(work_type=filters.work_type)
    if filters.topic_id is not None:
        works = works.filter(worktopic__topic_id=filters.topic_id)
    if filters.sort == "most-cited":
        return works.order_by(F("cited_by_count").desc(), Lower("title"), "pk")
    if filters.sort == "title":
        return works.order_by(Lower("title"), "title", "pk")
    return works.newest_first()


def researcher_work_types(researcher: Researcher) -> list[tuple[str, int]]:
    """The types of the researcher's works with how many each, most first (the type filter)."""
    rows = (
        Work.objects.filter(authored_by(researcher))
        .values("work_type")
        .annotate(n=Count("pk"))
        .order_by("-n", "work_type")
    )
    return [(row["work_type"], row["n"]) for row in rows]


# The first authors of each work and the researcher's own place, in one query: a range scan of
# (work, position) per work, plus the (work, researcher) unique index.
SHOWN_AUTHORS_SQL = """
SELECT a.work_id, a.position, r.slug, r.display_name, a.researcher_id = %s
FROM works_authorship a JOIN profiles_researcher r ON r.id = a.researcher_id
WHERE a.work_id = ANY(%s) AND (a.position < %s OR a.researcher_id = %s)
ORDER BY a.work_id, a.position
"""


def _listed(researcher: Researcher, works: Sequence[Any]) -> list[ListedWork]:
    """`works` come annotated with `authors_count`."""
    listed = {w.pk: ListedWork(work=w, authors_count=w.authors_count) for w in works}
    if not works:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            SHOWN_AUTHORS_SQL,
            [researcher.pk, list(listed), AUTHORS_SHOWN, researcher.pk],
        )
        for work_id, position, slug, name, is_researcher in cursor.fetchall():
            author = ShownAuthor(slug, name, position, is_researcher)
            item = listed[work_id]
            if len(item.first) < AUTHORS_SHOWN:
                item.first.append(author)
            else:
                item.researcher = author
    return list(listed.values())


def _stored_first_works(researcher: Researcher, *, size: int) -> list[int] | None:
    """The first page's work ids (and one more) as the worker stored them with a snapshot that
    is still current (computed at the researcher's data version), else None. Read only from a
    snapshot already fetched with the researcher: never a query of its own."""
    if not Researcher.trust_snapshot.is_cached(researcher):
        return None
    try:
        snapshot = researcher.trust_snapshot
    except ObjectDoesNotExist:  # fetched: the worker has not computed one yet
        return None
    if snapshot.data_version != researcher.data_version:
        return None
    stored = snapshot.first_works
    if not isinstance(stored, list):
        return None
    if len(stored) > size or len(stored) == snapshot.works_count:  # the page size may change
        return [int(work_id) for work_id in stored[: size + 1]]
    return None


def researcher_works_page(
    researcher: Researcher, *, number: int, filters: WorksFilter | None = None
) -> WorksPage:
    """One page of the researcher's works with their first authors (two queries)."""
    size = settings.BZPEER_WORKS_PAGE_SIZE
    number = max(number, 1)
    start = (number - 1) * size
    filters = filters or WorksFilter()
    listing = researcher_works(researcher, filters)
    if number == 1 and not filters.active and filters.sort == "newest":
        # As the profile first shows: the worker's stored page while its snapshot is current,
        # else (between a change and the worker's pass) the few candidates ranked by year.
        stored = _stored_first_works(researcher, size=size)
        if stored is not None:
            listing = Work.objects.filter(pk__in=stored).newest_first()
        else:
            candidates = RawSQL(
                FIRST_PAGE_CANDIDATES_SQL, [researcher.pk, size + 1], output_field=BooleanField()
            )
            listing = Work.objects.filter(candidates).newest_first()
    rows = list(
        listing.select_related("source").annotate(
            authors_count=RawSQL(
                "SELECT count(*) FROM works_authorship c WHERE c.work_id = works_work.id", []
            )
        )[start : start + size + 1]
    )
    works = rows[:size]
    return WorksPage(
        works=works,
        number=number,
        has_next=len(rows) > size,
        listed=_listed(researcher, works),
    )
