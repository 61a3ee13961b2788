"""The read API at /api/v1/ (django-ninja): researchers, works, topics, institutions, venues
and a researcher's graph slice, with keyset pagination, the site's filters and source ids.

Why django-ninja rather than Django REST framework: the responses are pydantic schemas built
from type annotations, so the OpenAPI document (`/api/v1/openapi.json`) comes from the same
types mypy checks, and each endpoint stays a small typed function like the site's views; DRF
would add serializer and viewset classes and a second package (drf-spectacular) for OpenAPI.

**Pages** are keyset pages ordered by id: `?limit=` (1–100, 50 by default) and `?cursor=`, the
opaque `next_cursor` of the previous page. A page is `WHERE id > last ORDER BY id LIMIT n+1`
on the primary key, so page 20,000 costs what page 1 does (an offset would read every row
before it). Works with a year filter come newest first instead (see `_newest_page`).
**Limits** per client (IP address): 120 requests a minute (django-ninja's
throttling in the Redis cache); the cache unreachable lets requests through rather than fail.
**CORS**: any origin may GET (django-cors-headers, `/api/` only, no credentials).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db.models import BooleanField, F, JSONField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.throttling import AnonRateThrottle
from redis.exceptions import RedisError

from graph.services import current_graph_slice, graph_slice_request
from profiles.models import Institution, Researcher
from works.models import Source, Topic, Work

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
WORK_AUTHORS_SHOWN = 100  # a single work lists its first 100 authors and counts them all


class ClientRateThrottle(AnonRateThrottle):
    """Per client (IP address) in the shared cache; an unreachable cache is no reason for a 500."""

    def allow_request(self, request: HttpRequest) -> bool:
        try:
            return bool(super().allow_request(request))
        except (RedisError, OSError):
            return True


CLIENT_LIMIT = ClientRateThrottle("120/m")

api = NinjaAPI(
    title="BZPEER read API",
    version="1",
    description=(
        "Researchers, works, topics, institutions and venues from open bibliographic data "
        "(OpenAlex, arXiv, ORCID), with their source identifiers. Keyset pages: pass "
        "`next_cursor` back as `cursor`."
    ),
    urls_namespace="api",
    docs_url=None,  # Swagger UI needs inline script, which our CSP forbids; the JSON is served
    throttle=[CLIENT_LIMIT],
)


# --- pages -------------------------------------------------------------------------------


class PageQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


BAD_CURSOR = "Bad cursor: pass back the next_cursor of a page of the same listing."


def _encode_cursor(*key: int) -> str:
    """Opaque to clients: the sort key of a page's last row."""
    text = ":".join(["k", *map(str, key)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, *, size: int) -> tuple[int, ...] | None:
    """The sort key in a cursor (`size` integers), None for the first page; else a 400."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, *values = text.split(":")
        key = tuple(int(v) for v in values)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HttpError(400, BAD_CURSOR) from None
    if kind != "k" or len(key) != size or min(key) < 0:
        raise HttpError(400, BAD_CURSOR)
    return key


def _page(queryset: QuerySet[Any], page: PageQuery) -> tuple[list[Any], str | None]:
    """One keyset page of the queryset, ordered by id, and the cursor of the next one."""
    after = _decode_cursor(page.cursor, size=1)
    if after is not None:
        queryset = queryset.filter(pk__gt=after[0])
    rows = list(queryset.order_by("pk")[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return rows, _encode_cursor(rows[-1].pk) if more else None


def _newest_page(works: QuerySet[Work], page: PageQuery) -> tuple[list[Work], str | None]:
    """One keyset page of works with a year, newest first: (year, id) descending.

    Used when a year filter is on. Ids need not follow years (in the synthetic corpus they
    do), so an id-ordered page of "2015–2018" could walk 200,000 rows of other years; in
    this order it is a range of the `work_newest` index (year desc nulls last, id desc).
    """
    after = _decode_cursor(page.cursor, size=2)
    if after is not None:
        works = works.alias(
            before=RawSQL(
                "(works_work.publication_year, works_work.id) < (%s, %s)",
                after,
                output_field=BooleanField(),
            )
        ).filter(before=True)
    order = (F("publication_year").desc(nulls_last=True), F("id").desc())
    rows = list(works.filter(publication_year__isnull=False).order_by(*order)[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    cursor = _encode_cursor(last.publication_year or 0, last.pk) if more and last else None
    return rows, cursor


def _works_page(
    works: QuerySet[Work], filters: WorkFilters, page: PageQuery
) -> tuple[list[Work], str | None]:
    if filters.year_from is not None or filters.year_to is not None:
        return _newest_page(works, page)
    return _page(works, page)


# --- schemas -----------------------------------------------------------------------------


class InstitutionOut(Schema):
    id: int
    display_name: str
    country_code: str
    openalex_id: str | None
    ror_id: str | None
    homepage_url: str


class VenueOut(Schema):
    id: int
    display_name: str
    source_type: str
    openalex_id: str | None
    issn_l: str


class TopicOut(Schema):
    id: int
    display_name: str
    origin: str = Field(description="openalex, openalex_concept, arxiv or derived")
    external_id: str = Field(description="the id in its origin (OpenAlex T…, arXiv category)")
    field: str
    domain: str


class ResearcherOut(Schema):
    slug: str
    display_name: str
    headline: str
    openalex_id: str | None
    orcid: str | None
    verification_level: int
    claim_status: str
    affiliation: InstitutionOut | None
    url: str


class AuthorOut(Schema):
    position: int
    name: str = Field(description="as printed on the work")
    researcher: str = Field(description="the researcher's slug")


class WorkOut(Schema):
    id: int
    title: str
    work_type: str
    publication_year: int | None
    publication_date: str | None
    venue: VenueOut | None
    venue_name: str
    doi: str | None
    arxiv_id: str | None
    openalex_id: str | None
    cited_by_count: int
    url: str


class WorkDetailOut(WorkOut):
    abstract: str
    authors: list[AuthorOut]
    authors_count: int
    topics: list[TopicOut]


class ResearcherPage(Schema):
    results: list[ResearcherOut]
    next_cursor: str | None


class WorkPage(Schema):
    results: list[WorkOut]
    next_cursor: str | None


class TopicPage(Schema):
    results: list[TopicOut]
    next_cursor: str | None


class InstitutionPage(Schema):
    results: list[InstitutionOut]
    next_cursor: str | None


class VenuePage(Schema):
    results: list[VenueOut]
    next_cursor: str | None


class GraphSliceOut(Schema):
    status: str = Field(description="ready, pending (the worker is building it) or failed")
    data_version: int
    payload: dict[str, Any] | None


def _researcher_out(request: HttpRequest, r: Researcher) -> dict[str, Any]:
    return {
        "slug": r.slug,
        "display_name": r.display_name,
        "headline": r.headline,
        "openalex_id": r.openalex_id,
        "orcid": r.orcid,
        "verification_level": r.verification_level,
        "claim_status": r.claim_status,
        "affiliation": r.affiliation,
        "url": request.build_absolute_uri(f"/researchers/{r.slug}/"),
    }


def _work_out(request: HttpRequest, w: Work) -> dict[str, Any]:
    return {
        "id": w.pk,
        "title": w.title,
        "work_type": w.work_type,
        "publication_year": w.publication_year,
        "publication_date": w.publication_date.isoformat() if w.publication_date else None,
        "venue": w.source,
        "venue_name": w.source.display_name if w.source else w.venue,
        "doi": w.doi,
        "arxiv_id": w.arxiv_id,
        "openalex_id": w.openalex_id,
        "cited_by_count": w.cited_by_count,
        "url": request.build_absolute_uri(w.get_absolute_url()),
    }


# --- researchers -------------------------------------------------------------------------


class ResearcherFilters(Schema):
    name: str | None = Field(None, max_length=200, description="part of the name")
    institution: int | None = Field(None, description="affiliation's id")
    orcid: str | None = Field(None, max_length=19)
    openalex_id: str | None = Field(None, max_length=32)


@api.get("/researchers", response=ResearcherPage, tags=["researchers"])
def researchers(
    request: HttpRequest, filters: Query[ResearcherFilters], page: Query[PageQuery]
) -> dict[str, Any]:
    """Researchers by id; `name` matches any part of the name (trigram index)."""
    found = Researcher.objects.select_related("affiliation")
    if filters.name:
        found = found.filter(display_name__icontains=filters.name)
    if filters.institution is not None:
        found = found.filter(affiliation_id=filters.institution)
    if filters.orcid:
        found = found.filter(orcid=filters.orcid)
    if filters.openalex_id:
        found = found.filter(openalex_id=filters.openalex_id)
    rows, cursor = _page(found, page)
    return {"results": [_researcher_out(request, r) for r in rows], "next_cursor": cursor}


@api.get("/researchers/{slug}", response=ResearcherOut, tags=["researchers"])
def researcher(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One researcher by slug."""
    found = get_object_or_404(Researcher.objects.select_related("affiliation"), slug=slug)
    return _researcher_out(request, found)


class WorkFilters(Schema):
    year_from: int | None = Field(None, alias="from", ge=0, le=9999)
    year_to: int | None = Field(None, alias="to", ge=0, le=9999)
    type: str | None = Field(None, max_length=50)
    topic: int | None = None
    venue: int | None = None
    doi: str | None = Field(None, max_length=300)


def listed_works() -> QuerySet[Work]:
    """Works as lists show them: without the abstract and the search document."""
    return Work.objects.defer("abstract", "search_document")


def _filtered_works(works: QuerySet[Work], filters: WorkFilters) -> QuerySet[Work]:
    start, end = filters.year_from, filters.year_to
    if start is not None and end is not None and start > end:
        raise HttpError(400, f"from ({start}) is after to ({end}).")
    if filters.year_from is not None:
        works = works.filter(publication_year__gte=filters.year_from)
    if filters.year_to is not None:
        works = works.filter(publication_year__lte=filters.year_to)
    if filters.type:
        works = works.filter(work_type=filters.type)
    if filters.topic is not None:
        works = works.filter(worktopic__topic_id=filters.topic)
    if filters.venue is not None:
        works = works.filter(source_id=filters.venue)
    if filters.doi:
        works = works.filter(doi__iexact=filters.doi.removeprefix("https://doi.org/"))
    return works.select_related("source")


@api.get("/researchers/{slug}/works", response=WorkPage, tags=["researchers"])
def researcher_works(
    request: HttpRequest, slug: str, filters: Query[WorkFilters], page: Query[PageQuery]
) -> dict[str, Any]:
    """A researcher's works by id, with the profile's filters (from, to, type, topic)."""
    found = get_object_or_404(Researcher, slug=slug)
    works = _filtered_works(listed_works().filter(authorships__researcher=found), filters)
    rows, cursor = _works_page(works, filters, page)
    return {"results": [_work_out(request, w) for w in rows], "next_cursor": cursor}


@api.get(
    "/researchers/{slug}/graph-slice",
    response={200: GraphSliceOut, 202: GraphSliceOut},
    tags=["researchers"],
)
def researcher_graph_slice(request: HttpRequest, slug: str) -> Status[dict[str, Any]]:
    """The researcher's graph slice as the profile shows it: 200 when built, 202 while the
    worker builds it (asked for here, as the profile page does; poll again)."""
    found = get_object_or_404(Researcher, slug=slug)
    stored = current_graph_slice(found) or graph_slice_request(researcher=found)
    ready = stored.status == "ready"
    body = {
        "status": stored.status,
        "data_version": stored.data_version,
        "payload": stored.payload if ready else None,
    }
    return Status(200 if ready else 202, body)


# --- works -------------------------------------------------------------------------------


@api.get("/works", response=WorkPage, tags=["works"])
def works(
    request: HttpRequest, filters: Query[WorkFilters], page: Query[PageQuery]
) -> dict[str, Any]:
    """Works by id; filters: from, to, type, topic, venue, doi."""
    rows, cursor = _works_page(_filtered_works(listed_works(), filters), filters, page)
    return {"results": [_work_out(request, w) for w in rows], "next_cursor": cursor}


# A work's first authors (as printed, else the record's name) and its topics, each as one JSON
# array computed in the work's own query: one round trip for the whole answer.
WORK_AUTHORS_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_object(
    'position', a.position,
    'name', coalesce(nullif(a.raw_author_name, ''), r.display_name),
    'researcher', r.slug) ORDER BY a.position), '[]')
FROM (SELECT position, raw_author_name, researcher_id FROM works_authorship
      WHERE work_id = works_work.id ORDER BY position LIMIT %s) a
JOIN profiles_researcher r ON r.id = a.researcher_id
"""
WORK_TOPICS_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_object(
    'id', t.id, 'display_name', t.display_name, 'origin', t.origin,
    'external_id', t.external_id, 'field', t.field, 'domain', t.domain)
    ORDER BY wt.score DESC, t.id), '[]')
FROM works_worktopic wt JOIN works_topic t ON t.id = wt.topic_id
WHERE wt.work_id = works_work.id
"""


@api.get("/works/{work_id}", response=WorkDetailOut, tags=["works"])
def work(request: HttpRequest, work_id: int) -> dict[str, Any]:
    """One work with its authors in order (the first 100), topics and identifiers."""
    found = get_object_or_404(
        Work.objects.select_related("source")
        .defer("search_document")
        .annotate(
            authors_json=RawSQL(WORK_AUTHORS_SQL, [WORK_AUTHORS_SHOWN], output_field=JSONField()),
            authors_total=RawSQL(
                "SELECT count(*) FROM works_authorship WHERE work_id = works_work.id", []
            ),
            topics_json=RawSQL(WORK_TOPICS_SQL, [], output_field=JSONField()),
        ),
        pk=work_id,
    )
    annotated: Any = found  # the three annotations are not attributes mypy knows of
    return _work_out(request, found) | {
        "abstract": found.abstract,
        "authors": annotated.authors_json,
        "authors_count": annotated.authors_total,
        "topics": annotated.topics_json,
    }


# --- topics, institutions, venues --------------------------------------------------------


@api.get("/topics", response=TopicPage, tags=["topics"])
def topics(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Topics by id."""
    rows, cursor = _page(Topic.objects.all(), page)
    return {"results": rows, "next_cursor": cursor}


@api.get("/topics/{topic_id}", response=TopicOut, tags=["topics"])
def topic(request: HttpRequest, topic_id: int) -> Topic:
    """One topic."""
    return get_object_or_404(Topic, pk=topic_id)


@api.get("/institutions", response=InstitutionPage, tags=["institutions"])
def institutions(
    request: HttpRequest,
    page: Query[PageQuery],
    name: str | None = Query(None, max_length=200),  # type: ignore[type-arg]
) -> dict[str, Any]:
    """Institutions by id; `name` matches any part of the name (trigram index)."""
    found = Institution.objects.all()
    if name:
        found = found.filter(display_name__icontains=name)
    rows, cursor = _page(found, page)
    return {"results": rows, "next_cursor": cursor}


@api.get("/institutions/{institution_id}", response=InstitutionOut, tags=["institutions"])
def institution(request: HttpRequest, institution_id: int) -> Institution:
    """One institution."""
    return get_object_or_404(Institution, pk=institution_id)


@api.get("/venues", response=VenuePage, tags=["venues"])
def venues(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Venues (journals, repositories, conferences) by id."""
    rows, cursor = _page(Source.objects.all(), page)
    return {"results": rows, "next_cursor": cursor}


@api.get("/venues/{venue_id}", response=VenueOut, tags=["venues"])
def venue(request: HttpRequest, venue_id: int) -> Source:
    """One venue."""
    return get_object_or_404(Source, pk=venue_id)
