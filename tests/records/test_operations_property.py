"""Merge-then-undo and split-then-undo leave the database exactly as it was (hypothesis).

Each example builds a random world of records (works with shared authors, follows, claims with
their events, flags, employments, a trust snapshot, a duplicate candidate) inside a savepoint,
compares every row of every table of our apps before and after, and rolls back.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from records.services.operations import RecordError, operation_undo, records_merge, records_split
from tests.records.world import database_rows, world_build, worlds

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class _Rollback(Exception):
    pass


def _in_savepoint(check):
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


@PROPERTY
@given(plan=worlds(), data=st.data())
def test_it_restores_everything_after_merge_then_undo(plan, data, moderator):
    def check():
        world = world_build(plan)
        records = world["records"]
        source, target = data.draw(st.permutations(records)).__getitem__(slice(0, 2))
        before = database_rows()
        try:
            operation = records_merge(source_id=source.pk, target_id=target.pk, actor=moderator)
        except RecordError:
            assert database_rows() == before  # a refusal changes nothing
            return
        assert database_rows() != before
        operation_undo(operation_id=operation.pk, actor=moderator)
        assert database_rows() == before

    _in_savepoint(check)


@PROPERTY
@given(plan=worlds(), data=st.data())
def test_it_restores_everything_after_split_then_undo(plan, data, moderator):
    def check():
        world = world_build(plan)
        records = world["records"]
        source = data.draw(st.sampled_from(records))
        held = list(source.authorships.values_list("work_id", flat=True))
        if not held:
            return
        work_ids = data.draw(st.lists(st.sampled_from(held), min_size=1, unique=True))
        others = [r for r in records if r.pk != source.pk]
        target = data.draw(st.sampled_from([None, *others]))
        before = database_rows()
        operation = records_split(
            source_id=source.pk,
            work_ids=work_ids,
            target_id=target.pk if target else None,
            actor=moderator,
        )
        assert database_rows() != before
        operation_undo(operation_id=operation.pk, actor=moderator)
        assert database_rows() == before

    _in_savepoint(check)
