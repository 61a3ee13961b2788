"""After an import: bump the touched researchers' `data_version` and enqueue their refresh.

Derived artefacts (graph slices, trust figures) are keyed by `data_version`, so bumping it is
what makes a stale one stop being served. The refresh itself is the worker's job:
`profiles.tasks.refresh_researchers` and `graph.tasks.precompute_graph_slices`, each enqueued
on commit in chunks of `CHUNK` ids. A broker that cannot be reached does not undo the import:
the report carries a warning naming how many researchers were not enqueued.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerError

from works.importers.report import ImportReport, TouchedResearchers

CHUNK = 500


class RefreshQueue:
    def __init__(self, *, report: ImportReport, enqueue: bool = True) -> None:
        self.report = report
        self.enqueue = enqueue
        self.pending = TouchedResearchers()
        self.ever = TouchedResearchers()  # distinct over the whole run, for the summary
        self.not_enqueued = 0

    def add(self, researcher_ids: Iterable[int]) -> None:
        self.pending.add(list(researcher_ids))

    def flush(self) -> None:
        if not len(self.pending):
            return
        ids = list(self.pending)
        self.pending.clear()
        self.ever.add(ids)
        self.report.researchers_touched = len(self.ever)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE profiles_researcher SET data_version = data_version + 1 "
                        "WHERE id = ANY(%s)",
                        [chunk],
                    )
                if self.enqueue:
                    transaction.on_commit(functools.partial(self._enqueue, chunk))

    def _enqueue(self, researcher_ids: list[int]) -> None:
        from graph.tasks import precompute_graph_slices
        from profiles.tasks import refresh_researchers

        try:
            refresh_researchers.delay(researcher_ids=researcher_ids)
            precompute_graph_slices.delay(researcher_ids=researcher_ids)
        except BrokerError as exc:
            self.not_enqueued += len(researcher_ids)
            self.report.warnings = [w for w in self.report.warnings if not w.startswith("refresh")]
            self.report.warnings.append(
                f"refresh of {self.not_enqueued} researchers not enqueued (broker unreachable: "
                f"{exc}); their data_version was bumped, so stale figures are not served as fresh"
            )
