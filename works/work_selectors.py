"""Reads for the work page: a constant number of bounded queries, whatever the size of the work.

A work with 5,000 authors reads 13 of them (the first 10 and the last 3) unless all are asked
for, and then a page of `AUTHORS_PAGE_SIZE`; a work cited 50,000 times counts its citers up to
`COUNT_CAP` and reads one page of them, walking the `work_newest` / `work_most_cited` indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Institution
from works.models import Authorship, Citation, Topic, Work

AUTHORS_HEAD = 10  # a long list shows its first 10 …
AUTHORS_TAIL = 3  # … and its last 3 authors
AUTHORS_PAGE_SIZE = 200  # "show all N" reads the list in pages of this size
REFERENCES_SHOWN = 100
CITING_PAGE_SIZE = 20
# Paging stops after 1,000 citers (as Google Scholar's does): a deeper OFFSET walks further down
# the index for every page; "most cited first" brings the ones that matter to the first pages.
CITING_PAGES = 50
COUNT_CAP = 10_000  # in-corpus citers are counted up to this, then "more than 10,000"

CitingOrder = Literal["newest", "most-cited"]
CITING_ORDERS: dict[str, str] = {"newest": "newest first", "most-cited": "most cited first"}


def work_queryset() -> QuerySet[Work]:
    """Works with their venue and the counts the page states, in one query."""
    return Work.objects.select_related("source").annotate(
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


def work_authors_folded(work: Work) -> list[Authorship]:
    """The first AUTHORS_HEAD and the last AUTHORS_TAIL authors, in order (two queries)."""
    by_position = Authorship.objects.filter(work=work).values("pk")
    head = by_position.order_by("position")[:AUTHORS_HEAD]
    tail = by_position.order_by("-position")[:AUTHORS_TAIL]
    return list(_authors(work).filter(Q(pk__in=head) | Q(pk__in=tail)))


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
    """The work's topics, strongest first."""
    return list(
        Topic.objects.filter(worktopic__work=work).order_by(
            "-worktopic__score", "display_name", "pk"
        )
    )


def work_references(work: Work) -> list[Work]:
    """The works it cites that are in BZPEER, most cited first (at most REFERENCES_SHOWN)."""
    cited = Citation.objects.filter(citing=work, cited=OuterRef("pk"))
    return list(
        Work.objects.filter(Exists(cited))
        .select_related("source")
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


def work_citing_page(work: Work, *, order: str, number: int) -> CitingPage:
    """One page of the works citing it, newest or most cited first (one query).

    The order matches an index on works, so PostgreSQL walks it from the top and stops after
    a page when the work is much cited, or sorts the few citers when it is not.
    """
    order = order if order in CITING_ORDERS else "newest"
    number = max(number, 1)
    ordering = (
        [F("cited_by_count").desc(), F("id").desc()]
        if order == "most-cited"
        else [F("publication_year").desc(nulls_last=True), F("id").desc()]
    )
    citing = Citation.objects.filter(cited=work, citing=OuterRef("pk"))
    start = (number - 1) * CITING_PAGE_SIZE
    rows = list(
        Work.objects.filter(Exists(citing))
        .select_related("source")
        .order_by(*ordering)[start : start + CITING_PAGE_SIZE + 1]
    )
    return CitingPage(
        works=rows[:CITING_PAGE_SIZE],
        number=number,
        has_next=len(rows) > CITING_PAGE_SIZE and number < CITING_PAGES,
        order=order,
    )
