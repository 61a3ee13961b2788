"""Possible duplicates: records that may be one person, with a score and its reasons.

`candidates_find` blocks records by their folded family name and first given initial
(`profiles.identity.parse_name`; an East Asian name by the whole name), keeps the pairs whose
names are compatible (`names_compatible`, the importer's and the claim checklist's rule), and
scores each pair by what the two records share, read in one bounded SQL statement per batch:
co-authors (from each record's 200 newest works), institutions on their authorships, topics of
their works. A pair sharing nothing but a name is not proposed (two people are never merged on
a name alone), nor a pair that co-authors a work (two authors of one paper are two people).
Same ORCID iD cannot occur (the column is unique).

Records that OpenAlex says are one author — one holds an id that OpenAlex merged (directly or
through a chain) into the id the other holds (`works.MergedAuthorId`, imported from the
snapshot's `merged_ids`) — are proposed whatever their names, first in the queue (score at
least `OPENALEX_MERGED_SCORE`), with that reason; a moderator still decides, since OpenAlex's
own merges are sometimes wrong and two owners or two ORCID iDs refuse a merge anyway.
"""

from __future__ import annotations

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
BATCH = 2000
RECENT_WORKS = 200
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

# LIMIT 200 below is RECENT_WORKS (each record's newest works read for the evidence).
_EVIDENCE_SQL = """
WITH pairs AS (SELECT * FROM unnest(%s::int[], %s::int[]) AS p(a, b)),
recent AS (
  SELECT r.id AS researcher_id, w.work_id
  FROM (SELECT a AS id FROM pairs UNION SELECT b FROM pairs) r
  CROSS JOIN LATERAL (
    SELECT work_id FROM works_authorship WHERE researcher_id = r.id
    ORDER BY work_id DESC LIMIT 200
  ) w
),
coauthors AS (
  SELECT DISTINCT rc.researcher_id, x.researcher_id AS other
  FROM recent rc JOIN works_authorship x ON x.work_id = rc.work_id
  WHERE x.researcher_id <> rc.researcher_id
),
institutions AS (
  SELECT DISTINCT rc.researcher_id, ai.institution_id
  FROM recent rc
  JOIN works_authorship au ON au.work_id = rc.work_id AND au.researcher_id = rc.researcher_id
  JOIN works_authorshipinstitution ai ON ai.authorship_id = au.id
),
topics AS (
  SELECT DISTINCT rc.researcher_id, wt.topic_id
  FROM recent rc JOIN works_worktopic wt ON wt.work_id = rc.work_id
)
SELECT p.a, p.b,
  (SELECT count(*) FROM coauthors ca JOIN coauthors cb
     ON cb.other = ca.other AND cb.researcher_id = p.b
   WHERE ca.researcher_id = p.a AND ca.other <> p.b),
  (SELECT count(*) FROM institutions ia JOIN institutions ib
     ON ib.institution_id = ia.institution_id AND ib.researcher_id = p.b
   WHERE ia.researcher_id = p.a),
  (SELECT count(*) FROM topics ta JOIN topics tb
     ON tb.topic_id = ta.topic_id AND tb.researcher_id = p.b
   WHERE ta.researcher_id = p.a),
  EXISTS (SELECT 1 FROM coauthors c WHERE c.researcher_id = p.a AND c.other = p.b)
FROM pairs p
"""


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


def pairs_evidence(pairs: list[tuple[int, int, bool]]) -> list[Candidate]:
    """Score name-compatible pairs by shared co-authors, institutions and topics (SQL)."""
    found = []
    same = {(a, b): s for a, b, s in pairs}
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        with connection.cursor() as cursor:
            cursor.execute(_EVIDENCE_SQL, [[p[0] for p in batch], [p[1] for p in batch]])
            rows = cursor.fetchall()
        for a, b, coauthors, institutions, topics, coauthored in rows:
            if coauthored or not (coauthors or institutions or topics):
                continue
            score, reasons = _score(same[(a, b)], coauthors, institutions, topics)
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


def candidates_find(*, researcher_ids: list[int] | None = None) -> CandidateRun:
    """Compute and store candidates; a dismissed pair stays dismissed; on a full run, open
    candidates no longer found are removed."""
    started = timezone.now()
    run = candidates_compute(researcher_ids=researcher_ids)
    found = run.candidates or []
    with transaction.atomic():
        for c in found:
            DuplicateCandidate.objects.update_or_create(
                low_id=c.low,
                high_id=c.high,
                defaults={"score": c.score, "reasons": c.reasons},
            )
        if researcher_ids is None:
            DuplicateCandidate.objects.filter(
                state=CandidateState.OPEN, computed_at__lt=started, requested_at__isnull=True
            ).delete()
    return run


def candidate_dismiss(*, candidate_id: int) -> None:
    """Two different people: the pair stays, dismissed, so it is not proposed again."""
    DuplicateCandidate.objects.filter(pk=candidate_id).update(state=CandidateState.DISMISSED)


def candidate_request(*, candidate_id: int, user: object, into_id: int) -> None:
    """An owner asks for the other record to be merged into theirs (`into_id`)."""
    DuplicateCandidate.objects.filter(pk=candidate_id, state=CandidateState.OPEN).update(
        requested_by=user, requested_into=into_id, requested_at=timezone.now()
    )
