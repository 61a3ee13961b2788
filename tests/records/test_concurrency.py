"""Concurrent merges on real, separate database connections: no deadlock, no work lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from profiles.models import Researcher
from records.services.operations import RecordError, records_merge
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory
from works.models import Authorship


def race(*calls) -> list[str]:
    """Run each call in its own thread (own connection), released together; collect outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcome = "ok"
        except RecordError:
            outcome = "refused"
        except Exception as exc:  # a deadlock or a lost row would land here
            outcome = f"error: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


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
