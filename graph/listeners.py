"""How the graph app reacts when researchers change (registered in `GraphConfig.ready`).

The data layer announces changes through `profiles.services.refresh.researchers_changed`; this
listener builds, ahead of the next visit, every slice the change made stale: after an import
all the changed researchers' slices (many people at once, whose first visitors would otherwise
all wait), after any other change (the seed, a detached work, a derived-topics refit) the
slices of those who had one before. The work goes through the outbox, so a broker outage
delays it instead of losing it.
"""

from __future__ import annotations

from django.db.models import F

from graph.models import GraphSlice
from profiles.services.outbox import outbox_send_on_commit
from profiles.services.refresh import ChangeReason

PRECOMPUTE_TASK = "graph.tasks.precompute_graph_slices"
# One task per chunk, so a task stays short (a killed worker loses little, and the broker's
# visibility timeout is never reached by a long one).
PRECOMPUTE_CHUNK = 100


def slices_precompute_on_change(*, researcher_ids: list[int], reason: ChangeReason) -> None:
    """Owe the precompute of the slices this change made stale (outbox rows); never raises
    on a broker outage (the sweeper sends the rows later)."""
    ids = sorted(researcher_ids)
    if reason != ChangeReason.IMPORT:
        ids = sorted(
            set(
                GraphSlice.objects.filter(
                    researcher_id__in=ids, data_version__lt=F("researcher__data_version")
                ).values_list("researcher_id", flat=True)
            )
        )
    for start in range(0, len(ids), PRECOMPUTE_CHUNK):
        outbox_send_on_commit(
            task=PRECOMPUTE_TASK,
            kwargs={"researcher_ids": ids[start : start + PRECOMPUTE_CHUNK]},
        )
