"""The import loop shared by the JSON sources: read → check → batch → load, in two threads.

A reader thread decodes and checks records (CPU in Python) while the main thread writes the
previous batch (mostly waiting on PostgreSQL, which releases the GIL), so both cores work.
The queue between them is short, so memory is a couple of batches whatever the file size.

A field in an unexpected shape costs only that field: the parser notes it in `Keyed.dropped`
and the record goes on; the notes are reported here as `file:line: field: reason`.

Within a batch a record that appears twice (same source id) is kept once, the newest by its
`updated_date`; the older copy counts as skipped. A batch is one transaction; if PostgreSQL
rejects it (a constraint the checks did not foresee), it is split in halves until the offending
record is alone, and that record is reported and skipped — the rest still lands.

After every `flush_every` records and at the end, researchers touched since the last flush get
their `data_version` bumped and their refresh enqueued (see `works.importers.refresh`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import DataError, IntegrityError, transaction

from works.importers.fields import RecordError
from works.importers.reading import BadLine, InputPosition, iter_json_records, total_size
from works.importers.refresh import RefreshQueue
from works.importers.report import ImportReport, Progress


@dataclass(frozen=True)
class Keyed:
    kind: str
    identity: str
    newness: Any  # comparable; None sorts oldest
    item: Any
    path: str
    line: int
    dropped: list[str] = field(default_factory=list)  # "field: reason", the record is kept


Parser = Callable[[str, int, dict[str, Any]], Keyed | None]
Loader = Callable[[list[Any]], Any]
# Told after every batch: the report so far and the bytes of input consumed (an import run
# records them; the callback decides how often to write).
ProgressListener = Callable[[ImportReport, int], None]

_DONE = object()


def _newer(a: Any, b: Any) -> bool:
    if a is None:
        return False
    return b is None or a > b


def run_pipeline(
    *,
    report: ImportReport,
    paths: list[Path],
    parse: Parser,
    loaders: dict[str, Loader],
    order: Iterable[str],
    batch_size: int = 2000,
    progress: bool = True,
    flush_every: int = 100_000,
    refresh: RefreshQueue | None = None,
    on_progress: ProgressListener | None = None,
) -> ImportReport:
    refresh = refresh or RefreshQueue(report=report)
    order = list(order)
    position = InputPosition()
    messages: queue.Queue[Any] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def produce() -> None:
        pending: dict[str, dict[str, Keyed]] = {kind: {} for kind in order}
        try:
            for path, line, record in iter_json_records(paths, position):
                if stop.is_set():
                    return
                if isinstance(record, BadLine):
                    messages.put(("bad", path, line, record.reason, position.done))
                    continue
                try:
                    keyed = parse(path, line, record)
                except RecordError as exc:
                    messages.put(("bad", path, line, str(exc), position.done))
                    continue
                if keyed is None:
                    messages.put(("ignored", position.done))
                    continue
                if keyed.dropped:
                    messages.put(("dropped", path, line, keyed.dropped))
                batch = pending[keyed.kind]
                held = batch.get(keyed.identity)
                if held is not None:
                    messages.put(("dup", position.done))
                    if not _newer(keyed.newness, held.newness):
                        continue
                batch[keyed.identity] = keyed
                if len(batch) >= batch_size:
                    messages.put(("batch", keyed.kind, list(batch.values()), position.done))
                    pending[keyed.kind] = {}
            for kind in order:
                if pending[kind]:
                    messages.put(("batch", kind, list(pending[kind].values()), position.done))
        except BaseException as exc:  # handed to the main thread, which re-raises it
            messages.put(("error", exc))
        finally:
            messages.put(_DONE)

    bar = Progress(total_bytes=total_size(paths), label=report.source, enabled=progress)
    since_flush = 0
    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            message = messages.get()
            if message is _DONE:
                break
            tag = message[0]
            if tag == "error":
                raise message[1]
            if tag == "dropped":
                _, path, line, reasons = message
                for reason in reasons:
                    report.field_dropped(path=path, line=line, reason=reason)
                continue
            if tag == "bad":
                _, path, line, reason, done = message
                report.read += 1
                report.bad(path=path, line=line, reason=reason)
            elif tag in ("ignored", "dup"):
                report.read += 1
                report.skipped += 1
                done = message[1]
            else:
                _, kind, items, done = message
                report.read += len(items)
                _load_bisecting(report, refresh, loaders[kind], items)
                since_flush += len(items)
                if since_flush >= flush_every:
                    refresh.flush()
                    since_flush = 0
            bar.update(done_bytes=done, records=report.read)
            if on_progress is not None:
                on_progress(report, done)
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                messages.get(timeout=0.1)
        bar.close()
        refresh.flush()
    return report


def _load_bisecting(
    report: ImportReport, refresh: RefreshQueue, loader: Loader, items: list[Keyed]
) -> None:
    try:
        with transaction.atomic():
            result = loader([k.item for k in items])
    # psycopg's own errors too: COPY runs on the raw psycopg cursor, outside Django's wrapper.
    except (IntegrityError, DataError, psycopg.IntegrityError, psycopg.DataError) as exc:
        if len(items) == 1:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            report.bad(path=items[0].path, line=items[0].line, reason=f"rejected: {reason}")
            return
        middle = len(items) // 2
        _load_bisecting(report, refresh, loader, items[:middle])
        _load_bisecting(report, refresh, loader, items[middle:])
        return
    report.created += result.created
    report.updated += result.updated
    report.skipped += result.skipped
    refresh.add(result.touched)
