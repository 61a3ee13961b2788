"""The graph app's reaction to changed researchers: slices built ahead after an import only."""

from __future__ import annotations

from unittest import mock

import pytest

from graph.listeners import slices_precompute_on_change
from profiles.services.refresh import ChangeReason


def test_an_import_enqueues_the_precompute_of_the_changed_researchers_slices():
    with mock.patch("graph.tasks.precompute_graph_slices.apply_async") as sent:
        slices_precompute_on_change(researcher_ids=[3, 5], reason=ChangeReason.IMPORT)
    assert sent.call_args.kwargs == {"kwargs": {"researcher_ids": [3, 5]}, "retry": False}


@pytest.mark.parametrize(
    "reason", [ChangeReason.SEED, ChangeReason.WORK_DETACHED, ChangeReason.DERIVED_TOPICS]
)
def test_other_changes_leave_the_slice_to_be_cut_when_viewed(reason):
    with mock.patch("graph.tasks.precompute_graph_slices.apply_async") as sent:
        slices_precompute_on_change(researcher_ids=[3], reason=reason)
    assert not sent.called


def test_an_unreachable_broker_does_not_raise(unreachable_broker):
    slices_precompute_on_change(researcher_ids=[3], reason=ChangeReason.IMPORT)


def test_the_listener_is_registered_at_start():
    from profiles.services import refresh

    assert refresh._LISTENERS["graph.slices_precompute"] is slices_precompute_on_change
