"""What an import run tells its user: counts, bad records, progress, and who it touched.

`ImportReport` counts records (read, created, updated, skipped = already up to date or older than
what is stored, failed = bad input, reported and left out; fields dropped = fields of records that
did land, left out for their shape) and keeps the first bad records for the
summary; every bad record is also written to the error stream as it is found, so memory does not
grow with the number of errors. `Progress` is a tqdm bar (rate, ETA) on a terminal and a plain line
every few seconds otherwise. `TouchedResearchers` is a bitmap of researcher ids, so remembering
who an import touched costs one bit per id, not a Python int per researcher.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from tqdm import tqdm

logger = logging.getLogger("works.importers")

KEPT_ERRORS = 50  # bad records kept for the summary; all of them go to the error stream


@dataclass(frozen=True)
class BadRecord:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    source: str
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    fields_dropped: int = 0
    errors: list[BadRecord] = field(default_factory=list)
    drops: list[BadRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the import went, not a problem
    researchers_touched: int = 0
    error_stream: TextIO | None = None

    def bad(self, *, path: str, line: int, reason: str) -> None:
        """A record left out: counted, kept for the summary (first few) and reported at once."""
        self.failed += 1
        record = BadRecord(path=path, line=line, reason=reason)
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(record)
        stream = self.error_stream or sys.stderr
        print(f"skipped {record}", file=stream)

    def field_dropped(self, *, path: str, line: int, reason: str) -> None:
        """A field left out of a record that still lands: counted and reported, not a failure."""
        self.fields_dropped += 1
        record = BadRecord(path=path, line=line, reason=reason)
        if len(self.drops) < KEPT_ERRORS:
            self.drops.append(record)
        stream = self.error_stream or sys.stderr
        print(f"{record} (field dropped, record kept)", file=stream)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        line = (
            f"{self.source}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"skipped {self.skipped}, failed {self.failed}; fields dropped: {self.fields_dropped}; "
            f"{self.researchers_touched} researchers to refresh"
        )
        return "\n".join(
            [line, *(f"note: {n}" for n in self.notes), *(f"warning: {w}" for w in self.warnings)]
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "fields_dropped": self.fields_dropped,
            "researchers_touched": self.researchers_touched,
            "errors": [str(e) for e in self.errors],
            "drops": [str(e) for e in self.drops],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


class Progress:
    """Bytes of input consumed, with records/s: a bar on a TTY, periodic plain lines otherwise."""

    def __init__(
        self,
        *,
        total_bytes: int,
        label: str,
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float = 10.0,
    ) -> None:
        self.stream = stream or sys.stderr
        self.total = total_bytes
        self.label = label
        self.enabled = enabled
        self.interval = interval
        self.started = time.monotonic()
        self.last_line = self.started
        self.done = 0
        self.records = 0
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar: tqdm | None = None
        if enabled and is_tty:
            self.bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=label,
                file=self.stream,
                dynamic_ncols=True,
            )

    def update(self, *, done_bytes: int, records: int) -> None:
        if not self.enabled:
            return
        step = done_bytes - self.done
        self.done = done_bytes
        self.records = records
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(step)
            self.bar.set_postfix_str(f"{records / max(now - self.started, 1e-9):,.0f} records/s")
        elif now - self.last_line >= self.interval:
            self.last_line = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        share = self.done / self.total if self.total else 0.0
        eta = elapsed * (1 - share) / share if share > 0 else float("nan")
        return (
            f"{self.label}: {self.records:,} records, {rate:,.0f}/s, {share:.1%} of input, "
            f"ETA {eta:,.0f}s"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and self.records:
            print(self.line(time.monotonic()), file=self.stream, flush=True)


class TouchedResearchers:
    """A growable bitmap of researcher ids: memory is one bit per id, whatever the file size."""

    def __init__(self) -> None:
        self.bits = bytearray()
        self.count = 0

    def add(self, ids: Iterator[int] | list[int] | set[int]) -> None:
        bits = self.bits
        for researcher_id in ids:
            byte, bit = divmod(researcher_id, 8)
            if byte >= len(bits):
                bits.extend(bytes(max(byte + 1 - len(bits), len(bits) // 2 + 1024)))
            mask = 1 << bit
            if not bits[byte] & mask:
                bits[byte] |= mask
                self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        for byte_index, value in enumerate(self.bits):
            if value:
                base = byte_index * 8
                for bit in range(8):
                    if value & (1 << bit):
                        yield base + bit

    def clear(self) -> None:
        self.bits = bytearray()
        self.count = 0
