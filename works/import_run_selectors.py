"""Reads of import runs for the staff pages: a run's progress from its files, the list of runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.http import Http404

from works.models import ImportFile, ImportFileState, ImportRun

RECENT_FILES = 10
PROBLEM_FILES = 50
RUNS_SHOWN = 50

_STATES = [s.value for s in ImportFileState]


def _state_counts() -> dict[str, Count]:
    return {f"files_{state}": Count("files", filter=Q(files__state=state)) for state in _STATES}


@dataclass(frozen=True)
class RunFigures:
    """What a run's files add up to."""

    files: int
    by_state: dict[str, int]
    read: int
    created: int
    updated: int
    skipped: int
    failed: int
    fields_dropped: int
    bytes_total: int  # of the files to import (unchanged ones are not read)
    bytes_done: int
    first_started: datetime | None
    last_seen: datetime | None  # the latest heartbeat or finish

    @property
    def finished(self) -> bool:
        return not (self.by_state["pending"] or self.by_state["running"])

    @property
    def seconds(self) -> float:
        if self.first_started is None or self.last_seen is None:
            return 0.0
        return max((self.last_seen - self.first_started).total_seconds(), 0.0)

    @property
    def rate(self) -> float | None:
        """Records read per second of wall-clock time, over every worker together."""
        return self.read / self.seconds if self.seconds else None

    @property
    def share_done(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


@dataclass(frozen=True)
class RunProgress:
    run: ImportRun
    figures: RunFigures
    running: list[ImportFile]
    problems: list[ImportFile]  # failed files, and files with rejected records
    problems_total: int
    recent: list[ImportFile]  # the last files finished


def import_run_or_404(run_id: int) -> ImportRun:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such import run")
    return run


def import_run_figures(run: ImportRun) -> RunFigures:
    """The run's counts in one aggregate over its files."""
    files = ImportFile.objects.filter(run=run)
    to_read = ~Q(state=ImportFileState.UNCHANGED)
    totals = files.aggregate(
        files=Count("pk"),
        **{f"files_{state}": Count("pk", filter=Q(state=state)) for state in _STATES},
        read=Coalesce(Sum("read"), 0),
        created=Coalesce(Sum("created"), 0),
        updated=Coalesce(Sum("updated"), 0),
        skipped=Coalesce(Sum("skipped"), 0),
        failed=Coalesce(Sum("failed"), 0),
        fields_dropped=Coalesce(Sum("fields_dropped"), 0),
        bytes_total=Coalesce(Sum("size", filter=to_read), 0),
        bytes_done=Coalesce(
            Sum(
                Case(
                    When(state__in=["done", "failed"], then=F("size")),
                    When(state="running", then=F("bytes_done")),
                    default=0,
                )
            ),
            0,
        ),
        first_started=Min("started_at"),
        last_seen=Max(Coalesce("finished_at", "heartbeat_at")),
    )
    return RunFigures(
        files=totals["files"],
        by_state={state: totals[f"files_{state}"] for state in _STATES},
        read=totals["read"],
        created=totals["created"],
        updated=totals["updated"],
        skipped=totals["skipped"],
        failed=totals["failed"],
        fields_dropped=totals["fields_dropped"],
        bytes_total=totals["bytes_total"],
        bytes_done=totals["bytes_done"],
        first_started=totals["first_started"],
        last_seen=totals["last_seen"],
    )


def import_run_progress(run: ImportRun) -> RunProgress:
    """The run's page: figures, the files importing now, the ones with problems, the last done."""
    files = ImportFile.objects.filter(run=run)
    problems = files.filter(Q(state=ImportFileState.FAILED) | Q(failed__gt=0))
    return RunProgress(
        run=run,
        figures=import_run_figures(run),
        running=list(files.filter(state=ImportFileState.RUNNING).order_by("started_at", "pk")),
        problems=list(problems.order_by("path")[:PROBLEM_FILES]),
        problems_total=problems.count(),
        recent=list(
            files.filter(state=ImportFileState.DONE).order_by("-finished_at", "-pk")[:RECENT_FILES]
        ),
    )


def import_runs_recent() -> QuerySet[ImportRun]:
    """The latest runs, each with its files counted by state and the records read."""
    return ImportRun.objects.annotate(
        files_total=Count("files"),
        **_state_counts(),
        records_read=Coalesce(Sum("files__read"), 0),
    ).order_by("-created_at", "-pk")[:RUNS_SHOWN]
