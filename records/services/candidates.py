"""Possible duplicates: records that may be one person, with a score and its reasons.

`candidates_find` blocks records by their folded family name and first given initial
(`profiles.identity.parse_name`; an East Asian name by the whole name), keeps the pairs whose
names are compatible (`names_compatible`, the importer's and the claim checklist's rule), and
scores each pair by what the two records share: co-authors (from each record's 200 newest
works), institutions on their authorships, topics of those works — each record's sets read once
per chunk of about 5,000 records in four index-driven statements, compared in Python. A pair
sharing nothing but a name is not proposed (two people are never merged on a name alone), nor
a pair that co-authors a work (two authors of one paper are two people).
Same ORCID iD cannot occur (the column is unique).

Records that OpenAlex says are one author — one holds an id that OpenAlex merged (directly or
through a chain) into the id the other holds (`works.MergedAuthorId`, imported from the
snapshot's `merged_ids`) — are proposed whatever their names, first in the queue (score at
least `OPENALEX_MERGED_SCORE`), with that reason; a moderator still decides, since OpenAlex's
own merges are sometimes wrong and two owners or two ORCID iDs refuse a merge anyway.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from profiles.identity import names_compatible, parse_name
from records.models import CandidateState, DuplicateCandidate

# A block larger than this ("Wang, Y.") is skipped: its pairs grow quadratically and a shared
# name that common is no evidence; the run reports how many records that left out.
BLOCK_MAX = 60
RECENT_WORKS = 200
CHUNK_RECORDS = 5000  # records whose evidence is read at once
STORE_BATCH = 5000
OPENALEX_MERGED_SCORE = 0.9

# Every record holding an id OpenAlex merged away, paired with each record holding an id
# along its merge chain (depth-capped: a cycle in the files ends there).
_OPENALEX_MERGED_SQL = """
WITH RECURSIVE chain(start, at, depth) AS (
  SELECT m.old_id, m.into_id, 1
  FROM works_mergedauthorid m JOIN profiles_researcher o ON o.openalex_id = m.old_id
  UNION ALL
  SELECT c.start, m.into_id, c.depth + 1
  FROM chain c JOIN works_mergedauthorid m ON m.old_id = c.at
  WHERE c.depth < 20 AND m.into_id <> c.start
)
SELECT DISTINCT o.id, s.id, c.start, c.at
FROM chain c
JOIN profiles_researcher o ON o.openalex_id = c.start
JOIN profiles_researcher s ON s.openalex_id = c.at
"""

# Each record's newest works (RECENT_WORKS), read through the (researcher, work) index: the
# LATERAL makes it one index range scan per record, whatever the planner thinks of the list.
_RECENT_SQL = """
SELECT r.id, w.work_id, w.id
FROM unnest(%s::bigint[]) AS r(id)
CROSS JOIN LATERAL (
  SELECT id, work_id FROM works_authorship WHERE researcher_id = r.id
  ORDER BY work_id DESC LIMIT %s
) w
"""
# The institutions on those authorships (the records' own), by the authorship index.
_INSTITUTIONS_SQL = """
SELECT a.researcher_id, ai.institution_id
FROM works_authorshipinstitution ai JOIN works_authorship a ON a.id = ai.authorship_id
WHERE ai.authorship_id = ANY(%s::bigint[])
"""
# Every author of those works (their co-authors).
_AUTHORS_SQL = (
    "SELECT work_id, researcher_id FROM works_authorship WHERE work_id = ANY(%s::bigint[])"
)
_TOPICS_SQL = "SELECT work_id, topic_id FROM works_worktopic WHERE work_id = ANY(%s::bigint[])"


@dataclass(frozen=True)
class Candidate:
    low: int
    high: int
    score: float
    reasons: list[str]


@dataclass
class CandidateRun:
    researchers: int = 0
    name_pairs: int = 0
    candidates: list[Candidate] | None = None
    skipped_in_large_blocks: int = 0


def _block_key(name: str) -> tuple[str, ...] | None:
    parsed = parse_name(name)
    if parsed.is_whole:
        return ("whole", parsed.whole)
    if not parsed.family or not parsed.given:
        return None
    return (*parsed.family, parsed.given[0][0])


def name_pairs(
    names: Iterable[tuple[int, str]], *, only: set[int] | None = None
) -> Iterator[tuple[int, int, bool]]:
    """(low id, high id, whole name equal) for every pair with compatible names.

    With `only`, just the pairs involving one of those records (after an import).
    """
    blocks: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for rid, name in names:
        key = _block_key(name)
        if key is not None:
            blocks[key].append((rid, name))
    for members in blocks.values():
        if len(members) < 2 or len(members) > BLOCK_MAX:
            continue
        for (i, a), (j, b) in itertools.combinations(sorted(members), 2):
            if only is not None and i not in only and j not in only:
                continue
            if names_compatible(a, b):
                yield i, j, a.casefold() == b.casefold()


def large_blocks_size(names: Iterable[tuple[int, str]]) -> int:
    sizes: dict[tuple[str, ...], int] = defaultdict(int)
    for _, name in names:
        key = _block_key(name)
        if key is not None:
            sizes[key] += 1
    return sum(n for n in sizes.values() if n > BLOCK_MAX)


def _score(
    same_name: bool, coauthors: int, institutions: int, topics: int
) -> tuple[float, list[str]]:
    reasons = ["The same name" if same_name else "Compatible names (initials or variants)"]
    score = 0.35 if same_name else 0.25
    if coauthors:
        score += min(coauthors, 5) * 0.1
        reasons.append(f"{coauthors} shared co-author{'s' if coauthors > 1 else ''}")
    if institutions:
        score += min(institutions, 2) * 0.1
        reasons.append(f"{institutions} shared institution{'s' if institutions > 1 else ''}")
    if topics:
        score += min(topics, 4) * 0.05
        reasons.append(f"{topics} shared topic{'s' if topics > 1 else ''}")
    return round(min(score, 1.0), 2), reasons


@dataclass
class Evidence:
    """What one record shows through its newest works: co-authors, institutions, topics."""

    coauthors: set[int]
    institutions: set[int]
    topics: set[int]


def records_evidence(researcher_ids: list[int]) -> dict[int, Evidence]:
    """Each record's evidence, read in four index-driven statements for the whole chunk.

    The sets are compared in Python: an earlier single SQL statement compared them per pair
    over CTEs and, misestimating the CTE's size, hash-joined whole tables for every batch
    (10–30 s per 2,000 pairs at 200,000 researchers).
    """
    evidence = {rid: Evidence(set(), set(), set()) for rid in researcher_ids}
    with connection.cursor() as cursor:
        cursor.execute(_RECENT_SQL, [researcher_ids, RECENT_WORKS])
        recent: dict[int, list[int]] = defaultdict(list)  # work -> the chunk's records on it
        authorship_ids = []
        for rid, work_id, authorship_id in cursor.fetchall():
            recent[work_id].append(rid)
            authorship_ids.append(authorship_id)
        if not recent:
            return evidence
        cursor.execute(_INSTITUTIONS_SQL, [authorship_ids])
        for rid, institution_id in cursor.fetchall():
            evidence[rid].institutions.add(institution_id)
        work_ids = list(recent)
        cursor.execute(_AUTHORS_SQL, [work_ids])
        for work_id, author_id in cursor.fetchall():
            for rid in recent[work_id]:
                if author_id != rid:
                    evidence[rid].coauthors.add(author_id)
        cursor.execute(_TOPICS_SQL, [work_ids])
        for work_id, topic_id in cursor.fetchall():
            for rid in recent[work_id]:
                evidence[rid].topics.add(topic_id)
    return evidence


def _chunks(pairs: list[tuple[int, int, bool]]) -> Iterator[list[tuple[int, int, bool]]]:
    """Consecutive pairs (name_pairs gives them block by block, so they share records) in
    chunks of about CHUNK_RECORDS distinct records."""
    chunk: list[tuple[int, int, bool]] = []
    seen: set[int] = set()
    for pair in pairs:
        chunk.append(pair)
        seen.update(pair[:2])
        if len(seen) >= CHUNK_RECORDS:
            yield chunk
            chunk, seen = [], set()
    if chunk:
        yield chunk


def pairs_evidence(pairs: list[tuple[int, int, bool]]) -> list[Candidate]:
    """Score name-compatible pairs by shared co-authors, institutions and topics."""
    found = []
    for chunk in _chunks(pairs):
        evidence = records_evidence(sorted({rid for pair in chunk for rid in pair[:2]}))
        for a, b, same_name in chunk:
            ea, eb = evidence[a], evidence[b]
            if b in ea.coauthors:
                continue  # two authors of one paper are two people
            coauthors = len(ea.coauthors & eb.coauthors)
            institutions = len(ea.institutions & eb.institutions)
            topics = len(ea.topics & eb.topics)
            if not (coauthors or institutions or topics):
                continue
            score, reasons = _score(same_name, coauthors, institutions, topics)
            found.append(Candidate(a, b, score, reasons))
    return found


def openalex_merged_pairs(*, only: set[int] | None = None) -> dict[tuple[int, int], str]:
    """(low, high) → the reason, for records OpenAlex has merged into one author."""
    with connection.cursor() as cursor:
        cursor.execute(_OPENALEX_MERGED_SQL)
        rows = cursor.fetchall()
    pairs: dict[tuple[int, int], str] = {}
    for old_record, survivor_record, old_id, into_id in rows:
        if old_record == survivor_record:
            continue
        if only is not None and old_record not in only and survivor_record not in only:
            continue
        key = (min(old_record, survivor_record), max(old_record, survivor_record))
        pairs.setdefault(key, f"OpenAlex merged author {old_id} into {into_id}")
    return pairs


def with_openalex_merges(
    found: list[Candidate], merged: dict[tuple[int, int], str]
) -> list[Candidate]:
    """The name candidates, with OpenAlex's merges added or put first."""
    by_pair = {(c.low, c.high): c for c in found}
    for (low, high), reason in merged.items():
        held = by_pair.get((low, high))
        if held is None:
            by_pair[(low, high)] = Candidate(low, high, OPENALEX_MERGED_SCORE, [reason])
        else:
            score = max(held.score, OPENALEX_MERGED_SCORE)
            by_pair[(low, high)] = Candidate(low, high, score, [reason, *held.reasons])
    return list(by_pair.values())


def candidates_compute(*, researcher_ids: list[int] | None = None) -> CandidateRun:
    """Find candidates (read only): over every record, or the pairs involving these."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, display_name FROM profiles_researcher")
        names = cursor.fetchall()
    only = set(researcher_ids) if researcher_ids is not None else None
    pairs = list(name_pairs(names, only=only))
    return CandidateRun(
        researchers=len(names),
        name_pairs=len(pairs),
        candidates=with_openalex_merges(pairs_evidence(pairs), openalex_merged_pairs(only=only)),
        skipped_in_large_blocks=large_blocks_size(names),
    )


def candidates_store(found: list[Candidate], *, full_run: bool, started: datetime.datetime) -> None:
    """Upsert the candidates (a dismissed pair stays dismissed: only score and reasons change);
    after a full run, open candidates not found again (and not requested) are removed."""
    # In pair order, so two runs upserting overlapping pairs lock rows in the same order.
    found = sorted(found, key=lambda c: (c.low, c.high))
    with transaction.atomic():
        for start in range(0, len(found), STORE_BATCH):
            DuplicateCandidate.objects.bulk_create(
                [
                    DuplicateCandidate(
                        low_id=c.low, high_id=c.high, score=c.score, reasons=c.reasons
                    )
                    for c in found[start : start + STORE_BATCH]
                ],
                update_conflicts=True,
                unique_fields=["low", "high"],
                update_fields=["score", "reasons", "computed_at"],
            )
        if full_run:
            DuplicateCandidate.objects.filter(
                state=CandidateState.OPEN, computed_at__lt=started, requested_at__isnull=True
            ).delete()


def candidates_find(*, researcher_ids: list[int] | None = None) -> CandidateRun:
    """Compute and store candidates; a dismissed pair stays dismissed; on a full run, open
    candidates no longer found are removed."""
    started = timezone.now()
    run = candidates_compute(researcher_ids=researcher_ids)
    candidates_store(run.candidates or [], full_run=researcher_ids is None, started=started)
    return run


def candidate_dismiss(*, candidate_id: int) -> None:
    """Two different people: the pair stays, dismissed, so it is not proposed again."""
    DuplicateCandidate.objects.filter(pk=candidate_id).update(state=CandidateState.DISMISSED)


def candidate_request(*, candidate_id: int, user: object, into_id: int) -> None:
    """An owner asks for the other record to be merged into theirs (`into_id`)."""
    DuplicateCandidate.objects.filter(pk=candidate_id, state=CandidateState.OPEN).update(
        requested_by=user, requested_into=into_id, requested_at=timezone.now()
    )
