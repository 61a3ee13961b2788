"""A work the owner flagged "not mine" leaves the record's citation metrics once accepted."""

from __future__ import annotations

from claims.services.flags import work_flag_accept, work_flag_raise
from profiles.models import TrustSnapshot
from profiles.services.trust import trust_recompute
from profiles.tasks import drain_refresh_requests
from tests.factories import AuthorshipFactory, WorkFactory


def test_an_accepted_not_mine_flag_drops_the_work_from_the_metrics(
    owner, record, moderator, eager_tasks, django_capture_on_commit_callbacks
):
    AuthorshipFactory(researcher=record, work=WorkFactory(cited_by_count=30, publication_year=2020))
    namesake = AuthorshipFactory(
        researcher=record, work=WorkFactory(cited_by_count=500, publication_year=2021)
    )
    trust_recompute(researcher_ids=[record.pk])
    assert TrustSnapshot.objects.get(pk=record.pk).citations_total == 530
    flag = work_flag_raise(researcher=record, work_id=namesake.work_id, user=owner, note="Not me")
    with django_capture_on_commit_callbacks(execute=True):
        work_flag_accept(flag_id=flag.pk, moderator=moderator)
    # The accepted flag reports the record changed; the worker (its drain) recomputes it.
    drain_refresh_requests()
    snapshot = TrustSnapshot.objects.get(pk=record.pk)
    assert (snapshot.citations_total, snapshot.h_index, snapshot.i10_index) == (30, 1, 1)
    assert [row["year"] for row in snapshot.per_year] == [2020]
