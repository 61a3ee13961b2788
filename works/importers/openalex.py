"""Import OpenAlex records: works, authors, institutions, sources and topics, in any mix.

Accepted shapes: API result pages (`{"meta", "results": […]}`), JSON Lines, the snapshot's
gzipped part files (`…/updated_date=…/part_000.gz`, a directory is searched for them), single
pretty-printed records. The entity kind is read from each record's id (W, A, I, S, T); other
kinds (funders, publishers, concepts) are counted as skipped. Batches are loaded entities
first, works last, so a work finds the authors and institutions of the same run.

The snapshot's merged-ids files (`merged_ids/authors/*.csv.gz`, any `.csv`/`.csv.gz` given or
found under a directory) are loaded before everything else, so the works of the same run are
credited to the surviving authors (`works.importers.openalex_merged`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from works.importers.openalex_bulk import bulk_load_begin, bulk_load_finish
from works.importers.openalex_load import (
    load_authors,
    load_institutions,
    load_sources,
    load_topics,
    load_works,
)
from works.importers.openalex_merged import is_merged_ids_file, merged_ids_import
from works.importers.openalex_records import (
    ParsedAuthor,
    ParsedInstitution,
    ParsedSource,
    ParsedTopic,
    ParsedWork,
    parse_record,
)
from works.importers.pipeline import Keyed, ProgressListener, run_pipeline
from works.importers.reading import expand_paths
from works.importers.refresh import RefreshQueue
from works.importers.report import ImportReport

SUFFIXES = (".json", ".jsonl", ".gz", ".ndjson", ".csv")
ORDER = ["I", "S", "T", "A", "W"]


def _keyed(path: str, line: int, record: dict[str, Any]) -> Keyed | None:
    parsed = parse_record(path, line, record)
    if parsed is None:
        return None
    if isinstance(parsed, ParsedWork):
        return Keyed(
            "W", parsed.openalex_id, parsed.updated_date, parsed, path, line, parsed.dropped
        )
    if isinstance(parsed, ParsedAuthor):
        return Keyed(
            "A", parsed.openalex_id, parsed.updated_date, parsed, path, line, parsed.dropped
        )
    if isinstance(parsed, ParsedInstitution):
        return Keyed(
            "I", parsed.values.openalex_id, parsed.updated_date, parsed, path, line, parsed.dropped
        )
    if isinstance(parsed, ParsedSource):
        return Keyed(
            "S", parsed.values.openalex_id, parsed.updated_date, parsed, path, line, parsed.dropped
        )
    assert isinstance(parsed, ParsedTopic)
    return Keyed("T", parsed.values.external_id, None, parsed, path, line, parsed.dropped)


def openalex_import(
    *,
    paths: Iterable[str | Path],
    batch_size: int = 2000,
    progress: bool = True,
    enqueue_refresh: bool = True,
    error_stream: TextIO | None = None,
    on_progress: ProgressListener | None = None,
    bulk: bool = False,
) -> ImportReport:
    """Upsert every OpenAlex record under `paths`; returns the counts and the bad records.

    `bulk`: a first load into an empty database, indexes built after
    (`works.importers.openalex_bulk`; raises `BulkLoadError` when the database holds works)."""
    report = ImportReport(source="openalex", error_stream=error_stream)
    found = expand_paths(paths, suffixes=SUFFIXES)
    refresh = RefreshQueue(report=report, enqueue=enqueue_refresh)
    if bulk:
        bulk_load_begin()
        # Refreshes read the works tables: not before their indexes are back.
        refresh.held = True
    try:
        merged = [p for p in found if is_merged_ids_file(p)]
        if merged:
            refresh.add(merged_ids_import(paths=merged, report=report))
        return run_pipeline(
            report=report,
            paths=[p for p in found if not is_merged_ids_file(p)],
            parse=_keyed,
            loaders={
                "W": partial(load_works, bulk=bulk),
                "A": load_authors,
                "I": load_institutions,
                "S": load_sources,
                "T": load_topics,
            },
            order=ORDER,
            batch_size=batch_size,
            progress=progress,
            refresh=refresh,
            on_progress=on_progress,
        )
    finally:
        if bulk:
            finish = bulk_load_finish()
            report.notes.append(
                f"bulk load finished in {finish.seconds:.0f}s: {finish.citations} citation "
                f"edges written, {finish.rebuilt} indexes and foreign keys built"
            )
            refresh.held = False
            refresh.flush()
