"""How the graph app reacts when researchers change (registered in `GraphConfig.ready`).

The data layer announces changes through `profiles.services.refresh.researchers_changed`; this
listener builds the changed researchers' slices ahead of the next visit, after commit.
"""

from __future__ import annotations

import logging

from profiles.services.refresh import QUEUE_ERRORS, ChangeReason

logger = logging.getLogger(__name__)


# An import touches many researchers at once, whose slices would otherwise all be cut on their
# first view; so their slices are built ahead. One record that changed (the seed, a detached
# work) is cut when its profile is viewed, and a derived-topics refit can move most of the
# corpus at once: those are not precomputed.
PRECOMPUTE_REASONS = frozenset({ChangeReason.IMPORT})


def slices_precompute_on_change(*, researcher_ids: list[int], reason: ChangeReason) -> None:
    """Enqueue the precompute of these researchers' slices; never raises on a broker outage."""
    if reason not in PRECOMPUTE_REASONS:
        return
    # Imported here: the tasks module loads scipy for the worker, which a web process or a
    # management command registering this listener at start does not need.
    from graph.tasks import precompute_graph_slices

    try:
        precompute_graph_slices.apply_async(kwargs={"researcher_ids": researcher_ids}, retry=False)
    except QUEUE_ERRORS:
        # Nothing is lost: a slice is cut on demand when its profile is viewed.
        logger.warning("could not enqueue %s graph slice precomputes", len(researcher_ids))
