"""After an import, the records it touched are looked at for duplicates (through the outbox)."""

from __future__ import annotations

import pytest

from profiles.models import OutboxMessage
from profiles.services.refresh import ChangeReason
from records.listeners import CANDIDATES_TASK, candidates_on_import
from records.models import DuplicateCandidate
from records.tasks import find_duplicate_candidates
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


@pytest.mark.django_db
def test_an_import_owes_a_candidates_pass_over_the_records_it_touched(unreachable_broker):
    people = [ResearcherFactory() for _ in range(3)]
    candidates_on_import(researcher_ids=[p.pk for p in people], reason=ChangeReason.IMPORT)
    owed = OutboxMessage.objects.get(task=CANDIDATES_TASK)
    assert owed.kwargs == {"researcher_ids": sorted(p.pk for p in people)}


@pytest.mark.django_db
@pytest.mark.parametrize("reason", [ChangeReason.RECORDS_MERGED, ChangeReason.SEED])
def test_other_changes_owe_nothing(reason, unreachable_broker):
    candidates_on_import(researcher_ids=[ResearcherFactory().pk], reason=reason)
    assert not OutboxMessage.objects.filter(task=CANDIDATES_TASK).exists()


@pytest.mark.django_db
def test_the_task_stores_the_pairs_touching_the_given_records():
    a, b = (
        ResearcherFactory(display_name="Esther Duflo"),
        ResearcherFactory(display_name="E. Duflo"),
    )
    c, d = ResearcherFactory(display_name="Mary Smith"), ResearcherFactory(display_name="M. Smith")
    shared = ResearcherFactory()
    for r in (a, b, c, d):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=r, position=0)
        AuthorshipFactory(work=work, researcher=shared, position=1)

    assert find_duplicate_candidates.apply(kwargs={"researcher_ids": [b.pk]}).get() == 1

    assert list(DuplicateCandidate.objects.values_list("low", "high")) == [(a.pk, b.pk)]
