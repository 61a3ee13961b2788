"""Accepting "not mine" flags by moving their works to another record: the service (a split,
undone exactly) and the page (every visitor of the cast)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimState, FlagState, WorkFlag
from claims.services.mail import SEND_EMAIL_TASK
from profiles.models import OutboxMessage, Researcher
from records.models import Operation, OperationKind
from records.services.flag_moves import work_flags_accept_moving
from records.services.operations import RecordError, operation_undo
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory
from works.models import Authorship

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", email="owner@example.org")


@pytest.fixture
def mixed(owner):
    """An owned record with four works, two of them flagged "not mine" by its owner."""
    record = ResearcherFactory(display_name="Wei Zhang", slug="wei-zhang")
    Claim.objects.create(
        user=owner, researcher=record, state=ClaimState.APPROVED, claimant_name="Wei Zhang"
    )
    works = [AuthorshipFactory(researcher=record).work for _ in range(4)]
    for work in works[:2]:
        WorkFlag.objects.create(researcher=record, work=work, raised_by=owner, note="A namesake")
    return record


@pytest.fixture
def namesake(db):
    record = ResearcherFactory(display_name="Wei Zhang", slug="wei-zhang-2")
    AuthorshipFactory(researcher=record)
    return record


def _state():
    return (
        list(Authorship.objects.order_by("pk").values_list()),
        list(WorkFlag.objects.order_by("pk").values_list()),
        sorted(Researcher.objects.values_list("pk", "slug", "display_name")),
    )


def test_it_moves_the_flagged_works_to_an_existing_record_and_accepts_the_flags(
    mixed, namesake, moderator, owner
):
    flags = list(WorkFlag.objects.order_by("pk"))
    flagged_works = {f.work_id for f in flags}

    operation = work_flags_accept_moving(
        flag_ids=[f.pk for f in flags], target_id=namesake.pk, actor=moderator, reason="His"
    )

    assert operation.kind == OperationKind.SPLIT
    assert operation.requested_by == owner  # the owner may see and undo it
    assert set(namesake.authorships.values_list("work_id", flat=True)) >= flagged_works
    assert not mixed.authorships.filter(work_id__in=flagged_works).exists()
    assert mixed.authorships.count() == 2
    for flag in WorkFlag.objects.all():
        assert flag.state == FlagState.ACCEPTED
        assert flag.researcher_id == mixed.pk  # about the record it was raised on
        assert flag.moved_by_operation == operation.pk
    mails = OutboxMessage.objects.filter(task=SEND_EMAIL_TASK)
    assert [m.kwargs["to"] for m in mails] == [["owner@example.org"]] * 2
    assert 'moved to "Wei Zhang"' in mails[0].kwargs["body"]


def test_undo_puts_the_works_and_the_pending_flags_back_exactly(mixed, namesake, moderator):
    before = _state()
    operation = work_flags_accept_moving(
        flag_ids=list(WorkFlag.objects.values_list("pk", flat=True)),
        target_id=namesake.pk,
        actor=moderator,
    )
    assert _state() != before

    operation_undo(operation_id=operation.pk, actor=moderator)

    assert _state() == before
    assert WorkFlag.objects.filter(state=FlagState.PENDING).count() == 2


def test_it_moves_to_a_new_record_and_undo_removes_it(mixed, moderator):
    before = _state()
    flag = WorkFlag.objects.order_by("pk").first()

    operation = work_flags_accept_moving(
        flag_ids=[flag.pk], new_name="Wei Zhang (Shanghai)", actor=moderator
    )

    created = Researcher.objects.get(pk=operation.target_id)
    assert created.display_name == "Wei Zhang (Shanghai)"
    assert list(created.authorships.values_list("work_id", flat=True)) == [flag.work_id]
    operation_undo(operation_id=operation.pk, actor=moderator)
    assert _state() == before


def test_it_refuses_a_flag_decided_meanwhile_and_changes_nothing(mixed, namesake, moderator):
    flag = WorkFlag.objects.order_by("pk").first()
    WorkFlag.objects.filter(pk=flag.pk).update(state=FlagState.DISMISSED, reason="no")
    before = _state()

    with pytest.raises(RecordError, match="decided meanwhile"):
        work_flags_accept_moving(flag_ids=[flag.pk], target_id=namesake.pk, actor=moderator)

    assert _state() == before
    assert not Operation.objects.exists()


def test_it_refuses_flags_of_two_records(mixed, namesake, moderator):
    other = WorkFlag.objects.create(
        researcher=namesake,
        work=namesake.authorships.get().work,
        raised_by=UserFactory(),
    )
    with pytest.raises(RecordError, match="one record only"):
        work_flags_accept_moving(
            flag_ids=[WorkFlag.objects.filter(researcher=mixed).first().pk, other.pk],
            actor=moderator,
        )


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _user(name, request):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 200)],
)
def test_it_previews_the_move_for_moderators_only(request, who, expected, mixed, namesake):
    flags = list(WorkFlag.objects.order_by("pk"))
    url = reverse("records:flag_move", args=[flags[0].pk])
    response = _client(_user(who, request)).get(
        url, {"flags": [f.pk for f in flags], "target": namesake.slug}
    )
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "nothing has changed yet" in page
        assert "2 works move to Wei Zhang" in page
        assert flags[1].work.title in page
        assert "2 authorships" in page
        assert "work flags" not in page  # the flags stay on the record they were raised on
    assert WorkFlag.objects.filter(state=FlagState.PENDING).count() == 2


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 302)],
)
def test_it_moves_for_moderators_only(request, who, expected, mixed, namesake):
    flag = WorkFlag.objects.order_by("pk").first()
    response = _client(_user(who, request)).post(
        reverse("records:flag_move", args=[flag.pk]),
        {"flags": [flag.pk], "target": namesake.slug, "reason": "his paper"},
    )
    assert response.status_code == expected
    moved = who == "moderator"
    assert namesake.authorships.filter(work_id=flag.work_id).exists() is moved
    if moved:
        operation = Operation.objects.get()
        assert response["Location"] == reverse("records:operation_detail", args=[operation.pk])


def test_the_owner_sees_the_move_on_their_page_and_may_undo_it(mixed, namesake, moderator, owner):
    flag = WorkFlag.objects.order_by("pk").first()
    operation = work_flags_accept_moving(flag_ids=[flag.pk], target_id=namesake.pk, actor=moderator)
    client = _client(owner)

    manage = client.get(reverse("claims:owner_manage", args=[mixed.slug])).content.decode()
    assert reverse("records:operation_detail", args=[operation.pk]) in manage
    detail = client.get(reverse("records:operation_detail", args=[operation.pk]))
    assert detail.status_code == 200
    client.post(reverse("records:operation_undo", args=[operation.pk]))
    assert mixed.authorships.filter(work_id=flag.work_id).exists()
    assert WorkFlag.objects.get(pk=flag.pk).state == FlagState.PENDING


def test_an_unknown_target_is_a_clear_error(mixed, moderator):
    flag = WorkFlag.objects.order_by("pk").first()
    response = _client(moderator).post(
        reverse("records:flag_move", args=[flag.pk]), {"flags": [flag.pk], "target": "nobody"}
    )
    assert response.status_code == 400
    assert "No record has this slug" in response.content.decode()
    assert WorkFlag.objects.get(pk=flag.pk).state == FlagState.PENDING


def test_the_flag_queue_offers_the_move(mixed, moderator):
    flag = WorkFlag.objects.order_by("pk").first()
    page = _client(moderator).get(reverse("claims:moderation_flags")).content.decode()
    assert reverse("records:flag_move", args=[flag.pk]) in page


def test_a_relation_count_agrees_with_its_noun():
    from records.selectors import RelationMove

    assert RelationMove("authorships", 1, 0, singular="authorship").moving_label == "1 authorship"
    assert RelationMove("authorships", 2, 0, singular="authorship").moving_label == "2 authorships"
    assert RelationMove("follows", 0, 0, singular="follow").moving_label == "0 follows"
