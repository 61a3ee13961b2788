"""Import arXiv records set-based (`arxiv_import`), deciding every author as record by record would.

The batch's new papers are decided in order in Python and written by COPY. Deciding needs,
for each paper, what the name rule (`works.importers.names`) would see in the database at that
moment: the database as it was when the batch began, plus the papers of the batch decided
before it. Both come without a query per paper:

- the evidence already stored, from the index of co-authorships by name
  (`works.importers.coauthor_names`), probed once for every two authors of every paper of the
  batch; every pair it returns is checked as the rule checks a candidate (its display name
  containing the family name as written, `names_compatible` over its display name and
  variants);
- the evidence the batch itself makes: each decided paper's authors are kept by name key, so a
  later paper of the batch sees the co-authorships an earlier one wrote.

A record that rewrites a stored arXiv-only work (a newer version) goes through the record-by-
record loader, after the papers before it are written; one that only adds its id and
categories to an OpenAlex work too (it writes no authorship). A record whose work is stored and
not older is skipped without a write, so a re-import costs one query per batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from django.db import connection
from django.utils import timezone

from profiles.identity import family_name_surface, name_keys, names_compatible
from profiles.models import VerificationLevel
from works.importers import coauthor_names
from works.importers.arxiv import (
    ARCHIVES,
    ArxivRecord,
    category_name,
    load_arxiv_by_record,
    parse_arxiv,
)
from works.importers.coauthor_names import (
    Drive,
    NamePattern,
    coauthor_names_refresh,
    coauthor_rows,
    drives,
    name_pattern,
)
from works.importers.fields import researcher_slug
from works.importers.openalex_load import IMPORT_LOCK, BatchResult, copy_rows
from works.importers.pipeline import Keyed, run_pipeline
from works.importers.reading import expand_paths
from works.importers.refresh import RefreshQueue
from works.importers.report import ImportReport
from works.models import TopicOrigin


@dataclass(frozen=True, slots=True)
class Person:
    """A record as the rule compares it."""

    display: str
    variants: tuple[str, ...]

    def name_keys(self) -> list[str]:
        return name_keys([self.display, *self.variants])


@dataclass(frozen=True, slots=True)
class Slot:
    position: int
    display: str  # as people write it: a new record's display name
    name: str  # "Family, Given": what the rule compares
    pattern: NamePattern | None  # None: the rule looks nothing up for this name
    surface: str  # the family name as written (the ILIKE recheck)
    slug: str  # of the name-only record made for this occurrence

    @property
    def key(self) -> str | None:
        return self.pattern.key if self.pattern else None


@dataclass(frozen=True, slots=True)
class StoredWork:
    id: int
    arxiv_id: str | None
    doi: str | None
    openalex_id: str | None
    updated_date: datetime | None


def _slots(record: ArxivRecord) -> list[Slot]:
    slots = []
    for position, (display, match_name) in enumerate(record.authors):
        surface = family_name_surface(match_name)
        slots.append(
            Slot(
                position=position,
                display=(display or match_name)[:500],
                name=match_name,
                pattern=name_pattern(match_name) if len(surface) >= 2 else None,
                surface=surface,
                slug=researcher_slug(match_name, f"arxiv-{record.arxiv_id}-{position}"),
            )
        )
    return slots


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plan(s: Slot, slots: list[Slot]) -> list[tuple[Slot, list[Drive], bool]]:
    """The probes for slot s: one set per other author t (see `coauthor_names.drives`)."""
    if s.pattern is None:
        return []
    return [
        (t, *drives(s.pattern, t.pattern))
        for t in slots
        if t.position != s.position and t.pattern is not None
    ]


@dataclass
class Decider:
    """The rule over one run of new papers, in order (see the module doc)."""

    cursor: Any
    people: dict[int, Person] = field(default_factory=dict)
    # Per paper, per slot: the stored researchers the rule accepts, or None when there are
    # two or more (then not all of them are read).
    stored: list[list[set[int] | None]] = field(default_factory=list)
    slug_ids: dict[str, int] = field(default_factory=dict)
    new_people: dict[int, str] = field(default_factory=dict)  # placeholder id (< 0) → slug
    by_key: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # → (paper, id)
    papers: list[dict[str, set[int]]] = field(default_factory=list)  # key → ids, per paper
    _compatible: dict[tuple[str, int], bool] = field(default_factory=dict)
    _ilike: dict[tuple[str, str], bool] = field(default_factory=dict)

    def prepare(self, papers: list[list[Slot]]) -> None:
        """The stored evidence for every two authors of each paper, and the records named."""
        plans = [[_plan(s, slots) for s in slots] for slots in papers]
        asked = {d for paper in plans for plan in paper for _t, ds, _f in plan for d in ds}
        rows = coauthor_rows(self.cursor, asked, coauthor_names.PROBE_LIMIT)
        self._fetch_people(
            {pk for pairs in rows.values() for pair in pairs for pk in pair},
            [s.slug for slots in papers for s in slots],
        )
        again: set[Drive] = set()
        first: list[list[set[int] | None]] = []
        for slots, paper in zip(papers, plans, strict=True):
            row: list[set[int] | None] = []
            for s, plan in zip(slots, paper, strict=True):
                accepted, cut = self._accepted(s, plan, rows)
                # None: read again below (cut off, not yet two)
                row.append(accepted if not cut or len(accepted) >= 2 else None)
                if cut and len(accepted) < 2:
                    again |= {
                        d
                        for _t, ds, _f in plan
                        for d in ds
                        if len(rows[d]) >= coauthor_names.PROBE_LIMIT
                    }
            first.append(row)
        if again:
            rows.update(coauthor_rows(self.cursor, again, None))
            self._fetch_people({pk for d in again for pair in rows[d] for pk in pair}, [])
        for slots, paper, known in zip(papers, plans, first, strict=True):
            row = []
            for s, plan, read in zip(slots, paper, known, strict=True):
                accepted = read if read is not None else self._accepted(s, plan, rows)[0]
                row.append(None if len(accepted) >= 2 else accepted)
            self.stored.append(row)

    def _accepted(
        self,
        s: Slot,
        plan: list[tuple[Slot, list[Drive], bool]],
        rows: dict[Drive, list[tuple[int, int]]],
    ) -> tuple[set[int], bool]:
        """The stored researchers the rule accepts for s, or two of them when there are more;
        and whether a probe was cut off."""
        accepted: set[int] = set()
        cut = False
        for t, ds, flipped in plan:
            for d in ds:
                pairs = rows[d]
                cut = cut or len(pairs) >= coauthor_names.PROBE_LIMIT
                for x, y in pairs:
                    a, b = (y, x) if flipped else (x, y)
                    if a not in accepted and self.compatible(s, a) and self.compatible(t, b):
                        accepted.add(a)
                        if len(accepted) >= 2:
                            return accepted, cut
        return accepted, cut

    def _fetch_people(self, ids: set[int], slugs: list[str]) -> None:
        # Two queries: one with `id = ANY … OR slug = ANY …` is planned as a scan.
        for column, values in (("id", sorted(ids - self.people.keys())), ("slug", slugs)):
            if not values:
                continue
            self.cursor.execute(
                "SELECT id, slug, display_name, name_variants "  # noqa: S608 - a literal column
                f"FROM profiles_researcher WHERE {column} = ANY(%s)",
                [values],
            )
            for pk, slug, display, variants in self.cursor.fetchall():
                self.people[pk] = Person(display, tuple(variants or ()))
                if column == "slug":
                    self.slug_ids[slug] = pk

    def _ilike_sql(self, asked: Iterable[tuple[str, str]]) -> None:
        order = [pair for pair in asked if pair not in self._ilike]
        if not order:
            return
        self.cursor.execute(
            "SELECT d ILIKE p FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(d, p, i) "
            "ORDER BY i",
            [[d for d, _ in order], [f"%{_escape_like(s)}%" for _, s in order]],
        )
        for pair, (matched,) in zip(order, self.cursor.fetchall(), strict=True):
            self._ilike[pair] = bool(matched)

    def _contains(self, display: str, surface: str) -> bool:
        """`display ILIKE '%surface%'`, as PostgreSQL answers it."""
        if display.isascii() and surface.isascii():
            return surface.lower() in display.lower()
        if (display, surface) not in self._ilike:
            self._ilike_sql([(display, surface)])
        return self._ilike[(display, surface)]

    def compatible(self, slot: Slot, pk: int) -> bool:
        """Step 1 of the rule: would `candidates_for` return this record for this name?"""
        cached = self._compatible.get((slot.name, pk))
        if cached is None:
            person = self.people.get(pk)
            # The rule's key lookup needs no check of its own: compatible names share a key.
            cached = (
                person is not None
                and self._contains(person.display, slot.surface)
                and any(names_compatible(slot.name, n) for n in (person.display, *person.variants))
            )
            self._compatible[(slot.name, pk)] = cached
        return cached

    def _batch_pairs(self, ks: str, kt: str) -> Iterable[tuple[int, int]]:
        """Co-authorships written by the papers of this run decided so far."""
        for paper, a in self.by_key.get(ks, ()):
            for b in self.papers[paper].get(kt, ()):
                yield a, b

    def decide(self, slots: list[Slot]) -> list[int]:
        """Each slot's researcher (a placeholder id < 0 for a record still to be written)."""
        stored = self.stored[len(self.papers)]
        accepted: list[set[int] | None] = []  # None: two or more, not all known
        for s, known in zip(slots, stored, strict=True):
            if known is None:
                accepted.append(None)
                continue
            found = set(known)
            if s.key is not None:
                for t in slots:
                    if t.position == s.position or t.key is None:
                        continue
                    for a, b in self._batch_pairs(s.key, t.key):
                        if (
                            a != b
                            and a not in found
                            and self.compatible(s, a)
                            and self.compatible(t, b)
                        ):
                            found.add(a)
            accepted.append(found)
        chosen: list[int] = []
        taken: set[int] = set()
        for s, options in zip(slots, accepted, strict=True):
            if options is not None and len(options) == 1 and not (options & taken):
                chosen.append(next(iter(options)))
                taken |= options
            else:
                chosen.append(self._name_only(s))
        self._remember(chosen)
        return chosen

    def _name_only(self, slot: Slot) -> int:
        pk = self.slug_ids.get(slot.slug)
        if pk is None:
            pk = -(len(self.new_people) + 1)
            self.new_people[pk] = slot.slug
            self.slug_ids[slot.slug] = pk
            self.people[pk] = Person(slot.display, ())
        return pk

    def _remember(self, authors: list[int]) -> None:
        paper = len(self.papers)
        members: dict[str, set[int]] = {}
        for pk in authors:
            for key in self.people[pk].name_keys():
                members.setdefault(key, set()).add(pk)
                self.by_key.setdefault(key, []).append((paper, pk))
        self.papers.append(members)


def _stored_works(cursor: Any, records: list[ArxivRecord]) -> list[StoredWork]:
    dois = {f"10.48550/arxiv.{r.arxiv_id.lower()}" for r in records}
    dois |= {r.doi for r in records if r.doi}
    cursor.execute(
        """
        SELECT id, arxiv_id, doi, openalex_id, updated_date FROM works_work
        WHERE arxiv_id = ANY(%s) OR doi = ANY(%s)
        """,
        [[r.arxiv_id for r in records], sorted(dois)],
    )
    return [StoredWork(*row) for row in cursor.fetchall()]


def _matched(record: ArxivRecord, works: list[StoredWork]) -> StoredWork | None:
    """The stored work `arxiv._match` would pick: by arXiv id, then arXiv DOI, then DOI."""
    arxiv_doi = f"10.48550/arxiv.{record.arxiv_id.lower()}"
    for found in (
        [w for w in works if w.arxiv_id == record.arxiv_id],
        [w for w in works if w.doi == arxiv_doi],
        [w for w in works if record.doi is not None and w.doi == record.doi],
    ):
        if found:
            return found[0]
    return None


class Pending:
    """New papers waiting to be decided and written together."""

    def __init__(self) -> None:
        self.records: list[ArxivRecord] = []
        self.arxiv_ids: set[str] = set()
        self.dois: set[str] = set()

    def add(self, record: ArxivRecord) -> None:
        self.records.append(record)
        self.arxiv_ids.add(record.arxiv_id)
        if record.doi:
            self.dois.add(record.doi)

    def holds(self, record: ArxivRecord) -> bool:
        """Would the record match one of these works once written?"""
        arxiv_doi = f"10.48550/arxiv.{record.arxiv_id.lower()}"
        return (
            record.arxiv_id in self.arxiv_ids
            or arxiv_doi in self.dois
            or (record.doi is not None and record.doi in self.dois)
        )


def load_arxiv_batch(records: list[ArxivRecord]) -> BatchResult:
    """One batch of records (distinct arXiv ids), inside the caller's transaction."""
    result = BatchResult()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        stored = _stored_works(cursor, records)
        pending = Pending()
        for index, record in enumerate(records):
            work = _matched(record, stored)
            if work is None and not pending.holds(record):
                pending.add(record)
                continue
            if work is not None and work.openalex_id is None and work.updated_date is not None:
                newer = record.updated_date is not None and record.updated_date > work.updated_date
                if not newer and not pending.holds(record):
                    result.skipped += 1
                    continue
            # A rewrite decides names itself, on what is stored: the papers before it first.
            _write_new(cursor, pending.records, result)
            pending = Pending()
            _merge(result, load_arxiv_by_record([record]))
            stored = _stored_works(cursor, records[index + 1 :])
        _write_new(cursor, pending.records, result)
    return result


def _merge(result: BatchResult, other: BatchResult) -> None:
    result.created += other.created
    result.updated += other.updated
    result.skipped += other.skipped
    result.touched = (result.touched | other.touched) - other.removed
    result.removed |= other.removed


def _write_new(cursor: Any, records: list[ArxivRecord], result: BatchResult) -> None:
    """New works of `records`, their topics, authors and authorships."""
    if not records:
        return
    coauthor_names_refresh(cursor)
    papers = [_slots(r) for r in records]
    decider = Decider(cursor=cursor)
    decider.prepare(papers)
    authors = [decider.decide(slots) for slots in papers]

    now = timezone.now()
    ids = _draw_ids(cursor, "profiles_researcher", len(decider.new_people))
    real = dict(zip(sorted(decider.new_people, reverse=True), ids, strict=True))
    copy_rows(
        cursor,
        "profiles_researcher",
        """id, slug, display_name, name_variants, headline, open_to_collaborate,
           verification_level, claim_status, data_version, name_keys, created_at, updated_at""",
        (
            (
                real[pk],
                slug,
                decider.people[pk].display,
                [],
                "",
                False,
                int(VerificationLevel.L0),
                "unclaimed",
                1,
                decider.people[pk].name_keys(),
                now,
                now,
            )
            for pk, slug in decider.new_people.items()
        ),
    )
    work_ids = _draw_ids(cursor, "works_work", len(records))
    copy_rows(
        cursor,
        "works_work",
        """id, arxiv_id, doi, work_type, publication_year, publication_date, title, abstract,
           language, venue, cited_by_count, updated_date, created_at, updated_at""",
        (
            (
                work_id,
                r.arxiv_id,
                r.doi,
                "preprint",
                r.publication_date.year if r.publication_date else None,
                r.publication_date,
                r.title,
                r.abstract,
                "",
                r.venue,
                0,
                r.updated_date,
                now,
                now,
            )
            for work_id, r in zip(work_ids, records, strict=True)
        ),
    )
    topic_ids = _arxiv_topics(cursor, [c for r in records for c in r.categories])
    copy_rows(
        cursor,
        "works_worktopic",
        "work_id, topic_id, score",
        (
            (work_id, topic, 1.0)
            for work_id, r in zip(work_ids, records, strict=True)
            for topic in dict.fromkeys(topic_ids[c[:100]] for c in r.categories)
        ),
    )
    rows = []
    for work_id, r, chosen in zip(work_ids, records, authors, strict=True):
        for position, ((display, _name), pk) in enumerate(zip(r.authors, chosen, strict=True)):
            researcher = real.get(pk, pk)
            rows.append((work_id, researcher, position, display, False))
            result.touched.add(researcher)
    copy_rows(
        cursor,
        "works_authorship",
        "work_id, researcher_id, position, raw_author_name, is_corresponding",
        rows,
    )
    result.created += len(records)


def _draw_ids(cursor: Any, table: str, count: int) -> list[int]:
    if not count:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _arxiv_topics(cursor: Any, codes: list[str]) -> dict[str, int]:
    """arXiv category topics by code (first 100 characters, as stored), made if new."""
    wanted = {code[:100]: code for code in codes}
    if not wanted:
        return {}
    cursor.execute(
        """
        INSERT INTO works_topic (origin, external_id, display_name, subfield, field, domain)
        SELECT %s, e, n, '', f, '' FROM unnest(%s::text[], %s::text[], %s::text[]) AS q(e, n, f)
        ORDER BY e
        ON CONFLICT DO NOTHING
        """,
        [
            TopicOrigin.ARXIV,
            list(wanted),
            [category_name(code)[:300] for code in wanted.values()],
            [ARCHIVES.get(code.partition(".")[0], "") for code in wanted.values()],
        ],
    )
    cursor.execute(
        "SELECT external_id, id FROM works_topic WHERE origin = %s AND external_id = ANY(%s)",
        [TopicOrigin.ARXIV, list(wanted)],
    )
    return dict(cursor.fetchall())


def _keyed(path: str, line: int, record: dict[str, Any]) -> Keyed:
    parsed = parse_arxiv(path, line, record)
    return Keyed("X", parsed.arxiv_id, parsed.updated_date, parsed, path, line, parsed.dropped)


def arxiv_import(
    *,
    paths: Iterable[str | Path],
    batch_size: int = 2000,
    by_record: bool = False,
    progress: bool = True,
    enqueue_refresh: bool = True,
    error_stream: TextIO | None = None,
) -> ImportReport:
    """Upsert the arXiv bulk-metadata records under `paths` (JSON Lines, optionally gzipped)."""
    report = ImportReport(source="arxiv", error_stream=error_stream)
    return run_pipeline(
        report=report,
        paths=expand_paths(paths, suffixes=(".json", ".jsonl", ".gz")),
        parse=_keyed,
        loaders={"X": load_arxiv_by_record if by_record else load_arxiv_batch},
        order=["X"],
        batch_size=batch_size,
        progress=progress,
        refresh=RefreshQueue(report=report, enqueue=enqueue_refresh),
    )
