"""Read the record shapes users have: JSON Lines, gzipped part files, API pages, single records.

`iter_json_records(paths)` streams `(path, line, record)` for every record, and
`(path, line, BadLine)` for a line that is not a JSON object; the line number of a JSON Lines file
is its line, that of a record in a whole-file document (an API page `{"meta", "results": […]}`,
a JSON array — pretty-printed, or on one line as `json.dump(records, f)` writes it — or one
pretty-printed record) is its 1-based index in the document. A later line holding an array
gives each of its records that line's number. Whole-file
parsing is used only for small files whose first line is not a complete JSON value; everything
else streams line by line, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import gzip
import io
import queue
import re
import threading
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from works.importers.fields import clean_record

WHOLE_FILE_LIMIT = 256 * 1024 * 1024  # larger documents must be JSON Lines
# The bytes through which a character `clean_text` drops can reach a decoded string: JSON
# escapes of C0 controls, DEL, C1 controls, surrogates and U+FFFE/U+FFFF, `\b`, `\f`, `\r`,
# and the raw UTF-8 of DEL, C1 controls, U+FFFE/U+FFFF and the other line breaks. (Raw C0
# controls are not valid JSON.) Only records whose bytes contain one are walked and cleaned,
# so clean input pays one regular-expression scan.
UNCLEAN_BYTES = re.compile(
    rb"\\u00[0189][0-9a-fA-F]|\\u007[fF]|\\u[dD][89a-fA-F]|\\u[fF]{3}[eEfF]"
    rb"|\\u202[89]|\\[bfr]|\x7f|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]|\xe2\x80[\xa8\xa9]"
)


def decode_record(data: bytes) -> Any:
    """`orjson.loads`, then `clean_record` if the bytes may hold a character that is not text."""
    value = orjson.loads(data)
    return clean_record(value) if UNCLEAN_BYTES.search(data) else value


@dataclass(frozen=True)
class BadLine:
    reason: str


@dataclass
class InputPosition:
    """Bytes of (compressed) input consumed so far, across all paths, for progress reporting."""

    done_before: int = 0
    raw: IO[bytes] | None = None

    @property
    def done(self) -> int:
        return self.done_before + (self.raw.tell() if self.raw is not None else 0)


def expand_paths(paths: Iterable[str | Path], *, suffixes: tuple[str, ...]) -> list[Path]:
    """Files as given, and the matching files under any directory (a snapshot tree), sorted."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.name.endswith(suffixes) and not p.name.startswith(".")
                )
            )
        else:
            found.append(path)
    return found


def total_size(paths: Iterable[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


def _open_text_lines(raw: IO[bytes], path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def iter_json_records(
    paths: Iterable[Path], position: InputPosition | None = None
) -> Iterator[tuple[str, int, dict[str, Any] | BadLine]]:
    position = position or InputPosition()
    for path in paths:
        name = str(path)
        try:
            raw = path.open("rb")
        except OSError as exc:
            yield name, 0, BadLine(f"cannot open: {exc.strerror or exc}")
            continue
        position.raw = raw
        try:
            yield from _iter_file(raw, path, name)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield name, 0, BadLine(f"cannot read: {exc}")
        finally:
            position.done_before += path.stat().st_size
            position.raw = None
            raw.close()


def _iter_file(
    raw: IO[bytes], path: Path, name: str
) -> Iterator[tuple[str, int, dict[str, Any] | BadLine]]:
    stream = _open_text_lines(raw, path)
    # A UTF-8 byte order mark (what some Windows tools write first) is not JSON: drop it.
    first = stream.readline().removeprefix(b"\xef\xbb\xbf")
    blank = 0
    while first and not first.strip():
        blank += 1
        first = stream.readline()
    if not first:
        return
    try:
        first_value: Any = decode_record(first)
        whole_file = False
    except orjson.JSONDecodeError:
        whole_file = True
    if whole_file and path.stat().st_size <= WHOLE_FILE_LIMIT:
        rest = stream.read()
        try:
            document = decode_record(first + rest)
        except orjson.JSONDecodeError:
            # Not one document either: treat it as JSON Lines and report each bad line.
            yield from _iter_lines(io.BytesIO(first + rest), name)
            return
        yield from _document_records(document, name)
        return
    if not whole_file and isinstance(first_value, list):
        # `json.dump(records, f)`: the whole array on one line; its records numbered by index.
        yield from _document_records(first_value, name)
        yield from _iter_lines(stream, name, start=blank + 1)
        return
    if not whole_file and isinstance(first_value, dict) and _is_api_page(first_value):
        yield from _document_records(first_value, name)
        if stream.read(1).strip():
            yield name, 2, BadLine("an API page must be the only JSON value in its file")
        return
    yield from _iter_lines(stream, name, first=first, start=blank)


def _is_api_page(value: dict[str, Any]) -> bool:
    return "results" in value and "meta" in value


def _document_records(
    document: Any, name: str
) -> Iterator[tuple[str, int, dict[str, Any] | BadLine]]:
    if isinstance(document, dict) and _is_api_page(document):
        results = document["results"]
        if not isinstance(results, list):
            yield name, 1, BadLine("results: expected a list")
            return
        items: list[Any] = results
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield name, index, item
        else:
            yield name, index, BadLine(f"expected a JSON object, got {type(item).__name__}")


def _iter_lines(
    stream: IO[bytes], name: str, *, first: bytes | None = None, start: int = 0
) -> Iterator[tuple[str, int, dict[str, Any] | BadLine]]:
    number = start
    lines: Iterable[bytes] = stream if first is None else _chain_first(first, stream)
    for line in lines:
        number += 1
        if not line.strip():
            continue
        try:
            value = decode_record(line)
        except orjson.JSONDecodeError as exc:
            yield name, number, BadLine(json_error_reason(line, exc))
            continue
        if isinstance(value, dict):
            yield name, number, value
        elif isinstance(value, list):  # a line holding an array of records: each is a record
            for item in value:
                if isinstance(item, dict):
                    yield name, number, item
                else:
                    yield (
                        name,
                        number,
                        BadLine(f"expected a JSON object, got {type(item).__name__}"),
                    )
        else:
            yield name, number, BadLine(f"expected a JSON object, got {type(value).__name__}")


def json_error_reason(data: bytes, exc: orjson.JSONDecodeError) -> str:
    """Why `data` is not a JSON value, for the import report.

    orjson reports any invalid UTF-8 as "str is not valid UTF-8: surrogates not allowed"
    (even a lone byte 0xff), which helps nobody find it: say where it is instead, counting
    bytes from 1 at the start of the line.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"invalid UTF-8 at byte {bad.start + 1}"
    return f"malformed JSON: {exc}"


def _chain_first(first: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    yield first
    yield from stream


_READ_AHEAD_END = object()


def read_ahead[T](items: Iterator[T], *, depth: int = 1000) -> Iterator[T]:
    """`items`, produced on a thread of their own up to `depth` ahead of the caller.

    For importers whose reading and parsing is Python work and whose writing mostly waits on
    PostgreSQL (which releases the GIL): the next records are parsed while a batch is written.
    The queue is bounded, so memory does not grow with the input. An exception raised while
    producing is raised here, in the caller; a caller that stops early stops the producer too.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as exc:  # handed to the caller, which raises it
            put((False, exc))
        finally:
            if isinstance(items, Generator):
                items.close()
            put(_READ_AHEAD_END)

    producer = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    producer.start()
    try:
        while (message := handoff.get()) is not _READ_AHEAD_END:
            ok, value = message
            if not ok:
                raise value
            yield value
    finally:
        stop.set()
        producer.join()
