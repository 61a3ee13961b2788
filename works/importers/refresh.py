"""After an import: report the touched researchers as changed, in chunks, as the import goes.

Each chunk of `CHUNK` ids is one `researchers_changed` call in its own transaction: their
`data_version` goes up (derived artefacts such as graph slices are keyed by it, so a stale one
stops being served), their refresh is recorded, and on commit the drain is scheduled and the
listeners (the graph app's slice precompute) are told. A broker that cannot be reached does not
undo the import: the refresh stays recorded and the report carries a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction

from profiles.services.refresh import (
    ChangeReason,
    DrainScheduling,
    ResearchersChange,
    researchers_changed,
)
from works.importers.report import ImportReport, TouchedResearchers

CHUNK = 500


class RefreshQueue:
    def __init__(self, *, report: ImportReport, enqueue: bool = True) -> None:
        self.report = report
        self.enqueue = enqueue  # False: only bump the versions (see researchers_changed)
        self.pending = TouchedResearchers()
        self.ever = TouchedResearchers()  # distinct over the whole run, for the summary
        self.not_enqueued = 0
        self.held = False  # True: flush() keeps the ids until released (bulk mode's finish)

    def add(self, researcher_ids: Iterable[int]) -> None:
        self.pending.add(list(researcher_ids))

    def flush(self) -> None:
        if self.held or not len(self.pending):
            return
        ids = list(self.pending)
        self.pending.clear()
        self.ever.add(ids)
        self.report.researchers_touched = len(self.ever)
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                change = researchers_changed(
                    researcher_ids=ids[start : start + CHUNK],
                    reason=ChangeReason.IMPORT,
                    refresh=self.enqueue,
                )
                if self.enqueue:  # after researchers_changed's own callbacks, so it sees them
                    transaction.on_commit(partial(self._warn_if_unscheduled, change))

    def _warn_if_unscheduled(self, change: ResearchersChange) -> None:
        if change.drain != DrainScheduling.UNREACHABLE:
            return
        self.not_enqueued += len(change.researcher_ids)
        self.report.warnings = [w for w in self.report.warnings if not w.startswith("refresh")]
        self.report.warnings.append(
            f"refresh of {self.not_enqueued} researchers not enqueued (broker unreachable: "
            f"{change.error}); it is recorded and runs once the worker can be reached, and their "
            "data_version was bumped, so stale figures are not served as fresh"
        )
