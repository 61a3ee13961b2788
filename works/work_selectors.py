"""Reads for the work page: a constant number of bounded queries, whatever the size of the work.

A work with 5,000 authors reads 13 of them (the first 10 and the last 3) unless all are asked
for, and then a page of `AUTHORS_PAGE_SIZE`; a work cited 50,000 times counts its citers up to
`COUNT_CAP` and reads one page of them, walking the `work_newest` / `work_most_cited` indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import BooleanField, F, JSONField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Institution
from works.models import Authorship, Topic, Work

AUTHORS_HEAD = 10  # a long list shows its first 10 …
AUTHORS_TAIL = 3  # … and its last 3 authors
AUTHORS_PAGE_SIZE = 200  # "show all N" reads the list in pages of this size
REFERENCES_SHOWN = 100
CITING_PAGE_SIZE = 20
# Paging stops after 1,000 citers (as Google Scholar's does): a deeper OFFSET walks further down
# the index for every page; "most cited first" brings the ones that matter to the first pages.
CITING_PAGES = 50
COUNT_CAP = 10_000  # in-corpus citers are counted up to this, then "more than 10,000"
# Lists of works show type, year, venue, citations and title: the rest is not read.
LIST_DEFERRED = ("search_document", "abstract", "oa_locations")

CitingOrder = Literal["newest", "most-cited"]
CITING_ORDERS: dict[str, str] = {"newest": "newest first", "most-cited": "most cited first"}


# The work's topics, strongest first, as one JSON array read with the work (no query of their own).
TOPICS_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_array(t.id, t.display_name, t.origin)
                          ORDER BY wt.score DESC, t.display_name, t.id), '[]')
FROM works_worktopic wt JOIN works_topic t ON t.id = wt.topic_id
WHERE wt.work_id = works_work.id
"""


def work_queryset() -> QuerySet[Work]:
    """Works with their venue, topics and the counts the page states, in one query."""
    # The search document is the search's, never shown: not read.
    return (
        Work.objects.select_related("source")
        .defer("search_document")
        .annotate(
            topics_json=RawSQL(TOPICS_SQL, [], output_field=JSONField()),
            authors_count=RawSQL(
                "SELECT count(*) FROM works_authorship a WHERE a.work_id = works_work.id", []
            ),
            references_count=RawSQL(
                "SELECT count(*) FROM works_citation c WHERE c.citing_id = works_work.id", []
            ),
            references_in_corpus=RawSQL(
                "SELECT count(*) FROM works_citation c"
                " WHERE c.citing_id = works_work.id AND c.cited_id IS NOT NULL",
                [],
            ),
            # Capped: counting 50,000 index entries on every view is work for nothing.
            citing_in_corpus=RawSQL(
                "SELECT count(*) FROM (SELECT 1 FROM works_citation c"
                " WHERE c.cited_id = works_work.id LIMIT %s) AS capped",
                [COUNT_CAP + 1],
            ),
        )
    )


@dataclass(frozen=True)
class WorkFigures:
    """What the page counts about a work (from `work_queryset`'s annotations)."""

    authors: int
    references: int
    references_in_corpus: int
    citing_in_corpus: int  # up to COUNT_CAP + 1

    @property
    def references_outside(self) -> int:
        return self.references - self.references_in_corpus

    @property
    def citing_past_cap(self) -> bool:
        return self.citing_in_corpus > COUNT_CAP


def work_figures(work: Work) -> WorkFigures:
    """The counts of a work read through `work_queryset`."""
    annotated: Any = work  # the annotations are attributes django-stubs cannot see
    return WorkFigures(
        authors=annotated.authors_count,
        references=annotated.references_count,
        references_in_corpus=annotated.references_in_corpus,
        citing_in_corpus=annotated.citing_in_corpus,
    )


def _authors(work: Work) -> QuerySet[Authorship]:
    institutions = Prefetch(
        "institutions", queryset=Institution.objects.order_by("display_name", "pk")
    )
    return (
        Authorship.objects.filter(work=work)
        .select_related("researcher")
        .prefetch_related(institutions)
        .order_by("position")
    )


# The ids of the first and the last authors, as an array the planner reads first: as
# `pk IN (head) OR pk IN (tail)` it guessed a 2,000-author work's whole list and hashed the
# whole researchers table (135 ms on the 1 M corpus, against well under 1 ms).
FOLDED_IDS_SQL = """works_authorship.id = ANY(ARRAY(
    (SELECT id FROM works_authorship WHERE work_id = %s ORDER BY position LIMIT %s)
    UNION ALL
    (SELECT id FROM works_authorship WHERE work_id = %s ORDER BY position DESC LIMIT %s)))"""


def work_authors_folded(work: Work) -> list[Authorship]:
    """The first AUTHORS_HEAD and the last AUTHORS_TAIL authors, in order (two queries)."""
    ids = RawSQL(
        FOLDED_IDS_SQL, [work.pk, AUTHORS_HEAD, work.pk, AUTHORS_TAIL], output_field=BooleanField()
    )
    return list(_authors(work).filter(ids))


@dataclass(frozen=True)
class AuthorsPage:
    """`authors` is one page of the whole list; their positions number the items."""

    authors: list[Authorship]
    number: int
    has_next: bool

    @property
    def next_number(self) -> int:
        return self.number + 1


def work_authors_page(work: Work, *, number: int) -> AuthorsPage:
    """One page of all the authors, in order (two queries)."""
    number = max(number, 1)
    start = (number - 1) * AUTHORS_PAGE_SIZE
    rows = list(_authors(work)[start : start + AUTHORS_PAGE_SIZE + 1])
    return AuthorsPage(
        authors=rows[:AUTHORS_PAGE_SIZE], number=number, has_next=len(rows) > AUTHORS_PAGE_SIZE
    )


def work_topics(work: Work) -> list[Topic]:
    """The work's topics, strongest first (read by `work_queryset`: no query)."""
    annotated: Any = work
    return [
        Topic(pk=pk, display_name=name, origin=origin) for pk, name, origin in annotated.topics_json
    ]


def work_references(work: Work) -> list[Work]:
    """The works it cites that are in BZPEER, most cited first (at most REFERENCES_SHOWN)."""
    # The work's references first (an array from its own rows), then those works by id.
    cited = RawSQL(
        "works_work.id = ANY(ARRAY(SELECT c.cited_id FROM works_citation c"
        " WHERE c.citing_id = %s AND c.cited_id IS NOT NULL))",
        [work.pk],
        output_field=BooleanField(),
    )
    return list(
        Work.objects.filter(cited)
        .select_related("source")
        .defer(*LIST_DEFERRED)
        .order_by(F("cited_by_count").desc(), F("id").desc())[:REFERENCES_SHOWN]
    )


@dataclass(frozen=True)
class CitingPage:
    works: list[Work]
    number: int
    has_next: bool
    order: str

    @property
    def at_paging_limit(self) -> bool:
        return self.number == CITING_PAGES and len(self.works) == CITING_PAGE_SIZE

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


# The page's citer ids first, then those works. A work with at most COUNT_CAP citers in BZPEER
# (known from `work_queryset`) sorts its citers' ids by the order's columns, read index-only
# from `work_id_figures`; a more cited one walks the order's index (`work_newest` or
# `work_most_cited`, both holding the id) and keeps the works that cite it, so a page is found
# without sorting tens of thousands of citers. Either way only ids move until the last step
# (the walk fetched every skipped work's whole row before: 480 ms for page 50 of a work cited
# 19,630 times).
CITING_ORDER_SQL = {
    "newest": "w.publication_year DESC NULLS LAST, w.id DESC",
    "most-cited": "w.cited_by_count DESC, w.id DESC",
}
CITING_FEW_SQL = """works_work.id = ANY(ARRAY(
    SELECT w.id FROM works_work w
    WHERE w.id = ANY(ARRAY(SELECT c.citing_id FROM works_citation c WHERE c.cited_id = %s))
    ORDER BY {order} OFFSET %s LIMIT %s))"""
CITING_MANY_SQL = """works_work.id = ANY(ARRAY(
    SELECT w.id FROM works_work w
    WHERE EXISTS (SELECT 1 FROM works_citation c WHERE c.cited_id = %s AND c.citing_id = w.id)
    ORDER BY {order} OFFSET %s LIMIT %s))"""


def work_citing_page(work: Work, *, order: str, number: int) -> CitingPage:
    """One page of the works citing it, newest or most cited first (one query).

    `work` comes from `work_queryset` (its count of citers picks the way, see CITING_FEW_SQL).
    """
    order = order if order in CITING_ORDERS else "newest"
    number = max(number, 1)
    ordering = (
        [F("cited_by_count").desc(), F("id").desc()]
        if order == "most-cited"
        else [F("publication_year").desc(nulls_last=True), F("id").desc()]
    )
    start = (number - 1) * CITING_PAGE_SIZE
    few = work_figures(work).citing_in_corpus <= COUNT_CAP
    template = CITING_FEW_SQL if few else CITING_MANY_SQL
    page_ids = RawSQL(
        template.format(order=CITING_ORDER_SQL[order]),
        [work.pk, start, CITING_PAGE_SIZE + 1],
        output_field=BooleanField(),
    )
    rows = list(
        Work.objects.filter(page_ids)
        .select_related("source")
        .defer(*LIST_DEFERRED)
        .order_by(*ordering)
    )
    return CitingPage(
        works=rows[:CITING_PAGE_SIZE],
        number=number,
        has_next=len(rows) > CITING_PAGE_SIZE and number < CITING_PAGES,
        order=order,
    )
