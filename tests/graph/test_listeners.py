"""The graph app's reaction to changed researchers: every slice the change made stale is
built ahead, through the outbox (so a broker outage delays it and loses nothing)."""

from __future__ import annotations

import pytest
from django.db.models import F

from graph.drawing import PAYLOAD_VERSION
from graph.listeners import PRECOMPUTE_CHUNK, PRECOMPUTE_TASK, slices_precompute_on_change
from graph.models import GraphSlice
from profiles.models import OutboxMessage, Researcher
from profiles.services.refresh import ChangeReason
from tests.factories import ResearcherFactory


def owed_ids() -> list[int]:
    return sorted(
        i
        for kwargs in OutboxMessage.objects.filter(task=PRECOMPUTE_TASK).values_list(
            "kwargs", flat=True
        )
        for i in kwargs["researcher_ids"]
    )


def test_an_import_owes_the_precompute_of_every_changed_researcher(db, unreachable_broker):
    people = [ResearcherFactory() for _ in range(PRECOMPUTE_CHUNK + 1)]
    slices_precompute_on_change(researcher_ids=[p.pk for p in people], reason=ChangeReason.IMPORT)
    assert owed_ids() == sorted(p.pk for p in people)
    # In chunks, so one task stays short; with the broker down they stay owed (not raised).
    assert OutboxMessage.objects.filter(task=PRECOMPUTE_TASK, sent_at=None).count() == 2


@pytest.mark.parametrize(
    "reason", [ChangeReason.SEED, ChangeReason.WORK_DETACHED, ChangeReason.DERIVED_TOPICS]
)
def test_other_changes_rebuild_only_the_slices_they_made_stale(db, reason, unreachable_broker):
    had_slice, never_viewed = ResearcherFactory(), ResearcherFactory()
    GraphSlice.objects.create(researcher=had_slice, data_version=1, payload_version=PAYLOAD_VERSION)
    Researcher.objects.filter(pk__in=[had_slice.pk, never_viewed.pk]).update(
        data_version=F("data_version") + 1
    )
    slices_precompute_on_change(researcher_ids=[had_slice.pk, never_viewed.pk], reason=reason)
    assert owed_ids() == [had_slice.pk]


def test_a_current_slice_is_not_rebuilt(db):
    me = ResearcherFactory()
    GraphSlice.objects.create(researcher=me, data_version=1, payload_version=PAYLOAD_VERSION)
    slices_precompute_on_change(researcher_ids=[me.pk], reason=ChangeReason.SEED)
    assert owed_ids() == []


def test_the_listener_is_registered_at_start():
    from profiles.services import refresh

    assert refresh._LISTENERS["graph.slices_precompute"] is slices_precompute_on_change
