"""The site search over works, topics, institutions and venues (researchers: profiles.search).

Works: PostgreSQL full-text search on `Work.search_document` (title weight A, abstract B, the
`english` configuration: stemming and stop words suit titles and abstracts; names are not
parsed here). The query is read as a web search (`websearch_to_tsquery`: words all required,
"quoted phrases", `or`, `-word`). Counted up to COUNT_CAP ("more than" past it). Up to
RANK_LIMIT matches are ranked by relevance (`ts_rank` with the weights, a title match above an
abstract match, then the most cited); past it ranking would read every match's document, so
they come most cited first (an index on `cited_by_count`) and the page says so. Filters: year
range, type, topic, institution (of any author on the work). Facet counts are over the
filtered matches, counted among the first FACET_SAMPLE of them when there are more (said on
the page), all four in one query.

Topics, institutions and venues: every word of the query starts a word of the name (a regex
served by the name's trigram index), best word similarity first; when nothing does, a looser
pass takes the LOOSE_CANDIDATES names most similar by trigrams and keeps those where every word
is within a typo or two of a word of the name, as the researcher search does.

Every function is a constant number of queries whatever the corpus holds.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Institution, Researcher
from profiles.search import (
    COUNT_CAP,
    LOOSE_CANDIDATES,
    PAGE_SIZE,
    SearchResults,
    loose_distance,
    researcher_search,
    search_terms,
)
from works.models import Authorship, AuthorshipInstitution, Source, Topic, Work, WorkTopic

RANK_LIMIT = 2_000
# Facets join each sampled work to its topics and its authors' institutions (~4 rows each):
# 1,000 keeps that to tens of ms on the 1 M-work corpus (10,000 took ~450 ms), and the page
# says when the counts are a sample's.
FACET_SAMPLE = 1_000
FACET_VALUES = 10  # the most frequent values of a facet shown
AUTHORS_SHOWN = 3
CONFIG = "english"
NAME_LOOSE_THRESHOLD = 0.3  # word similarity for the looser pass on topic/institution/venue names


@dataclass(frozen=True)
class WorkFilters:
    year_from: int | None = None
    year_to: int | None = None
    work_type: str = ""
    topic_id: int | None = None
    institution_id: int | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.year_from, self.year_to, self.work_type, self.topic_id, self.institution_id)
        )


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class WorkFacets:
    years: list[FacetValue] = field(default_factory=list)
    types: list[FacetValue] = field(default_factory=list)
    topics: list[FacetValue] = field(default_factory=list)
    institutions: list[FacetValue] = field(default_factory=list)
    sampled: bool = False  # counted among the first FACET_SAMPLE matches only
    sample_size: int = FACET_SAMPLE


@dataclass(frozen=True)
class WorkSearch:
    results: SearchResults[Work]
    facets: WorkFacets
    filters: WorkFilters
    ranked: bool = True  # False: too many matches to rank, most cited first
    stop_words_only: bool = False  # the query had only words too common to search for


def tsquery(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _query_is_empty(query: str) -> bool:
    # "the of" parses to an empty tsquery: nothing to look for, which is not "no match".
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s)) = 0", [CONFIG, query]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def work_matches(query: str, filters: WorkFilters) -> QuerySet[Work]:
    """Works whose title or abstract match `query`, narrowed by the filters."""
    matches = Work.objects.filter(search_document=tsquery(query))
    if filters.year_from is not None:
        matches = matches.filter(publication_year__gte=filters.year_from)
    if filters.year_to is not None:
        matches = matches.filter(publication_year__lte=filters.year_to)
    if filters.work_type:
        matches = matches.filter(work_type=filters.work_type)
    if filters.topic_id is not None:
        matches = matches.filter(
            Exists(WorkTopic.objects.filter(work=OuterRef("pk"), topic_id=filters.topic_id))
        )
    if filters.institution_id is not None:
        matches = matches.filter(
            Exists(
                AuthorshipInstitution.objects.filter(
                    authorship__work=OuterRef("pk"), institution_id=filters.institution_id
                )
            )
        )
    return matches


def with_first_authors(works: QuerySet[Work]) -> QuerySet[Work]:
    """Works with their venue, first authors and number of authors, for a list of them."""
    # The venue in the same query; the first authors in one more, whatever the list's length.
    first_authors = Authorship.objects.filter(position__lt=AUTHORS_SHOWN).select_related(
        "researcher"
    )
    return (
        works.select_related("source")
        .defer("search_document", "abstract")
        .prefetch_related(
            Prefetch("authorships", first_authors.order_by("position"), "first_authors")
        )
        .annotate(
            authors_count=RawSQL(
                "SELECT count(*) FROM works_authorship a WHERE a.work_id = works_work.id", []
            )
        )
    )


def work_search(
    query: str, *, filters: WorkFilters | None = None, number: int = 1, facets: bool = True
) -> WorkSearch:
    """One page of works matching `query`, the best first, with facet counts."""
    filters = filters or WorkFilters()
    query = " ".join(query.split())[:200]
    terms = search_terms(query)
    if not terms or _query_is_empty(query):
        empty = SearchResults[Work](query=query, hits=[], total=0, number=number, terms=terms)
        return WorkSearch(empty, WorkFacets(), filters, stop_words_only=bool(terms))
    matches = work_matches(query, filters)
    start = (number - 1) * PAGE_SIZE
    found = _read_matches_once(matches, query, start=start, facets=facets)
    total = found.total
    hits: list[Work] = []
    if total > COUNT_CAP and start < total:
        # Dense matches: only the first COUNT_CAP + 1 were read, so the most cited of all come
        # from walking the index work_most_cited, which finds a page of them at once (the
        # page's works read in the same query).
        ordered = matches.order_by("-cited_by_count", "-pk")
        hits = list(with_first_authors(ordered)[start : start + PAGE_SIZE])
    elif found.page_ids:
        chosen = Work.objects.filter(pk__in=found.page_ids)
        by_id = {work.pk: work for work in with_first_authors(chosen)}
        hits = [by_id[pk] for pk in found.page_ids if pk in by_id]
    results = SearchResults(
        query=query,
        hits=hits,
        total=min(total, COUNT_CAP),
        number=number,
        total_capped=total > COUNT_CAP,
        terms=terms,
    )
    return WorkSearch(results, found.facets, filters, ranked=total <= RANK_LIMIT)


# The matches are read once (`m`: each one's id, year, type and citations, up to COUNT_CAP + 1
# of them, in the scan's order), and the count, the page and the facets all come from that
# read: every match sits in its own heap block, so each pass over them costs as much as the
# count. {matches} is Django's compiled query for them; the page is
# - ranked (total <= RANK_LIMIT): by ts_rank, whose documents are fetched again for those few
#   rows only (just read, so in the buffer cache), then most cited;
# - most cited first (up to COUNT_CAP): sorted from `m` itself;
# - past COUNT_CAP: not here (the caller walks the most-cited index; `m` holds a sample).
# Each branch is gated by a one-time filter on the count, so only one runs.
MATCHES_ONCE_SQL = """
WITH m AS MATERIALIZED ({matches}),
n AS (SELECT count(*) AS total FROM m){sample}
(SELECT 'total', NULL, NULL, total FROM n)
UNION ALL
(SELECT 'page', ranked.id::text, NULL, row_number() OVER (ORDER BY ranked.ordinal)
 FROM (SELECT m.id, row_number() OVER (
           ORDER BY ts_rank(w.search_document, websearch_to_tsquery(%s::regconfig, %s)) DESC,
                    m.cited_by_count DESC, m.id DESC) AS ordinal
       FROM m JOIN works_work w ON w.id = m.id
       WHERE (SELECT total FROM n) <= {rank_limit}) ranked
 WHERE ranked.ordinal > %s AND ranked.ordinal <= %s)
UNION ALL
(SELECT 'page', m.id::text, NULL, row_number() OVER (ORDER BY m.cited_by_count DESC, m.id DESC)
 FROM m WHERE (SELECT total FROM n) BETWEEN {rank_limit} + 1 AND {count_cap}
 ORDER BY m.cited_by_count DESC, m.id DESC OFFSET %s LIMIT %s)
{facets}
"""

# Facet counts among the first FACET_SAMPLE matches read: years and types straight from `m`,
# topics and institutions through their tables.
FACETS_SQL = """
UNION ALL
(SELECT 'year', publication_year::text, publication_year::text, count(*) FROM sample
 WHERE publication_year IS NOT NULL GROUP BY publication_year
 ORDER BY publication_year DESC LIMIT 50)
UNION ALL
(SELECT 'type', work_type, work_type, count(*) FROM sample GROUP BY work_type
 ORDER BY count(*) DESC, work_type LIMIT {values})
UNION ALL
(SELECT 'topic', t.id::text, t.display_name, count(*) FROM sample
 JOIN works_worktopic wt ON wt.work_id = sample.id JOIN works_topic t ON t.id = wt.topic_id
 GROUP BY t.id ORDER BY count(*) DESC, t.display_name LIMIT {values})
UNION ALL
(SELECT 'institution', i.id::text, i.display_name, count(DISTINCT sample.id) FROM sample
 JOIN works_authorship a ON a.work_id = sample.id
 JOIN works_authorshipinstitution ai ON ai.authorship_id = a.id
 JOIN profiles_institution i ON i.id = ai.institution_id
 GROUP BY i.id ORDER BY count(DISTINCT sample.id) DESC, i.display_name LIMIT {values})
"""
SAMPLE_CTE = ",\nsample AS MATERIALIZED (SELECT * FROM m LIMIT {size})"


@dataclass(frozen=True)
class MatchesRead:
    total: int  # up to COUNT_CAP + 1
    page_ids: list[int]  # the page, in order; empty past COUNT_CAP (see MATCHES_ONCE_SQL)
    facets: WorkFacets


def _read_matches_once(
    matches: QuerySet[Work], query: str, *, start: int, facets: bool
) -> MatchesRead:
    """The count, the page's ids and (with `facets`) the facet counts, in one query."""
    matches_sql, matches_params = (
        matches.order_by()
        .values("id", "publication_year", "work_type", "cited_by_count")[: COUNT_CAP + 1]
        .query.sql_with_params()
    )
    sql = MATCHES_ONCE_SQL.format(
        matches=matches_sql,
        rank_limit=RANK_LIMIT,
        count_cap=COUNT_CAP,
        sample=SAMPLE_CTE.format(size=min(FACET_SAMPLE, COUNT_CAP + 1)) if facets else "",
        facets=FACETS_SQL.format(values=FACET_VALUES) if facets else "",
    )
    params = [*matches_params, CONFIG, query, start, start + PAGE_SIZE, start, PAGE_SIZE]
    sample_size = min(FACET_SAMPLE, COUNT_CAP + 1)  # `m` holds COUNT_CAP + 1 at most
    total = 0
    pages: list[tuple[int, int]] = []
    by_kind: dict[str, list[FacetValue]] = {}
    # The planner's cost for the facets' joins reaches the JIT threshold; compiling costs
    # ~60 ms and saves nothing on a few thousand rows. Without facets the statement stays
    # under it: no transaction, no setting, two round trips fewer.
    with transaction.atomic() if facets else nullcontext(), connection.cursor() as cursor:
        if facets:
            cursor.execute("SET LOCAL jit = off")
        # The SQL is composed from this module's constants and Django's own compiled query.
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, value, label, count in rows:
        if kind == "total":
            total = count
        elif kind == "page":
            pages.append((count, int(value)))
        else:
            by_kind.setdefault(kind, []).append(FacetValue(value, label, count))
    counted = (
        WorkFacets(
            years=by_kind.get("year", []),
            types=by_kind.get("type", []),
            topics=by_kind.get("topic", []),
            institutions=by_kind.get("institution", []),
            sampled=total > sample_size,
            sample_size=sample_size,
        )
        if facets and total
        else WorkFacets()
    )
    return MatchesRead(total=total, page_ids=[pk for _, pk in sorted(pages)], facets=counted)


def _name_search[M: models.Model](
    queryset: QuerySet[M], query: str, *, number: int
) -> SearchResults[M]:
    """Names where every word of the query starts a word; close spellings when none does."""
    query = " ".join(query.split())[:200]
    terms = search_terms(query)
    if not terms:
        return SearchResults(query=query, hits=[], total=0, number=number, terms=terms)
    strict = queryset.all()
    for term in terms:
        # \m: the term starts a word ("bio" finds "Biology", not "Symbiosis"); pg_trgm
        # serves the regex from the name's trigram index for terms of three letters or more.
        strict = strict.filter(display_name__iregex=r"\m" + term)
    total = strict[: COUNT_CAP + 1].count()
    start = (number - 1) * PAGE_SIZE
    similarity = TrigramWordSimilarity(query, "display_name")
    if total:
        best_first = strict.annotate(similarity=similarity).order_by(
            "-similarity", "display_name", "pk"
        )
        return SearchResults(
            query=query,
            hits=list(best_first[start : start + PAGE_SIZE]),
            total=min(total, COUNT_CAP),
            number=number,
            total_capped=total > COUNT_CAP,
            terms=terms,
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            # `<%` (trigram_word_similar) uses the index with this threshold, in this transaction.
            cursor.execute(
                "SET LOCAL pg_trgm.word_similarity_threshold = %s", [NAME_LOOSE_THRESHOLD]
            )
        candidates = list(
            queryset.filter(display_name__trigram_word_similar=query)
            .annotate(similarity=similarity)
            .order_by("-similarity", "display_name", "pk")[:LOOSE_CANDIDATES]
        )
    # Kept when every word is within a typo or two of a word of the name (as for researchers).
    close = [c for c in candidates if loose_distance(terms, str(c)) is not None]
    return SearchResults(
        query=query,
        hits=close[start : start + PAGE_SIZE],
        total=len(close),
        number=number,
        loose=bool(close),
        loose_capped=len(candidates) == LOOSE_CANDIDATES,
        considered=len(candidates),
        terms=terms,
    )


def topic_search(query: str, *, number: int = 1) -> SearchResults[Topic]:
    """Topics by name, each with its number of works."""
    topics = Topic.objects.annotate(
        works_count=RawSQL(
            "SELECT count(*) FROM works_worktopic wt WHERE wt.topic_id = works_topic.id", []
        )
    )
    return _name_search(topics, query, number=number)


def institution_search(query: str, *, number: int = 1) -> SearchResults[Institution]:
    """Institutions by name, each with how many researchers give it as their affiliation."""
    institutions = Institution.objects.annotate(
        researchers_count=RawSQL(
            "SELECT count(*) FROM profiles_researcher r"
            " WHERE r.affiliation_id = profiles_institution.id",
            [],
        )
    )
    return _name_search(institutions, query, number=number)


def venue_search(query: str, *, number: int = 1) -> SearchResults[Source]:
    """Venues (journals, repositories, conferences) by name, each with its number of works."""
    venues = Source.objects.annotate(
        works_count=RawSQL(
            "SELECT count(*) FROM works_work w WHERE w.source_id = works_source.id", []
        )
    )
    return _name_search(venues, query, number=number)


KINDS = ("researchers", "works", "topics", "institutions", "venues")


@dataclass(frozen=True)
class SiteSearch:
    """Every kind's first page (the overview), or one kind's page (`kind`)."""

    query: str
    kind: str  # "" for the overview
    researchers: SearchResults[Researcher] | None = None
    works: WorkSearch | None = None
    topics: SearchResults[Topic] | None = None
    institutions: SearchResults[Institution] | None = None
    venues: SearchResults[Source] | None = None

    @property
    def shown(self) -> SearchResults[Any] | None:
        """The results of the kind asked for."""
        if self.kind == "works":
            return self.works.results if self.works else None
        return getattr(self, self.kind, None) if self.kind else None

    @property
    def noun(self) -> str:
        """One of the kind asked for ("topic")."""
        return self.kind.removesuffix("s")

    @property
    def any_hits(self) -> bool:
        parts: list[SearchResults[Any] | None] = [
            self.researchers,
            self.topics,
            self.institutions,
            self.venues,
            self.works.results if self.works else None,
        ]
        return any(part is not None and part.total for part in parts)


def site_search(
    query: str, *, kind: str = "", filters: WorkFilters | None = None, number: int = 1
) -> SiteSearch:
    """The one search box: researchers, works, topics, institutions and venues."""
    if kind == "researchers":
        return SiteSearch(query, kind, researchers=researcher_search(query, number=number))
    if kind == "works":
        return SiteSearch(query, kind, works=work_search(query, filters=filters, number=number))
    if kind == "topics":
        return SiteSearch(query, kind, topics=topic_search(query, number=number))
    if kind == "institutions":
        return SiteSearch(query, kind, institutions=institution_search(query, number=number))
    if kind == "venues":
        return SiteSearch(query, kind, venues=venue_search(query, number=number))
    return SiteSearch(
        query,
        "",
        researchers=researcher_search(query),
        works=work_search(query, filters=filters, facets=False),
        topics=topic_search(query),
        institutions=institution_search(query),
        venues=venue_search(query),
    )
