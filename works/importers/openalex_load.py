"""Write a batch of parsed OpenAlex records: COPY into staging tables, then set-based upserts.

Each batch runs in one transaction (the caller's `atomic`), so a work lands together with its
authorships, topics and citation edges, or not at all. Staging tables are session-local
(`TEMP`), emptied at the start of each batch.

How a work is matched (the upsert key), in order: its OpenAlex id; else, among works not (yet)
from OpenAlex — arXiv or seed records — its DOI, then its arXiv id. A matched work is rewritten
only when the incoming record is newer (`updated_date`) or the stored work has never been seen
from OpenAlex; otherwise the record is skipped, which is what makes a re-import a no-op.
A rewrite replaces the work's authorships, topics and references. A DOI or arXiv id already held
by another work is not copied onto this one (OpenAlex has duplicate records sharing a DOI; each
stays a work, the identifier stays with the first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection
from psycopg.types.json import Jsonb

from works.importers.names import NameSlot, PaperAuthors, name_only_researchers
from works.importers.openalex_merged import merged_author_survivors
from works.importers.openalex_records import (
    InstitutionValues,
    ParsedAuthor,
    ParsedInstitution,
    ParsedSource,
    ParsedTopic,
    ParsedWork,
    SourceValues,
    TopicKey,
    TopicValues,
)

IMPORT_LOCK = 0x62_7A_70_65_65_72  # "bzpeer": one writer of imported rows at a time
# Bulk mode's unlogged staging tables (works.importers.openalex_bulk creates and empties them):
# citation edges with their citing work's id, unresolved, and the works a later batch rewrote.
STAGED_CITATIONS = "works_bulk_citation"
STAGED_REWRITES = "works_bulk_rewrite"
STAGED_BATCHES = "works_bulk_batch"  # a sequence: each batch's number, in load order

STAGING = {
    "stg_work": """k int, openalex_id text, doi text, arxiv_id text, work_type text,
        publication_year int, publication_date date, title text, abstract text, language text,
        source_oa text, venue text, cited_by_count int, updated_date timestamptz,
        oa_status text, oa_url text, oa_locations jsonb, work_id bigint, state char(1)""",
    "stg_author": """openalex_id text, orcid text, display_name text, slug text,
        researcher_id bigint""",
    "stg_institution": """openalex_id text, ror_id text, display_name text, country_code text,
        institution_type text, homepage_url text, domains text[], updated_date timestamptz""",
    "stg_source": """openalex_id text, display_name text, issn_l text, source_type text,
        updated_date timestamptz""",
    "stg_topic": """origin text, external_id text, display_name text, subfield text, field text,
        domain text""",
    "stg_citation": "k int, cited_oa text",
    "stg_researcher": """openalex_id text, orcid text, display_name text, slug text,
        name_variants text[], affiliation_oa text, updated_date timestamptz""",
}


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    touched: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)


def _prepare(cursor: Any) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
    for table, columns in STAGING.items():
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})")
    cursor.execute(f"TRUNCATE {', '.join(STAGING)}")


def copy_rows(cursor: Any, table: str, columns: str, rows: Any) -> None:
    """`rows` (tuples in the order of `columns`) into `table` by COPY, on a Django cursor."""
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_institutions(cursor: Any, institutions: dict[str, InstitutionValues]) -> None:
    """Institutions seen inside works/authors: created if new, never overwrite a fuller record."""
    if not institutions:
        return
    copy_rows(
        cursor,
        "stg_institution",
        "openalex_id, ror_id, display_name, country_code, institution_type",
        institutions.values(),
    )
    cursor.execute(
        """
        INSERT INTO profiles_institution
            (openalex_id, ror_id, display_name, country_code, institution_type,
             homepage_url, domains)
        SELECT s.openalex_id,
               CASE WHEN EXISTS (SELECT 1 FROM profiles_institution i WHERE i.ror_id = s.ror_id)
                    THEN NULL ELSE s.ror_id END,
               s.display_name, s.country_code, s.institution_type, '', '{}'
        FROM stg_institution s
        ORDER BY s.openalex_id
        ON CONFLICT DO NOTHING
        """
    )


def _upsert_sources(cursor: Any, sources: dict[str, SourceValues]) -> None:
    if not sources:
        return
    copy_rows(
        cursor, "stg_source", "openalex_id, display_name, issn_l, source_type", sources.values()
    )
    cursor.execute(
        """
        INSERT INTO works_source (openalex_id, display_name, issn_l, source_type)
        SELECT openalex_id, display_name, issn_l, source_type FROM stg_source
        ORDER BY openalex_id
        ON CONFLICT (openalex_id) DO NOTHING
        """
    )


def _upsert_topics(cursor: Any, topics: dict[TopicKey, TopicValues]) -> None:
    if not topics:
        return
    copy_rows(
        cursor,
        "stg_topic",
        "origin, external_id, display_name, subfield, field, domain",
        topics.values(),
    )
    cursor.execute(
        """
        INSERT INTO works_topic (origin, external_id, display_name, subfield, field, domain)
        SELECT origin, external_id, display_name, subfield, field, domain FROM stg_topic
        ORDER BY origin, external_id
        ON CONFLICT (origin, external_id) DO NOTHING
        """
    )


def _attach_by_orcid(cursor: Any, staging: str) -> None:
    """A researcher first known from ORCID gets its OpenAlex id when an author carries the iD."""
    cursor.execute(
        f"""
        UPDATE profiles_researcher r
        SET openalex_id = s.openalex_id, verification_level = GREATEST(r.verification_level, 1)
        FROM (SELECT DISTINCT ON (orcid) orcid, openalex_id FROM {staging}
              WHERE orcid IS NOT NULL ORDER BY orcid, openalex_id) s
        WHERE r.orcid = s.orcid AND r.openalex_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM profiles_researcher x WHERE x.openalex_id = s.openalex_id)
        """  # noqa: S608 - table and column names are literals of this module
    )


def _fill_orcids(cursor: Any, staging: str) -> None:
    cursor.execute(
        f"""
        UPDATE profiles_researcher r SET orcid = s.orcid
        FROM (SELECT DISTINCT ON (orcid) orcid, openalex_id FROM {staging}
              WHERE orcid IS NOT NULL ORDER BY orcid, openalex_id) s
        WHERE r.openalex_id = s.openalex_id AND r.orcid IS NULL
          AND NOT EXISTS (SELECT 1 FROM profiles_researcher x WHERE x.orcid = s.orcid)
        RETURNING r.id
        """  # noqa: S608 - table and column names are literals of this module
    )


class AuthorValues(NamedTuple):
    """An author as a work's authorship names it (stg_author's columns, in order)."""

    openalex_id: str
    orcid: str | None
    display_name: str
    slug: str | None


class MatchedWork(NamedTuple):
    """A record of the batch that creates or rewrites a work (`k`: its place in the batch)."""

    k: int
    work: ParsedWork
    work_id: int


@dataclass
class WorkBatch:
    """One batch of works on its way through the stages of `load_works`.

    Each stage reads what the earlier ones resolved and adds its own part; the SQL stays
    set-based (staging tables, `UPDATE … FROM`, `INSERT … SELECT`, COPY), this only names the
    steps and what passes between them.
    """

    cursor: Any
    works: list[ParsedWork]
    bulk: bool = False  # bulk mode: edges staged, resolved when the load finishes
    bulk_batch: int = 0  # bulk mode: this batch's number (STAGED_BATCHES)
    result: BatchResult = field(default_factory=BatchResult)
    changed: list[MatchedWork] = field(default_factory=list)  # new or rewritten, in batch order
    institution_ids: dict[str, int] = field(default_factory=dict)  # OpenAlex id → pk
    topic_ids: dict[TopicKey, int] = field(default_factory=dict)
    researcher_ids: dict[str, int] = field(default_factory=dict)  # author OpenAlex id → pk
    previous_authors: set[int] = field(default_factory=set)  # of rewritten works, before
    current_authors: set[int] = field(default_factory=set)  # of changed works, after


def load_works(works: list[ParsedWork], *, bulk: bool = False) -> BatchResult:
    """One batch of works (distinct OpenAlex ids), inside the caller's transaction."""
    with connection.cursor() as cursor:
        _prepare(cursor)
        batch = WorkBatch(cursor=cursor, works=works, bulk=bulk)
        if bulk:
            cursor.execute("SELECT nextval(%s)", [STAGED_BATCHES])
            batch.bulk_batch = cursor.fetchone()[0]
        _stage_works(batch)
        _match_works(batch)
        if not batch.changed:
            return batch.result
        _upsert_work_entities(batch)
        _upsert_work_authors(batch)
        _clear_rewritten_works(batch)
        _write_works(batch)
        _copy_authorships(batch)
        _copy_work_topics(batch)
        _insert_citations(batch)
        result = batch.result
        result.touched |= batch.previous_authors | batch.current_authors
        result.removed = remove_orphan_name_records(
            cursor, batch.previous_authors - batch.current_authors
        )
        result.touched -= result.removed
    return result


def _stage_works(batch: WorkBatch) -> None:
    """The batch into `stg_work`, `k` being each record's place in the batch."""
    copy_rows(
        batch.cursor,
        "stg_work",
        """k, openalex_id, doi, arxiv_id, work_type, publication_year, publication_date,
           title, abstract, language, source_oa, venue, cited_by_count, updated_date,
           oa_status, oa_url, oa_locations""",
        (
            (
                k,
                w.openalex_id,
                w.doi,
                w.arxiv_id,
                w.work_type,
                w.publication_year,
                w.publication_date,
                w.title,
                w.abstract,
                w.language,
                w.source.openalex_id if w.source else None,
                w.venue,
                w.cited_by_count,
                w.updated_date,
                w.oa_status,
                w.oa_url,
                Jsonb(w.oa_locations),
            )
            for k, w in enumerate(batch.works)
        ),
    )
    batch.cursor.execute("ANALYZE stg_work")


def _match_works(batch: WorkBatch) -> None:
    """Each staged record's work id and state: n(ew), u(pdate) or s(kip); see the module doc."""
    cursor = batch.cursor
    cursor.execute(
        """
        UPDATE stg_work s SET work_id = w.id,
            state = CASE WHEN w.updated_date IS NULL OR s.updated_date > w.updated_date
                         THEN 'u' ELSE 's' END
        FROM works_work w WHERE w.openalex_id = s.openalex_id
        """
    )
    for key in ("doi", "arxiv_id"):
        cursor.execute(
            f"""
            UPDATE stg_work s SET work_id = w.id, state = 'u'
            FROM works_work w
            WHERE s.work_id IS NULL AND s.{key} IS NOT NULL AND w.{key} = s.{key}
              AND w.openalex_id IS NULL
            """  # noqa: S608 - table and column names are literals of this module
        )
    # Two records matching one stored work: the first takes it, the others are new works.
    cursor.execute(
        """
        UPDATE stg_work s SET work_id = NULL, state = NULL
        FROM (SELECT k, row_number() OVER (PARTITION BY work_id ORDER BY k) AS n
              FROM stg_work WHERE state = 'u') d
        WHERE d.k = s.k AND d.n > 1
        """
    )
    cursor.execute(
        """
        UPDATE stg_work SET state = 'n',
            work_id = nextval(pg_get_serial_sequence('works_work', 'id'))
        WHERE work_id IS NULL
        """
    )
    for key in ("doi", "arxiv_id"):
        cursor.execute(
            f"""
            UPDATE stg_work s SET {key} = NULL
            FROM (SELECT k, row_number() OVER (PARTITION BY {key} ORDER BY k) AS n
                  FROM stg_work WHERE {key} IS NOT NULL AND state IN ('n', 'u')) d
            WHERE d.k = s.k AND (d.n > 1 OR EXISTS (
                SELECT 1 FROM works_work w WHERE w.{key} = s.{key} AND w.id <> s.work_id))
            """  # noqa: S608 - table and column names are literals of this module
        )
    cursor.execute("SELECT k, state, work_id FROM stg_work")
    states: dict[int, str] = {}
    work_ids: dict[int, int] = {}
    for k, state, work_id in cursor.fetchall():
        states[k] = state
        work_ids[k] = work_id
    batch.changed = [
        MatchedWork(k, w, work_ids[k]) for k, w in enumerate(batch.works) if states[k] in ("n", "u")
    ]
    batch.result.created = sum(1 for s in states.values() if s == "n")
    batch.result.updated = sum(1 for s in states.values() if s == "u")
    batch.result.skipped = sum(1 for s in states.values() if s == "s")


def _upsert_work_entities(batch: WorkBatch) -> None:
    """Institutions, sources and topics the changed works name; their ids for the links."""
    institutions: dict[str, InstitutionValues] = {}
    sources: dict[str, SourceValues] = {}
    topics: dict[TopicKey, TopicValues] = {}
    for _, w, _ in batch.changed:
        for inst in w.institutions:
            institutions.setdefault(inst.openalex_id, inst)
        if w.source:
            sources.setdefault(w.source.openalex_id, w.source)
        for scored in w.topics:
            topics.setdefault(scored.topic.key, scored.topic)
    cursor = batch.cursor
    _upsert_institutions(cursor, institutions)
    _upsert_sources(cursor, sources)
    _upsert_topics(cursor, topics)
    cursor.execute(
        """
        SELECT s.openalex_id, i.id FROM stg_institution s
        JOIN profiles_institution i ON i.openalex_id = s.openalex_id
        """
    )
    batch.institution_ids = dict(cursor.fetchall())
    cursor.execute(
        """
        SELECT t.origin, t.external_id, t.id FROM stg_topic s
        JOIN works_topic t ON t.origin = s.origin AND t.external_id = s.external_id
        """
    )
    batch.topic_ids = {(origin, external): pk for origin, external, pk in cursor.fetchall()}


def _upsert_work_authors(batch: WorkBatch) -> None:
    """Authors with an OpenAlex id: created as L1 records if new; their researcher ids."""
    authors: dict[str, AuthorValues] = {}
    for _, w, _ in batch.changed:
        for a in w.authorships:
            if a.author_openalex_id and a.author_openalex_id not in authors:
                authors[a.author_openalex_id] = AuthorValues(
                    a.author_openalex_id, a.orcid, a.display_name, a.slug
                )
    if not authors:
        return
    # An id OpenAlex has merged into another is the survivor's record (an older file, or a
    # work not re-exported since the merge): the authorship goes to the surviving author.
    survivors = merged_author_survivors(authors)
    for old_id, into_id in survivors.items():
        values = authors.pop(old_id)
        authors.setdefault(into_id, values._replace(openalex_id=into_id))
    cursor = batch.cursor
    copy_rows(cursor, "stg_author", "openalex_id, orcid, display_name, slug", authors.values())
    _attach_by_orcid(cursor, "stg_author")
    cursor.execute(
        """
        INSERT INTO profiles_researcher
            (slug, display_name, name_variants, headline, open_to_collaborate,
             openalex_id, verification_level, claim_status, data_version,
             created_at, updated_at)
        SELECT slug, display_name, '{}', '', false, openalex_id, 1, 'unclaimed', 1,
               now(), now()
        FROM stg_author ORDER BY openalex_id
        ON CONFLICT DO NOTHING
        """
    )
    _fill_orcids(cursor, "stg_author")
    cursor.execute(
        """
        SELECT s.openalex_id, r.id FROM stg_author s
        JOIN profiles_researcher r ON r.openalex_id = s.openalex_id
        """
    )
    batch.researcher_ids = dict(cursor.fetchall())
    for old_id, into_id in survivors.items():
        if into_id in batch.researcher_ids:
            batch.researcher_ids[old_id] = batch.researcher_ids[into_id]


def _clear_rewritten_works(batch: WorkBatch) -> None:
    """Rewritten works lose their previous authorships, topics and references."""
    if not batch.result.updated:
        return
    cursor = batch.cursor
    cursor.execute(
        """
        DELETE FROM works_authorshipinstitution ai USING works_authorship a, stg_work s
        WHERE ai.authorship_id = a.id AND a.work_id = s.work_id AND s.state = 'u'
        """
    )
    cursor.execute(
        """
        DELETE FROM works_authorship a USING stg_work s
        WHERE a.work_id = s.work_id AND s.state = 'u' RETURNING a.researcher_id
        """
    )
    batch.previous_authors = {row[0] for row in cursor.fetchall()}
    cursor.execute(
        """
        DELETE FROM works_worktopic t USING stg_work s
        WHERE t.work_id = s.work_id AND s.state = 'u'
        """
    )
    cursor.execute(
        """
        DELETE FROM works_citation c USING stg_work s
        WHERE c.citing_id = s.work_id AND s.state = 'u'
        """
    )
    if batch.bulk:  # their edges staged by earlier batches are left out at the finish
        cursor.execute(
            f"INSERT INTO {STAGED_REWRITES} (work_id, batch) "  # noqa: S608 - the module's table names
            "SELECT work_id, %s FROM stg_work WHERE state = 'u'",
            [batch.bulk_batch],
        )


def _write_works(batch: WorkBatch) -> None:
    """Rewritten works updated in place, new ones inserted with the ids drawn for them."""
    cursor = batch.cursor
    if batch.result.updated:
        cursor.execute(
            """
            UPDATE works_work w SET
                openalex_id = s.openalex_id, doi = COALESCE(s.doi, w.doi),
                arxiv_id = COALESCE(s.arxiv_id, w.arxiv_id), work_type = s.work_type,
                publication_year = s.publication_year, publication_date = s.publication_date,
                title = s.title, abstract = s.abstract, language = s.language,
                source_id = src.id, venue = s.venue, cited_by_count = s.cited_by_count,
                updated_date = s.updated_date, oa_status = s.oa_status, oa_url = s.oa_url,
                oa_locations = s.oa_locations, updated_at = now()
            FROM stg_work s LEFT JOIN works_source src ON src.openalex_id = s.source_oa
            WHERE w.id = s.work_id AND s.state = 'u'
            """
        )
    if batch.result.created:
        cursor.execute(
            """
            INSERT INTO works_work
                (id, openalex_id, doi, arxiv_id, work_type, publication_year,
                 publication_date, title, abstract, language, source_id, venue,
                 cited_by_count, updated_date, oa_status, oa_url, oa_locations, created_at,
                 updated_at)
            SELECT s.work_id, s.openalex_id, s.doi, s.arxiv_id, s.work_type,
                   s.publication_year, s.publication_date, s.title, s.abstract, s.language,
                   src.id, s.venue, s.cited_by_count, s.updated_date, s.oa_status, s.oa_url,
                   s.oa_locations, now(), now()
            FROM stg_work s LEFT JOIN works_source src ON src.openalex_id = s.source_oa
            WHERE s.state = 'n'
            """
        )


def _copy_authorships(batch: WorkBatch) -> None:
    """Authorships and their institutions, COPY'd straight into their tables: every id they
    need is known by now (authorship ids drawn from the sequence up front)."""
    cursor = batch.cursor
    name_only = _resolve_name_only(batch.changed, batch.researcher_ids)
    count = sum(len(w.authorships) for _, w, _ in batch.changed)
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('works_authorship', 'id')) "
        "FROM generate_series(1, %s)",
        [count],
    )
    authorship_ids = iter([row[0] for row in cursor.fetchall()])
    authorship_rows = []
    link_rows = []
    for k, w, work_id in batch.changed:
        on_this_work: set[int] = set()
        for a in w.authorships:
            researcher_id = (
                batch.researcher_ids.get(a.author_openalex_id)
                if a.author_openalex_id
                else name_only.get((k, a.position))
            )
            if researcher_id is None or researcher_id in on_this_work:
                continue  # e.g. two OpenAlex ids merged into one researcher by ORCID
            on_this_work.add(researcher_id)
            authorship_id = next(authorship_ids)
            batch.current_authors.add(researcher_id)
            authorship_rows.append(
                (
                    authorship_id,
                    work_id,
                    researcher_id,
                    a.position,
                    a.raw_author_name,
                    a.is_corresponding,
                )
            )
            for inst_id in a.institution_ids:
                if inst_id in batch.institution_ids:
                    link_rows.append((authorship_id, batch.institution_ids[inst_id]))
    copy_rows(
        cursor,
        "works_authorship",
        "id, work_id, researcher_id, position, raw_author_name, is_corresponding",
        authorship_rows,
    )
    copy_rows(cursor, "works_authorshipinstitution", "authorship_id, institution_id", link_rows)


def _copy_work_topics(batch: WorkBatch) -> None:
    topic_ids = batch.topic_ids
    copy_rows(
        batch.cursor,
        "works_worktopic",
        "work_id, topic_id, score",
        (
            (work_id, topic_ids[scored.topic.key], scored.score)
            for _, w, work_id in batch.changed
            for scored in w.topics
            if scored.topic.key in topic_ids
        ),
    )


def _insert_citations(batch: WorkBatch) -> None:
    """Citation edges of the changed works; the cited work's id where it is already known,
    and edges imported earlier towards works that arrive only now get theirs.

    The cited ids are resolved in one join whose lookups are index-only
    (`work_openalex_id_once` carries the id) and arrive in key order (the edges are staged
    sorted by cited id), so each index page is read once per batch however large the works
    table grows; the edges are written in the order of `citation_once`."""
    cursor = batch.cursor
    if batch.bulk:
        copy_rows(
            cursor,
            STAGED_CITATIONS,
            "citing_id, cited_oa, batch",
            (
                (work_id, cited, batch.bulk_batch)
                for _, w, work_id in batch.changed
                for cited in w.references
            ),
        )
        return
    copy_rows(
        cursor,
        "stg_citation",
        "k, cited_oa",
        sorted(
            ((k, cited) for k, w, _ in batch.changed for cited in w.references),
            key=lambda edge: edge[1],
        ),
    )
    cursor.execute("ANALYZE stg_citation")
    cursor.execute(
        """
        INSERT INTO works_citation (citing_id, cited_openalex_id, cited_id)
        SELECT w.work_id, s.cited_oa, cw.id
        FROM stg_citation s
        JOIN stg_work w ON w.k = s.k
        LEFT JOIN works_work cw ON cw.openalex_id = s.cited_oa
        ORDER BY w.work_id, s.cited_oa
        """
    )
    if batch.result.created:
        cursor.execute(
            """
            UPDATE works_citation c SET cited_id = s.work_id
            FROM stg_work s
            WHERE s.state = 'n' AND c.cited_openalex_id = s.openalex_id
              AND c.cited_id IS NULL
            """
        )


def _resolve_name_only(
    changed: list[MatchedWork], researcher_ids: dict[str, int]
) -> dict[tuple[int, int], int]:
    papers: list[PaperAuthors] = []
    for k, w, _ in changed:
        slots = [
            NameSlot(
                key=(k, a.position),
                name=a.display_name,
                occurrence=f"{w.openalex_id}-{a.position}",
            )
            for a in w.authorships
            if not a.author_openalex_id
        ]
        if slots:
            # Co-authors identified by id are the evidence for the name rule.
            known = [
                researcher_ids[a.author_openalex_id]
                for a in w.authorships
                if a.author_openalex_id in researcher_ids
            ]
            papers.append(PaperAuthors(known_researcher_ids=known, slots=slots))
    if not papers:
        return {}
    resolved, _created = name_only_researchers(papers)
    return resolved


def remove_orphan_name_records(cursor: Any, candidates: set[int]) -> set[int]:
    """Name-only (L0) records left without any authorship by a rewrite, unclaimed and unfollowed.

    They stood for one person on one paper; the rewritten paper now names that person through
    its new source (an OpenAlex author id), so the L0 stand-in has nothing left to say.
    """
    if not candidates:
        return set()
    from profiles.models import ClaimStatus, Researcher, VerificationLevel

    orphans = set(
        Researcher.objects.filter(
            pk__in=candidates,
            verification_level=VerificationLevel.L0,
            claim_status=ClaimStatus.UNCLAIMED,
            authorships__isnull=True,
            follows__isnull=True,
        ).values_list("pk", flat=True)
    )
    if orphans:
        Researcher.objects.filter(pk__in=orphans).delete()
    return orphans


# --- standalone entity records -------------------------------------------------------------


def _upsert_counts(cursor: Any, *, offered: int) -> BatchResult:
    """Counts of an upsert `… RETURNING (xmax = 0)`: true for an insert, false for an update;
    offered rows it returned nothing for were already as new as the record (skipped)."""
    inserted = [row[0] for row in cursor.fetchall()]
    created = sum(inserted)
    return BatchResult(
        created=created, updated=len(inserted) - created, skipped=offered - len(inserted)
    )


def load_institutions(items: list[ParsedInstitution]) -> BatchResult:
    with connection.cursor() as cursor:
        _prepare(cursor)
        copy_rows(
            cursor,
            "stg_institution",
            """openalex_id, ror_id, display_name, country_code, institution_type, homepage_url,
               domains, updated_date""",
            ((*i.values, i.homepage_url, i.domains, i.updated_date) for i in items),
        )
        cursor.execute(
            """
            UPDATE stg_institution s SET ror_id = NULL
            WHERE EXISTS (SELECT 1 FROM profiles_institution i
                          WHERE i.ror_id = s.ror_id AND i.openalex_id <> s.openalex_id)
            """
        )
        cursor.execute(
            """
            INSERT INTO profiles_institution AS i
                (openalex_id, ror_id, display_name, country_code, institution_type,
                 homepage_url, domains, updated_date)
            SELECT openalex_id, ror_id, display_name, country_code, institution_type,
                   homepage_url, domains, updated_date
            FROM stg_institution ORDER BY openalex_id
            ON CONFLICT (openalex_id) DO UPDATE SET
                ror_id = COALESCE(EXCLUDED.ror_id, i.ror_id),
                display_name = EXCLUDED.display_name, country_code = EXCLUDED.country_code,
                institution_type = EXCLUDED.institution_type,
                homepage_url = EXCLUDED.homepage_url, domains = EXCLUDED.domains,
                updated_date = EXCLUDED.updated_date
            WHERE i.updated_date IS NULL OR EXCLUDED.updated_date > i.updated_date
            RETURNING (xmax = 0)
            """
        )
        return _upsert_counts(cursor, offered=len(items))


def load_sources(items: list[ParsedSource]) -> BatchResult:
    with connection.cursor() as cursor:
        _prepare(cursor)
        copy_rows(
            cursor,
            "stg_source",
            "openalex_id, display_name, issn_l, source_type, updated_date",
            ((*s.values, s.updated_date) for s in items),
        )
        cursor.execute(
            """
            INSERT INTO works_source AS o (openalex_id, display_name, issn_l, source_type,
                                           updated_date)
            SELECT openalex_id, display_name, issn_l, source_type, updated_date
            FROM stg_source ORDER BY openalex_id
            ON CONFLICT (openalex_id) DO UPDATE SET
                display_name = EXCLUDED.display_name, issn_l = EXCLUDED.issn_l,
                source_type = EXCLUDED.source_type, updated_date = EXCLUDED.updated_date
            WHERE o.updated_date IS NULL OR EXCLUDED.updated_date > o.updated_date
            RETURNING (xmax = 0)
            """
        )
        return _upsert_counts(cursor, offered=len(items))


def load_topics(items: list[ParsedTopic]) -> BatchResult:
    with connection.cursor() as cursor:
        _prepare(cursor)
        copy_rows(
            cursor,
            "stg_topic",
            "origin, external_id, display_name, subfield, field, domain",
            (t.values for t in items),
        )
        cursor.execute(
            """
            INSERT INTO works_topic AS t (origin, external_id, display_name, subfield, field,
                                          domain)
            SELECT origin, external_id, display_name, subfield, field, domain
            FROM stg_topic ORDER BY origin, external_id
            ON CONFLICT (origin, external_id) DO UPDATE SET
                display_name = EXCLUDED.display_name, subfield = EXCLUDED.subfield,
                field = EXCLUDED.field, domain = EXCLUDED.domain
            WHERE (t.display_name, t.subfield, t.field, t.domain)
                IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.subfield, EXCLUDED.field,
                                  EXCLUDED.domain)
            RETURNING (xmax = 0)
            """
        )
        return _upsert_counts(cursor, offered=len(items))


def load_authors(items: list[ParsedAuthor]) -> BatchResult:
    """Author records: names, variants, ORCID and last known institution; newest record wins."""
    result = BatchResult()
    with connection.cursor() as cursor:
        _prepare(cursor)
        _upsert_institutions(
            cursor, {a.affiliation.openalex_id: a.affiliation for a in items if a.affiliation}
        )
        copy_rows(
            cursor,
            "stg_researcher",
            "openalex_id, orcid, display_name, slug, name_variants, affiliation_oa, updated_date",
            (
                (
                    a.openalex_id,
                    a.orcid,
                    a.display_name,
                    a.slug,
                    a.name_variants,
                    a.affiliation.openalex_id if a.affiliation else None,
                    a.updated_date,
                )
                for a in items
            ),
        )
        # A stale record of an id OpenAlex has merged away: the survivor's own record rules.
        cursor.execute(
            "DELETE FROM stg_researcher s USING works_mergedauthorid m "
            "WHERE m.old_id = s.openalex_id"
        )
        _attach_by_orcid(cursor, "stg_researcher")
        cursor.execute(
            """
            INSERT INTO profiles_researcher AS r
                (slug, display_name, name_variants, headline, open_to_collaborate, openalex_id,
                 verification_level, claim_status, data_version, affiliation_id,
                 source_updated_date, created_at, updated_at)
            SELECT s.slug, s.display_name, s.name_variants, '', false, s.openalex_id, 1,
                   'unclaimed', 1, i.id, s.updated_date, now(), now()
            FROM stg_researcher s
            LEFT JOIN profiles_institution i ON i.openalex_id = s.affiliation_oa
            ORDER BY s.openalex_id
            ON CONFLICT (openalex_id) DO UPDATE SET
                display_name = EXCLUDED.display_name,
                name_variants = ARRAY(
                    SELECT DISTINCT unnest(r.name_variants || EXCLUDED.name_variants) ORDER BY 1),
                affiliation_id = CASE WHEN r.claim_status = 'claimed' THEN r.affiliation_id
                                      ELSE COALESCE(EXCLUDED.affiliation_id, r.affiliation_id) END,
                source_updated_date = EXCLUDED.source_updated_date, updated_at = now()
            WHERE r.source_updated_date IS NULL
               OR EXCLUDED.source_updated_date > r.source_updated_date
            RETURNING r.id, (xmax = 0)
            """
        )
        rows = cursor.fetchall()
        _fill_orcids(cursor, "stg_researcher")
        result.touched |= {row[0] for row in cursor.fetchall()}
    result.touched |= {row[0] for row in rows}
    result.created = sum(1 for row in rows if row[1])
    result.updated = len(rows) - result.created
    result.skipped = len(items) - len(rows)
    return result
