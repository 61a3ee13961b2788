"""Reads for the work page: a constant number of bounded queries, whatever the size of the work.

A work with 5,000 authors reads 13 of them (the first 10 and the last 3) unless all are asked
for, and then a page of `AUTHORS_PAGE_SIZE`; a work cited 50,000 times counts its citers up to
`COUNT_CAP` and reads one page of them from a cursor, walking the `work_newest` /
`work_most_cited` indexes.
"""

from __future__ import annotations

import re
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
CURSOR = re.compile(r"(none|[0-9]{1,10})\.([0-9]{1,18})")
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
class CitingCursor:
    """Where a page of citers starts: after the work with this sort key and id.

    The key is the year (None: the works without one, listed last) or the citation count.
    In the URL it reads `<key>.<id>` (`2015.4711`, `none.4711`, `532.4711`).
    """

    key: int | None
    work_id: int

    def __str__(self) -> str:
        return f"{'none' if self.key is None else self.key}.{self.work_id}"

    @classmethod
    def parse(cls, text: str) -> CitingCursor | None:
        """The cursor `text` names, or None when it names none."""
        # ASCII digits only ("²".isdigit() is true), no longer than any year, count or id.
        match = CURSOR.fullmatch(text)
        if match is None:
            return None
        key, work_id = match.groups()
        return cls(key=None if key == "none" else int(key), work_id=int(work_id))


@dataclass(frozen=True)
class CitingPage:
    works: list[Work]
    order: str
    after: CitingCursor | None  # where this page starts (None: the first page)
    next_cursor: CitingCursor | None  # where the next one does (None: this is the last)
    # The page before this one ends just before its first work (None: this is the first).
    previous_cursor: CitingCursor | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


# The page's citer ids first, then those works. A work with at most COUNT_CAP citers in BZPEER
# (known from `work_queryset`) sorts its citers' ids by the order's columns, read index-only
# from `work_id_figures`; a more cited one walks the order's index (`work_newest` or
# `work_most_cited`, both holding the id) and keeps the works that cite it, so a page is found
# without sorting tens of thousands of citers. Either way only ids move until the last step
# (the walk fetched every skipped work's whole row before: 480 ms for page 50 of a work cited
# 19,630 times).
#
# Keyset paging: a page starts after the cursor's (key, id), a row comparison PostgreSQL
# starts its index range scan at, so a page deep in the list costs what the first does (no
# OFFSET counting its way there). In the newest order the works without a year come last: a
# cursor among the dated citers reads the rest of them, then the undated ones, as one
# `UNION ALL` whose second part PostgreSQL starts only when the first ran out before the page
# was full (the LIMIT stops the Append). Its parts come out in that order: an Append of
# LIMITed subqueries has no partial paths, so it is never made a Parallel Append.
CITING_ORDER_SQL = {
    "newest": "w.publication_year DESC NULLS LAST, w.id DESC",
    "most-cited": "w.cited_by_count DESC, w.id DESC",
}
CITING_KEY_SQL = {"newest": "w.publication_year", "most-cited": "w.cited_by_count"}
# The same orders backwards (for the page before a cursor): each is its index read backwards.
CITING_REVERSED_SQL = {
    "newest": "w.publication_year ASC NULLS FIRST, w.id ASC",
    "most-cited": "w.cited_by_count ASC, w.id ASC",
}
CITERS_FEW_SQL = (
    "SELECT w.id FROM works_work w"
    " WHERE w.id = ANY(ARRAY(SELECT c.citing_id FROM works_citation c WHERE c.cited_id = %s))"
)
CITERS_MANY_SQL = (
    "SELECT w.id FROM works_work w"
    " WHERE EXISTS (SELECT 1 FROM works_citation c WHERE c.cited_id = %s AND c.citing_id = w.id)"
)


def _citing_ids_sql(
    citers: str, work_id: int, order: str, after: CitingCursor | None
) -> tuple[str, list[Any]]:
    """SQL for the ids of one page of citers and one more (to tell whether a next exists)."""
    size = CITING_PAGE_SIZE + 1
    if after is None:
        return f"{citers} ORDER BY {CITING_ORDER_SQL[order]} LIMIT %s", [work_id, size]
    key = CITING_KEY_SQL[order]
    if order == "most-cited" or after.key is not None:
        dated = (
            f"{citers} AND {key} IS NOT NULL AND ({key}, w.id) < (%s, %s)"
            f" ORDER BY {CITING_ORDER_SQL[order]} LIMIT %s"
        )
        params = [work_id, after.key, after.work_id, size]
        if order == "most-cited":
            return dated, params
        undated = f"{citers} AND {key} IS NULL ORDER BY w.id DESC LIMIT %s"
        union = f"SELECT id FROM (({dated}) UNION ALL ({undated})) AS page LIMIT %s"  # noqa: S608
        return union, [*params, work_id, size, size]
    undated_after = f"{citers} AND {key} IS NULL AND w.id < %s ORDER BY w.id DESC LIMIT %s"
    return undated_after, [work_id, after.work_id, size]


def _citing_ids_before_sql(
    citers: str, work_id: int, order: str, before: CitingCursor
) -> tuple[str, list[Any]]:
    """SQL for the ids of the page of citers just before a cursor and one more, nearest first.

    The mirror of `_citing_ids_sql`: the order's index read backwards from the cursor. Before
    an undated citer come the undated ones with a greater id, then every dated one.
    """
    size = CITING_PAGE_SIZE + 1
    key = CITING_KEY_SQL[order]
    if order == "most-cited" or before.key is not None:
        sql = (
            f"{citers} AND {key} IS NOT NULL AND ({key}, w.id) > (%s, %s)"
            f" ORDER BY {CITING_REVERSED_SQL[order]} LIMIT %s"
        )
        return sql, [work_id, before.key, before.work_id, size]
    undated = f"{citers} AND {key} IS NULL AND w.id > %s ORDER BY w.id ASC LIMIT %s"
    dated = f"{citers} AND {key} IS NOT NULL ORDER BY {CITING_REVERSED_SQL[order]} LIMIT %s"
    union = f"SELECT id FROM (({undated}) UNION ALL ({dated})) AS page LIMIT %s"  # noqa: S608
    return union, [work_id, before.work_id, size, work_id, size, size]


def _cursor_of(work: Work, order: str) -> CitingCursor:
    key = work.cited_by_count if order == "most-cited" else work.publication_year
    return CitingCursor(key=key, work_id=work.pk)


def work_citing_page(
    work: Work,
    *,
    order: str,
    after: CitingCursor | None,
    before: CitingCursor | None = None,
) -> CitingPage:
    """One page of the works citing it, newest or most cited first, after a cursor or before
    one (one query).

    `work` comes from `work_queryset` (its count of citers picks the way, see CITERS_FEW_SQL).
    """
    order = order if order in CITING_ORDERS else "newest"
    cursor = before or after
    if order == "most-cited" and cursor is not None and cursor.key is None:
        return CitingPage(works=[], order=order, after=after, next_cursor=None)  # no such place
    ordering = (
        [F("cited_by_count").desc(), F("id").desc()]
        if order == "most-cited"
        else [F("publication_year").desc(nulls_last=True), F("id").desc()]
    )
    few = work_figures(work).citing_in_corpus <= COUNT_CAP
    citers = CITERS_FEW_SQL if few else CITERS_MANY_SQL
    if before is not None:
        sql, params = _citing_ids_before_sql(citers, work.pk, order, before)
    else:
        sql, params = _citing_ids_sql(citers, work.pk, order, after)
    page_ids = RawSQL(f"works_work.id = ANY(ARRAY({sql}))", params, output_field=BooleanField())
    rows = list(
        Work.objects.filter(page_ids)
        .select_related("source")
        .defer(*LIST_DEFERRED)
        .order_by(*ordering)
    )
    if before is not None:
        # The one more row, if any, is the farthest from the cursor: the page before this one.
        works = rows[-CITING_PAGE_SIZE:]
        earlier = len(rows) > CITING_PAGE_SIZE
        return CitingPage(
            works=works,
            order=order,
            after=_cursor_of(rows[0], order) if earlier else None,
            next_cursor=_cursor_of(works[-1], order) if works else None,
            previous_cursor=_cursor_of(works[0], order) if earlier else None,
        )
    works = rows[:CITING_PAGE_SIZE]
    next_cursor = None
    if len(rows) > CITING_PAGE_SIZE:
        next_cursor = _cursor_of(works[-1], order)
    previous_cursor = _cursor_of(works[0], order) if after is not None and works else None
    return CitingPage(
        works=works,
        order=order,
        after=after,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
    )
