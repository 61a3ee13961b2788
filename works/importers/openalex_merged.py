"""OpenAlex's merged ids: which author ids OpenAlex folded into which (issue 16).

The real shape is the snapshot's `merged_ids/<entity>/<date>.csv.gz` (in recent snapshots
under `legacy-data/merged_ids/`): gzipped CSV with the header `merge_date,id,merge_into_id`
and rows such as `2022-06-07,A2257618939,A2208157607` — bare keys; the URL form
(`https://openalex.org/A…`) is accepted too. OpenAlex's author records themselves carry no
merged ids (a merged id just stops appearing; the API redirects it), so these files are the
only source. Only author merges are kept: works, institutions and sources merged upstream are
counted as skipped. A line that is not such a row (wrong column count, a bad date or id, an id
merged into itself, an author merged into a non-author) is reported as `file:line: reason` and
skipped; the rest of the file lands.

What a merge means for records already in BZPEER (`merged_ids_apply`):
- neither id has a record: only the mapping is stored; later works naming the old id are
  credited to the survivor's record (`merged_author_survivors`, used by `load_works`);
- only the old id has a record: that record is the person OpenAlex now calls by the surviving
  id, so it takes that id (it keeps its works, owner and URL; the old id still resolves to it);
- both have records: nothing is merged here. The pair is reported as changed, and the
  duplicate-candidates job (`records`) proposes it to the moderators with the reason "OpenAlex
  merged …" — a merge of two BZPEER records needs a person to look (two owners or two ORCID
  iDs refuse it, and an owner's record is not rewritten by a file), and it is undoable as an
  operation once they do.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from works.importers.fields import OPENALEX_ID
from works.importers.report import ImportReport

HEADER = ["merge_date", "id", "merge_into_id"]
BATCH = 5000
CHAIN_LIMIT = 20  # a merge chain longer than this (or a cycle) stops where it is


@dataclass(frozen=True)
class MergedId:
    old_id: str
    into_id: str
    merge_date: datetime.date


class MergeLineError(ValueError):
    pass


@dataclass
class MergedLoad:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    touched: set[int] = field(default_factory=set)


def is_merged_ids_file(path: Path) -> bool:
    return path.name.endswith((".csv", ".csv.gz"))


def _short_id(value: str, column: str) -> str:
    match = OPENALEX_ID.match(value.strip())
    if not match:
        raise MergeLineError(f"{column}: not an OpenAlex id: {value[:80]!r}")
    key = match.group(1)
    return key[0].upper() + key[1:]


def parse_merged_row(row: list[str]) -> MergedId | None:
    """One CSV row → a merged author id; None for another entity's merge (not kept)."""
    if len(row) != len(HEADER):
        raise MergeLineError(f"expected 3 columns (merge_date,id,merge_into_id), got {len(row)}")
    date_text, old_text, into_text = row
    try:
        merge_date = datetime.date.fromisoformat(date_text.strip())
    except ValueError:
        raise MergeLineError(f"merge_date: not a date: {date_text[:40]!r}") from None
    old_id, into_id = _short_id(old_text, "id"), _short_id(into_text, "merge_into_id")
    if old_id[0] != into_id[0]:
        raise MergeLineError(f"{old_id} and {into_id} are not the same kind of entity")
    if old_id == into_id:
        raise MergeLineError(f"{old_id} is merged into itself")
    if old_id[0] != "A":
        return None
    return MergedId(old_id, into_id, merge_date)


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="")


def iter_merged_ids(path: Path, report: ImportReport) -> Iterator[tuple[int, MergedId]]:
    """(line, merged author id) for each good author row; bad lines are reported."""
    name = str(path)
    try:
        stream = _open_text(path)
    except OSError as exc:
        report.bad(path=name, line=0, reason=f"cannot open: {exc.strerror or exc}")
        return
    with stream:
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
            if header is None:
                return
            if [h.strip().lower() for h in header] != HEADER:
                report.bad(
                    path=name,
                    line=1,
                    reason="not a merged-ids file: the header must be merge_date,id,merge_into_id",
                )
                return
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                report.read += 1
                try:
                    merged = parse_merged_row(row)
                except MergeLineError as exc:
                    report.bad(path=name, line=reader.line_num, reason=str(exc))
                    continue
                if merged is None:
                    report.skipped += 1
                    continue
                yield reader.line_num, merged
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
            report.bad(path=name, line=reader.line_num, reason=f"cannot read: {exc}")


def load_merged_ids(items: list[MergedId]) -> MergedLoad:
    """Store the mappings (the latest merge of an id wins) and apply them to the records."""
    result = MergedLoad()
    latest: dict[str, MergedId] = {}
    for item in items:
        held = latest.get(item.old_id)
        if held is None or item.merge_date >= held.merge_date:
            latest[item.old_id] = item
    result.skipped = len(items) - len(latest)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO works_mergedauthorid AS m (old_id, into_id, merge_date, imported_at)
            SELECT * , now() FROM unnest(%s::text[], %s::text[], %s::date[])
            ORDER BY 1
            ON CONFLICT (old_id) DO UPDATE SET
                into_id = EXCLUDED.into_id, merge_date = EXCLUDED.merge_date, imported_at = now()
            WHERE EXCLUDED.merge_date >= m.merge_date AND EXCLUDED.into_id <> m.into_id
            RETURNING (xmax = 0)
            """,
            [
                [m.old_id for m in latest.values()],
                [m.into_id for m in latest.values()],
                [m.merge_date for m in latest.values()],
            ],
        )
        inserted = [row[0] for row in cursor.fetchall()]
    result.created = sum(inserted)
    result.updated = len(inserted) - result.created
    result.skipped += len(latest) - len(inserted)
    result.touched = merged_ids_apply(old_ids=list(latest))
    return result


def merged_author_survivors(old_ids: Iterable[str]) -> dict[str, str]:
    """For each of these ids that OpenAlex merged: the id it ends up as (chains followed)."""
    survivors: dict[str, str] = {}
    frontier = {i: i for i in set(old_ids)}  # original id -> id reached so far
    with connection.cursor() as cursor:
        for _ in range(CHAIN_LIMIT):
            if not frontier:
                break
            cursor.execute(
                "SELECT old_id, into_id FROM works_mergedauthorid WHERE old_id = ANY(%s)",
                [list(set(frontier.values()))],
            )
            step = dict(cursor.fetchall())
            moved = {}
            for original, reached in frontier.items():
                if reached in step and step[reached] != original:
                    survivors[original] = step[reached]
                    moved[original] = step[reached]
            frontier = moved
    return survivors


def merged_ids_apply(*, old_ids: list[str]) -> set[int]:
    """Records holding a merged id: take the survivor's id when it has no record; otherwise
    leave both for the candidates job. Returns the records concerned (reported as changed)."""
    survivors = merged_author_survivors(old_ids)
    if not survivors:
        return set()
    touched: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.old_id, m.into_id, o.id, s.id
            FROM unnest(%s::text[], %s::text[]) AS m(old_id, into_id)
            JOIN profiles_researcher o ON o.openalex_id = m.old_id
            LEFT JOIN profiles_researcher s ON s.openalex_id = m.into_id
            ORDER BY o.id
            """,
            [list(survivors), list(survivors.values())],
        )
        for _old, into_id, old_record, survivor_record in cursor.fetchall():
            touched.add(old_record)
            if survivor_record is not None:
                touched.add(survivor_record)
                continue
            # Two merged ids may both be merged into this survivor: the first record takes
            # it, the others keep their ids and meet it in the candidates.
            cursor.execute(
                """
                UPDATE profiles_researcher r SET openalex_id = %s, updated_at = now()
                WHERE r.id = %s AND NOT EXISTS (
                    SELECT 1 FROM profiles_researcher x WHERE x.openalex_id = %s)
                """,
                [into_id, old_record, into_id],
            )
    return touched


def merged_ids_import(*, paths: list[Path], report: ImportReport) -> set[int]:
    """Read every merged-ids file, load it in batches (one transaction each); the records
    concerned are returned for the caller's refresh."""
    touched: set[int] = set()

    def flush(items: list[MergedId]) -> None:
        with transaction.atomic():
            result = load_merged_ids(items)
        report.created += result.created
        report.updated += result.updated
        report.skipped += result.skipped
        touched.update(result.touched)

    batch: list[MergedId] = []
    for path in paths:
        for _line, merged in iter_merged_ids(path, report):
            batch.append(merged)
            if len(batch) >= BATCH:
                flush(batch)
                batch = []
    if batch:
        flush(batch)
    return touched
