"""Concurrent merges on real, separate database connections: no deadlock, no work lost."""

from __future__ import annotations

import pytest

from profiles.models import Researcher
from records.services.operations import RecordError, records_merge
from tests.concurrency import race
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory
from works.models import Authorship


def _records_with_works(n: int, works_each: int, shared: int) -> list[Researcher]:
    records = [ResearcherFactory() for _ in range(n)]
    for r in records:
        for _ in range(works_each):
            AuthorshipFactory(researcher=r)
    for _ in range(shared):  # works all of them author, so moves collide
        work = WorkFactory()
        for position, r in enumerate(records):
            AuthorshipFactory(work=work, researcher=r, position=position)
    return records


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_it_merges_two_records_into_one_at_once_without_losing_a_work(eager_tasks, round_):
    a, b, c = _records_with_works(3, works_each=30, shared=5)
    works = set(Authorship.objects.values_list("work_id", flat=True))
    moderators = [UserFactory(username=f"mod{i}", is_staff=True) for i in range(2)]

    outcomes = race(
        RecordError,
        lambda: records_merge(source_id=a.pk, target_id=b.pk, actor=moderators[0]),
        lambda: records_merge(source_id=c.pk, target_id=b.pk, actor=moderators[1]),
    )

    assert outcomes == ["ok", "ok"]
    assert list(Researcher.objects.values_list("pk", flat=True)) == [b.pk]
    assert set(b.authorships.values_list("work_id", flat=True)) == works


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_it_serialises_crossing_merges_without_deadlock(eager_tasks, round_):
    a, b, c = _records_with_works(3, works_each=30, shared=5)
    works = set(Authorship.objects.values_list("work_id", flat=True))
    moderator = UserFactory(username="mod", is_staff=True)

    # A→C and C→A lock the same two rows; B→A and A→C a chain: in id order, never crossed.
    outcomes = race(
        RecordError,
        lambda: records_merge(source_id=a.pk, target_id=c.pk, actor=moderator),
        lambda: records_merge(source_id=c.pk, target_id=a.pk, actor=moderator),
        lambda: records_merge(source_id=b.pk, target_id=a.pk, actor=moderator),
    )

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert "ok" in outcomes
    survivors = list(Researcher.objects.all())
    held = set(
        Authorship.objects.filter(researcher__in=survivors).values_list("work_id", flat=True)
    )
    assert held == works
