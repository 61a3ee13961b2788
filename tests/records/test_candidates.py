"""Possible duplicates: compatible names plus something shared; never a name alone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from records.models import CandidateState, DuplicateCandidate
from records.services.candidates import candidates_find, name_pairs
from tests.factories import AuthorshipFactory, InstitutionFactory, ResearcherFactory, WorkFactory


def test_it_pairs_compatible_names_only():
    names = [(1, "Esther Duflo"), (2, "E. Duflo"), (3, "Esther Dufloe"), (4, "Mary Smith")]
    assert list(name_pairs(names)) == [(1, 2, False)]


def test_it_pairs_only_the_given_records_after_an_import():
    names = [(1, "Esther Duflo"), (2, "E. Duflo"), (3, "Duflo, E.")]
    assert [(a, b) for a, b, _ in name_pairs(names, only={3})] == [(1, 3), (2, 3)]


def _coauthored(a, b, *, with_):
    for r in (a, b):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=r, position=0)
        AuthorshipFactory(work=work, researcher=with_, position=1)


@pytest.mark.django_db
def test_it_proposes_compatible_names_with_a_shared_coauthor():
    big = ResearcherFactory(display_name="Esther Duflo")
    small = ResearcherFactory(display_name="E. Duflo")
    _coauthored(big, small, with_=ResearcherFactory(display_name="Abhijit Banerjee"))

    run = candidates_find()

    candidate = DuplicateCandidate.objects.get()
    assert (candidate.low_id, candidate.high_id) == (big.pk, small.pk)
    assert "1 shared co-author" in candidate.reasons
    assert 0 < candidate.score <= 1
    assert run.name_pairs == 1


@pytest.mark.django_db
def test_it_counts_shared_institutions():
    big = ResearcherFactory(display_name="Esther Duflo")
    small = ResearcherFactory(display_name="Esther Duflo")
    mit = InstitutionFactory()
    for r in (big, small):
        AuthorshipFactory(researcher=r).institutions.add(mit)

    candidates_find()

    assert DuplicateCandidate.objects.get().reasons == ["The same name", "1 shared institution"]


@pytest.mark.django_db
def test_it_never_proposes_a_name_alone_nor_two_authors_of_one_paper():
    ResearcherFactory(display_name="Wei Zhang")
    AuthorshipFactory(researcher=ResearcherFactory(display_name="W. Zhang"))
    a = ResearcherFactory(display_name="Mary Smith")
    b = ResearcherFactory(display_name="M. Smith")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=a, position=0)
    AuthorshipFactory(work=work, researcher=b, position=1)

    candidates_find()

    assert not DuplicateCandidate.objects.exists()


@pytest.mark.django_db
def test_a_dismissed_pair_stays_dismissed():
    big = ResearcherFactory(display_name="Esther Duflo")
    small = ResearcherFactory(display_name="E. Duflo")
    _coauthored(big, small, with_=ResearcherFactory())
    candidates_find()
    DuplicateCandidate.objects.update(state=CandidateState.DISMISSED)

    candidates_find()

    assert DuplicateCandidate.objects.get().state == CandidateState.DISMISSED


@pytest.mark.django_db
def test_a_run_refreshes_found_pairs_and_a_full_run_drops_the_stale_unrequested_ones():
    big = ResearcherFactory(display_name="Esther Duflo")
    small = ResearcherFactory(display_name="E. Duflo")
    _coauthored(big, small, with_=ResearcherFactory())
    stale = DuplicateCandidate.objects.create(
        low=ResearcherFactory(), high=ResearcherFactory(), score=0.5, reasons=["old"]
    )
    asked = DuplicateCandidate.objects.create(
        low=ResearcherFactory(),
        high=ResearcherFactory(),
        score=0.5,
        reasons=["old"],
        requested_at=timezone.now(),
    )
    candidates_find(researcher_ids=[small.pk])  # after an import: nothing else is removed
    assert DuplicateCandidate.objects.filter(pk=stale.pk).exists()
    found = DuplicateCandidate.objects.get(low=big, high=small)
    DuplicateCandidate.objects.filter(pk=found.pk).update(score=0.01, reasons=["stale"])

    candidates_find()

    found.refresh_from_db()
    assert found.reasons == ["Compatible names (initials or variants)", "1 shared co-author"]
    assert found.score > 0.01
    assert not DuplicateCandidate.objects.filter(pk=stale.pk).exists()
    assert DuplicateCandidate.objects.filter(pk=asked.pk).exists()
