"""OpenAlex records (works, authors, institutions, sources, topics) → checked, flat values.

Both schemas are read: the old one (`host_venue`, `alternate_host_venues`, `concepts`) and the
new one (`primary_location`, `locations`, `topics`). A work's venue is its primary location's
source, else its host venue; its topics are its OpenAlex topics, or, for records that have none
(old records), its concepts with a score of at least `CONCEPT_MIN_SCORE`. Its arXiv id comes from
`ids.arxiv`, a DOI `10.48550/arXiv.X`, or an arXiv URL among its locations/venues; that is how
the same paper from arXiv and OpenAlex becomes one work. The abstract is rebuilt from
`abstract_inverted_index` (word positions → words in order), given as an object or, as in
snapshot part files descended from the Microsoft Academic Graph, as a JSON-encoded string
`{"IndexLength": n, "InvertedIndex": {…}}`.

Only a record's identity is required: an id of the right kind. Every other field in an
unexpected shape is dropped for that record and noted in its `dropped` list (`field: reason`);
the record lands with everything else it carries. A work without a usable title is stored as
`UNTITLED` (the title column may not be empty), an entity without a usable name under its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson

from profiles.identity import clean_text
from works.importers.fields import (
    DroppedFields,
    RecordError,
    arxiv_id_from_doi,
    arxiv_id_from_url,
    get_dict,
    get_int,
    get_list,
    get_str,
    normalise_arxiv_id,
    normalise_doi,
    normalise_orcid,
    normalise_ror,
    one_line,
    openalex_optional_id,
    openalex_short_id,
    parse_date,
    parse_timestamp,
    researcher_slug,
)

CONCEPT_MIN_SCORE = 0.3
UNTITLED = "Untitled work"
WHITESPACE = re.compile(r"\s")
OA_STATUSES = frozenset({"diamond", "gold", "hybrid", "bronze", "green", "closed"})
OA_LOCATIONS_KEPT = 10  # open copies stored per work (a few have dozens of mirrors)
URL_MAX_LENGTH = 2000

# Parsed entity values are NamedTuples: named for the code that reads them, and still plain
# tuples in the order of their staging-table columns, so COPY writes them as they are.


class InstitutionValues(NamedTuple):
    openalex_id: str
    ror_id: str | None
    display_name: str
    country_code: str
    institution_type: str


class SourceValues(NamedTuple):
    openalex_id: str
    display_name: str
    issn_l: str
    source_type: str


TopicKey = tuple[str, str]  # (origin, external_id): a topic's identity


class TopicValues(NamedTuple):
    origin: str
    external_id: str
    display_name: str
    subfield: str
    field: str
    domain: str

    @property
    def key(self) -> TopicKey:
        return (self.origin, self.external_id)


class ScoredTopic(NamedTuple):
    """A work's topic and how strongly the source assigns it."""

    topic: TopicValues
    score: float


@dataclass(slots=True)
class ParsedAuthorship:
    position: int
    author_openalex_id: str | None  # None: known by name only
    orcid: str | None
    display_name: str
    slug: str | None
    raw_author_name: str
    is_corresponding: bool
    institution_ids: list[str]


@dataclass(slots=True)
class ParsedWork:
    path: str
    line: int
    openalex_id: str
    doi: str | None
    arxiv_id: str | None
    work_type: str
    publication_year: int | None
    publication_date: date | None
    title: str
    abstract: str
    language: str
    venue: str
    cited_by_count: int
    updated_date: datetime | None
    source: SourceValues | None
    oa_status: str = ""  # OpenAlex's oa_status (OA_STATUSES), "" when not given
    oa_url: str = ""  # the best free copy, "" when none
    oa_locations: list[dict[str, str]] = field(default_factory=list)  # open copies, best first
    authorships: list[ParsedAuthorship] = field(default_factory=list)
    institutions: list[InstitutionValues] = field(default_factory=list)
    topics: list[ScoredTopic] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedAuthor:
    path: str
    line: int
    openalex_id: str
    orcid: str | None
    display_name: str
    slug: str
    name_variants: list[str]
    affiliation: InstitutionValues | None
    updated_date: datetime | None
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedInstitution:
    path: str
    line: int
    values: InstitutionValues
    homepage_url: str
    domains: list[str]
    updated_date: datetime | None
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedSource:
    path: str
    line: int
    values: SourceValues
    updated_date: datetime | None
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedTopic:
    path: str
    line: int
    values: TopicValues
    dropped: list[str] = field(default_factory=list)


Parsed = ParsedWork | ParsedAuthor | ParsedInstitution | ParsedSource | ParsedTopic


def entity_kind(record: dict[str, Any]) -> str:
    """W, A, I, S, T (or another OpenAlex letter) from the record's id; bad input otherwise."""
    value = record.get("id")
    if value is None or value == "":
        raise RecordError("id: required field missing")
    if not isinstance(value, str):
        raise RecordError(f"id: expected a string, got {type(value).__name__}")
    short = openalex_optional_id(value, prefix=value.rstrip("/").rsplit("/", 1)[-1][:1].upper())
    if short is None:
        raise RecordError(f"id: not an OpenAlex id: {value[:80]!r}")
    return short[0]


def parse_record(path: str, line: int, record: dict[str, Any]) -> Parsed | None:
    """The record's entity, checked; None for an entity kind we do not import (e.g. funders)."""
    kind = entity_kind(record)
    if kind == "W":
        return parse_work(path, line, record)
    if kind == "A":
        return parse_author(path, line, record)
    if kind == "I":
        return parse_institution(path, line, record)
    if kind == "S":
        return parse_source(path, line, record)
    if kind == "T":
        return parse_topic(path, line, record)
    return None


def rebuild_abstract(index: Any) -> str:
    """Words back in the order of their positions in the inverted index (object or JSON string)."""
    if index is None or index == "":
        return ""
    if isinstance(index, str):
        try:
            index = orjson.loads(index)
        except orjson.JSONDecodeError as exc:
            raise RecordError("abstract_inverted_index: a string that is not JSON") from exc
        if index is None:
            return ""
    if isinstance(index, dict) and isinstance(index.get("InvertedIndex"), dict):
        index = index["InvertedIndex"]  # {"IndexLength": n, "InvertedIndex": {word: [positions]}}
    if not isinstance(index, dict):
        raise RecordError(
            f"abstract_inverted_index: expected an object, got {type(index).__name__}"
        )
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if not isinstance(positions, list):
            raise RecordError("abstract_inverted_index: positions must be lists of integers")
        for position in positions:
            if isinstance(position, bool) or not isinstance(position, int):
                raise RecordError("abstract_inverted_index: positions must be lists of integers")
            placed.append((position, word))
    placed.sort()
    # A JSON-encoded index was decoded here, past `clean_record`: clean its words too.
    return clean_text(" ".join(str(word) for _, word in placed), multiline=True)


def embedded_institution(value: Any) -> InstitutionValues | None:
    if not isinstance(value, dict):
        return None
    openalex_id = openalex_optional_id(value.get("id"), prefix="I")
    if openalex_id is None:
        return None
    name = value.get("display_name")
    if not isinstance(name, str) or not name.strip():
        name = openalex_id  # known by its id only: kept, named by it until its record arrives
    country = value.get("country_code")
    kind = value.get("type")
    return InstitutionValues(
        openalex_id,
        normalise_ror(value.get("ror")),
        one_line(name, 500) or openalex_id,
        country[:2] if isinstance(country, str) else "",
        kind[:50] if isinstance(kind, str) else "",
    )


def embedded_source(value: Any) -> SourceValues | None:
    if not isinstance(value, dict):
        return None
    openalex_id = openalex_optional_id(value.get("id"), prefix="S")
    name = value.get("display_name")
    if openalex_id is None or not isinstance(name, str) or not name:
        return None
    issn_l = value.get("issn_l")
    kind = value.get("type")
    return SourceValues(
        openalex_id,
        one_line(name, 500),
        issn_l[:9] if isinstance(issn_l, str) else "",
        kind[:50] if isinstance(kind, str) else "",
    )


def _name_of(value: Any) -> str:
    name = value.get("display_name") if isinstance(value, dict) else None
    return one_line(name, 300)


def embedded_topic(value: Any) -> ScoredTopic | None:
    if not isinstance(value, dict):
        return None
    external = openalex_optional_id(value.get("id"), prefix="T")
    name = value.get("display_name")
    if external is None or not isinstance(name, str) or not name:
        return None
    score = value.get("score")
    return ScoredTopic(
        TopicValues(
            "openalex",
            external,
            one_line(name, 300),
            _name_of(value.get("subfield")),
            _name_of(value.get("field")),
            _name_of(value.get("domain")),
        ),
        float(score) if isinstance(score, int | float) else 1.0,
    )


def embedded_concept(value: Any) -> ScoredTopic | None:
    if not isinstance(value, dict):
        return None
    external = openalex_optional_id(value.get("id"), prefix="C")
    name = value.get("display_name")
    score = value.get("score")
    if external is None or not isinstance(name, str) or not name:
        return None
    score = float(score) if isinstance(score, int | float) else 0.0
    if score < CONCEPT_MIN_SCORE:
        return None
    return ScoredTopic(
        TopicValues("openalex_concept", external, one_line(name, 300), "", "", ""), score
    )


def _doi(record: dict[str, Any], key: str, dropped: DroppedFields) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    doi = normalise_doi(value)
    if doi is None:
        shown = repr(value[:80]) if isinstance(value, str) else f"got {type(value).__name__}"
        dropped.drop(f"{key}: not a DOI: {shown}")
    return doi


def _year(record: dict[str, Any]) -> int | None:
    year = get_int(record, "publication_year", minimum=0)
    if year is not None and year > 32767:
        raise RecordError(f"publication_year: out of range: {year}")
    return year


def _work_title(record: dict[str, Any], dropped: DroppedFields) -> str:
    for key in ("title", "display_name"):
        title = dropped.keep(partial(get_str, record, key), None)
        if title and title.strip():
            return title.strip()
    dropped.drop(f"title: no usable title; stored as {UNTITLED!r}")
    return UNTITLED


def _work_arxiv_id(
    ids: dict[str, Any], doi: str | None, locations: list[dict[str, Any] | None]
) -> str | None:
    arxiv_id = None
    if isinstance(ids.get("arxiv"), str):
        arxiv_id = arxiv_id_from_url(ids["arxiv"]) or normalise_arxiv_id(ids["arxiv"])
    arxiv_id = arxiv_id or arxiv_id_from_doi(doi)
    if arxiv_id is None:
        for location in locations:
            if isinstance(location, dict):
                arxiv_id = (
                    arxiv_id_from_url(location.get("landing_page_url"))
                    or arxiv_id_from_url(location.get("pdf_url"))
                    or arxiv_id_from_url(location.get("url"))
                )
                if arxiv_id:
                    break
    return arxiv_id


def web_url(value: Any, *, key: str) -> str:
    """An http(s) link as given, "" when absent; anything else (another scheme, spaces, not a
    string) is bad input: the page links it as it is."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected a URL, got {type(value).__name__}")
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ in the host
        parts = None
    if (
        parts is None
        or len(url) > URL_MAX_LENGTH
        or WHITESPACE.search(url)
        or parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
    ):
        raise RecordError(f"{key}: not a web link: {url[:80]!r}")
    return url


def oa_location(value: Any, *, key: str) -> dict[str, str] | None:
    """An open location as stored (url, pdf_url, source, version, license); None when the
    location is not open or has no usable link. A link in a bad shape is bad input."""
    if not isinstance(value, dict):
        raise RecordError(f"{key}: expected an object, got {type(value).__name__}")
    if value.get("is_oa") is not True:
        return None
    url = web_url(value.get("landing_page_url"), key=f"{key}.landing_page_url")
    pdf_url = web_url(value.get("pdf_url"), key=f"{key}.pdf_url")
    if not url and not pdf_url:
        return None
    source = value.get("source")
    version = value.get("version")
    license_ = value.get("license")
    return {
        "url": url or pdf_url,
        "pdf_url": pdf_url,
        "source": _name_of(source) if isinstance(source, dict) else "",
        "version": one_line(version, 50),
        "license": one_line(license_, 50),
    }


def _open_access(
    record: dict[str, Any], locations: list[Any], work: ParsedWork, dropped: DroppedFields
) -> None:
    """The work's open-access status, its best free copy and its open locations.

    The URL is OpenAlex's `open_access.oa_url`, else the best location's PDF or page, else the
    first open location's. Each part is read on its own: one in a bad shape is dropped.
    """
    keep = dropped.keep
    summary = keep(lambda: get_dict(record, "open_access"), None) or {}
    status = summary.get("oa_status")
    if isinstance(status, str) and status.strip().lower() in OA_STATUSES:
        work.oa_status = status.strip().lower()
    elif status not in (None, ""):
        shown = repr(status[:40]) if isinstance(status, str) else f"got {type(status).__name__}"
        dropped.drop(f"open_access.oa_status: not a known status: {shown}")
    url = keep(lambda: web_url(summary.get("oa_url"), key="open_access.oa_url"), "")
    best_raw = keep(lambda: get_dict(record, "best_oa_location"), None)
    best = keep(lambda: oa_location(best_raw, key="best_oa_location"), None) if best_raw else None
    found: dict[str, dict[str, str]] = {}  # by link: the best location first
    if best is not None:
        found[best["url"]] = best
    for index, raw in enumerate(locations):
        place = keep(partial(oa_location, raw, key=f"locations[{index}]"), None)
        if place is not None:
            found.setdefault(place["url"], place)
    work.oa_locations = list(found.values())[:OA_LOCATIONS_KEPT]
    if not url and work.oa_locations:
        first = work.oa_locations[0]
        url = first["pdf_url"] or first["url"]
    work.oa_url = url


def parse_work(path: str, line: int, record: dict[str, Any]) -> ParsedWork:
    openalex_id = openalex_short_id(record.get("id"), key="id", prefix="W")
    dropped = DroppedFields()
    keep = dropped.keep
    ids = keep(lambda: get_dict(record, "ids"), None) or {}
    doi = _doi(record, "doi", dropped) or normalise_doi(ids.get("doi"))
    primary = keep(lambda: get_dict(record, "primary_location"), None)
    host_venue = keep(lambda: get_dict(record, "host_venue"), None)
    locations: list[Any] = keep(lambda: get_list(record, "locations"), [])
    alternates: list[Any] = keep(lambda: get_list(record, "alternate_host_venues"), [])
    arxiv_id = _work_arxiv_id(ids, doi, [primary, host_venue, *locations, *alternates])

    source = embedded_source(primary.get("source")) if primary else None
    if source is None and host_venue:
        source = embedded_source(host_venue)
    venue = source.display_name if source else ""
    if not venue and host_venue and isinstance(host_venue.get("display_name"), str):
        venue = one_line(host_venue["display_name"], 500)

    work = ParsedWork(
        path=path,
        line=line,
        openalex_id=openalex_id,
        doi=doi,
        arxiv_id=arxiv_id,
        work_type=keep(lambda: get_str(record, "type", max_length=50), None) or "article",
        publication_year=keep(lambda: _year(record), None),
        publication_date=keep(
            lambda: parse_date(record.get("publication_date"), key="publication_date"), None
        ),
        title=_work_title(record, dropped),
        abstract=keep(lambda: rebuild_abstract(record.get("abstract_inverted_index")), ""),
        language=keep(lambda: get_str(record, "language", max_length=10), None) or "",
        venue=venue,
        cited_by_count=keep(lambda: get_int(record, "cited_by_count", minimum=0), None) or 0,
        updated_date=keep(
            lambda: parse_timestamp(record.get("updated_date"), key="updated_date"), None
        ),
        source=source,
        dropped=dropped.reasons,
    )
    _open_access(record, locations, work, dropped)
    _parse_authorships(work, keep(lambda: get_list(record, "authorships"), []), dropped)

    topics = [t for t in map(embedded_topic, keep(lambda: get_list(record, "topics"), [])) if t]
    if not topics:
        concepts: list[Any] = keep(lambda: get_list(record, "concepts"), [])
        topics = [c for c in map(embedded_concept, concepts) if c is not None]
    seen_topics: set[str] = set()
    for scored in topics:
        if scored.topic.external_id not in seen_topics:
            seen_topics.add(scored.topic.external_id)
            work.topics.append(scored)

    references: dict[str, None] = {}
    cited_works: list[Any] = keep(lambda: get_list(record, "referenced_works"), [])
    for index, ref in enumerate(cited_works):
        cited = openalex_optional_id(ref, prefix="W")
        if cited is None:
            shown = repr(ref[:80]) if isinstance(ref, str) else type(ref).__name__
            dropped.drop(f"referenced_works[{index}]: not an OpenAlex work id: {shown}")
        elif cited != openalex_id:
            references[cited] = None
    work.references = list(references)
    return work


def _parse_authorships(work: ParsedWork, authorships: list[Any], dropped: DroppedFields) -> None:
    """Each authorship on its own: one in an unusable shape is dropped, the others kept."""
    institutions: dict[str, InstitutionValues] = {}
    seen_authors: set[str] = set()
    for index, raw in enumerate(authorships):
        here = f"authorships[{index}]"
        if not isinstance(raw, dict):
            dropped.drop(f"{here}: expected an object, got {type(raw).__name__}")
            continue
        author = raw.get("author")
        if author is not None and not isinstance(author, dict):
            dropped.drop(f"{here}.author: expected an object, got {type(author).__name__}")
        if not isinstance(author, dict):
            author = {}
        author_id = openalex_optional_id(author.get("id"), prefix="A")
        if author_id is None and author.get("id") not in (None, ""):
            dropped.drop(f"{here}.author.id: not an OpenAlex author id; kept by name")
        if author_id is not None and author_id in seen_authors:
            continue  # listed twice: one authorship per (work, researcher)
        raw_name = raw.get("raw_author_name")
        name = author.get("display_name")
        if not isinstance(name, str) or not name.strip():
            name = raw_name
        if not isinstance(name, str) or not name.strip():
            if author_id is None:
                dropped.drop(f"{here}: neither an author id nor a name")
                continue
            name = author_id
        listed = raw.get("institutions")
        if listed is not None and not isinstance(listed, list):
            dropped.drop(f"{here}.institutions: expected a list, got {type(listed).__name__}")
            listed = None
        inst_ids: list[str] = []
        for inst in listed or []:
            values = embedded_institution(inst)
            if values is not None and values.openalex_id not in inst_ids:
                institutions.setdefault(values.openalex_id, values)
                inst_ids.append(values.openalex_id)
        if author_id is not None:
            seen_authors.add(author_id)
        work.authorships.append(
            ParsedAuthorship(
                position=len(work.authorships),
                author_openalex_id=author_id,
                orcid=normalise_orcid(author.get("orcid")),
                display_name=one_line(name, 500),
                slug=researcher_slug(name, author_id) if author_id else None,
                raw_author_name=one_line(raw_name if isinstance(raw_name, str) else name, 500),
                is_corresponding=raw.get("is_corresponding") is True,
                institution_ids=inst_ids,
            )
        )
    work.institutions = list(institutions.values())


def _entity_name(
    record: dict[str, Any], dropped: DroppedFields, fallback: str, *, max_length: int
) -> str:
    noted = len(dropped.reasons)
    name = dropped.keep(lambda: get_str(record, "display_name", max_length=max_length), None)
    if name and name.strip():
        return name.strip()
    if len(dropped.reasons) == noted:
        dropped.drop(f"display_name: missing; stored under its id {fallback}")
    return fallback


def parse_author(path: str, line: int, record: dict[str, Any]) -> ParsedAuthor:
    openalex_id = openalex_short_id(record.get("id"), key="id", prefix="A")
    dropped = DroppedFields()
    keep = dropped.keep
    name = _entity_name(record, dropped, openalex_id, max_length=500)
    ids = keep(lambda: get_dict(record, "ids"), None) or {}
    alternatives: list[Any] = keep(lambda: get_list(record, "display_name_alternatives"), [])
    variants = [one_line(v, 500) for v in alternatives]
    variants = [v for v in variants if v and v != name]
    last_known: list[Any] = keep(lambda: get_list(record, "last_known_institutions"), [])
    affiliation = embedded_institution(last_known[0]) if last_known else None
    if affiliation is None:
        affiliation = embedded_institution(record.get("last_known_institution"))
    return ParsedAuthor(
        path=path,
        line=line,
        openalex_id=openalex_id,
        orcid=normalise_orcid(record.get("orcid")) or normalise_orcid(ids.get("orcid")),
        display_name=name,
        slug=researcher_slug(name, openalex_id),
        name_variants=sorted(set(variants)),
        affiliation=affiliation,
        updated_date=keep(
            lambda: parse_timestamp(record.get("updated_date"), key="updated_date"), None
        ),
        dropped=dropped.reasons,
    )


def parse_institution(path: str, line: int, record: dict[str, Any]) -> ParsedInstitution:
    openalex_id = openalex_short_id(record.get("id"), key="id", prefix="I")
    dropped = DroppedFields()
    keep = dropped.keep
    name = _entity_name(record, dropped, openalex_id, max_length=500)
    homepage = keep(lambda: get_str(record, "homepage_url", max_length=500), None) or ""
    domains: list[str] = []
    if homepage:
        host = homepage.split("://", 1)[-1].split("/", 1)[0].lower()
        host = host.removeprefix("www.")
        if host:
            domains.append(host[:255])
    return ParsedInstitution(
        path=path,
        line=line,
        values=InstitutionValues(
            openalex_id,
            normalise_ror(record.get("ror")),
            name,
            keep(lambda: get_str(record, "country_code", max_length=2), None) or "",
            keep(lambda: get_str(record, "type", max_length=50), None) or "",
        ),
        homepage_url=homepage,
        domains=domains,
        updated_date=keep(
            lambda: parse_timestamp(record.get("updated_date"), key="updated_date"), None
        ),
        dropped=dropped.reasons,
    )


def parse_source(path: str, line: int, record: dict[str, Any]) -> ParsedSource:
    openalex_id = openalex_short_id(record.get("id"), key="id", prefix="S")
    dropped = DroppedFields()
    keep = dropped.keep
    return ParsedSource(
        path=path,
        line=line,
        values=SourceValues(
            openalex_id,
            _entity_name(record, dropped, openalex_id, max_length=500),
            keep(lambda: get_str(record, "issn_l", max_length=9), None) or "",
            keep(lambda: get_str(record, "type", max_length=50), None) or "",
        ),
        updated_date=keep(
            lambda: parse_timestamp(record.get("updated_date"), key="updated_date"), None
        ),
        dropped=dropped.reasons,
    )


def parse_topic(path: str, line: int, record: dict[str, Any]) -> ParsedTopic:
    external = openalex_short_id(record.get("id"), key="id", prefix="T")
    dropped = DroppedFields()
    keep = dropped.keep
    name = _entity_name(record, dropped, external, max_length=300)
    return ParsedTopic(
        path=path,
        line=line,
        values=TopicValues(
            "openalex",
            external,
            name,
            _name_of(keep(lambda: get_dict(record, "subfield"), None)),
            _name_of(keep(lambda: get_dict(record, "field"), None)),
            _name_of(keep(lambda: get_dict(record, "domain"), None)),
        ),
        dropped=dropped.reasons,
    )
