"""How record repair reacts when researchers change (registered in `RecordsConfig.ready`).

After an import, the records it touched are looked at for duplicates (the pairs involving
them), through the outbox like the graph's precompute: a broker outage delays the job instead
of losing it. Other reasons (merges, splits, undo, the seed) do not bring new names.
"""

from __future__ import annotations

from profiles.services.outbox import outbox_send_on_commit
from profiles.services.refresh import ChangeReason

CANDIDATES_TASK = "records.tasks.find_duplicate_candidates"
# Each task reads every name once (blocking), so fewer, larger chunks than the graph's.
CANDIDATES_CHUNK = 5000


def candidates_on_import(*, researcher_ids: list[int], reason: ChangeReason) -> None:
    """Owe a duplicate-candidates pass over the pairs touching the imported records."""
    if reason != ChangeReason.IMPORT:
        return
    ids = sorted(researcher_ids)
    for start in range(0, len(ids), CANDIDATES_CHUNK):
        outbox_send_on_commit(
            task=CANDIDATES_TASK, kwargs={"researcher_ids": ids[start : start + CANDIDATES_CHUNK]}
        )
