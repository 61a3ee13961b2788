"""Requests, answers, threads, blocks, reports, openness, limits: the services' rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from collab import digest as digest_module
from collab.digest import digest_send_all
from collab.errors import CollabError
from collab.models import (
    Block,
    CollabKind,
    CollabRequest,
    Notice,
    NoticeKind,
    Openness,
    Report,
    ReportState,
    RequestState,
)
from collab.services import (
    REQUESTS_PER_PAIR_PER_MONTH,
    REQUESTS_PER_SENDER_PER_DAY,
    message_post,
    report_decide,
    report_file,
    request_accept,
    request_archive,
    request_close,
    request_decline,
    request_mark_read,
    request_send,
    user_block,
    user_unblock,
)
from profiles.models import Researcher
from tests.claims.conftest import verify_email
from tests.collab.conftest import open_to_all, own, topic_ids
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    UserFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db


def send(sender, ada, topics, **extra):
    args = dict(
        sender=sender,
        researcher_id=ada.pk,
        kind=CollabKind.COAUTHORING,
        topic_ids=topic_ids(topics, "Engines"),
        message="Shall we write about engines?",
    )
    args.update(extra)
    return request_send(**args)


def test_a_request_reaches_the_owner_with_a_notice_and_the_fit(owner, sender, ada, topics):
    mine = ResearcherFactory(display_name="Charles Babbage")
    own(sender, mine, UserFactory(username="mod2", is_staff=True))
    request = send(sender, ada, topics)
    assert (request.owner, request.state, request.sender_researcher) == (
        owner,
        RequestState.PENDING,
        mine,
    )
    assert request.fit["strength"] == "No overlap found"
    assert list(Notice.objects.values_list("recipient", "kind")) == [(owner.pk, "request")]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"is_open": False}, "not taking collaboration requests"),
        ({"paused_until": timezone.now().date() + timedelta(days=3)}, "paused requests until"),
        ({"kinds": [CollabKind.REVIEWING]}, "takes only these kinds of request: Reviewing"),
    ],
)
def test_a_request_that_does_not_fit_the_openness_is_refused_with_why(
    owner, sender, ada, topics, change, refusal
):
    open_to_all(ada, owner, **change)
    with pytest.raises(CollabError, match=refusal):
        send(sender, ada, topics)
    assert not CollabRequest.objects.exists()


def test_a_topic_outside_the_chosen_ones_is_refused(owner, sender, ada, topics):
    open_to_all(ada, owner, topic_ids=topic_ids(topics, "Poetry"))
    with pytest.raises(CollabError, match="Choose among the topics"):
        send(sender, ada, topics)
    assert send(sender, ada, topics, topic_ids=topic_ids(topics, "Poetry"))


def test_a_full_month_refuses_with_the_date_it_reopens(owner, sender, outsider, ada, topics):
    open_to_all(ada, owner, monthly_capacity=1)
    send(outsider, ada, topics)
    with pytest.raises(CollabError, match=r"requests open again on \d{4}-\d{2}-01"):
        send(sender, ada, topics)


def test_unclaimed_own_and_unverified_are_refused(owner, sender, ada, topics):
    with pytest.raises(CollabError, match="once the record is claimed"):
        send(sender, ResearcherFactory(), topics)
    with pytest.raises(CollabError, match="your own record"):
        send(owner, ada, topics)
    with pytest.raises(CollabError, match="Verify an e-mail"):
        send(UserFactory(username="unverified"), ada, topics)


def test_one_open_request_per_pair(owner, sender, ada, topics):
    send(sender, ada, topics)
    with pytest.raises(CollabError, match="already have an open request"):
        send(sender, ada, topics)


def test_a_declined_sender_waits_thirty_days(owner, sender, ada, topics):
    request = send(sender, ada, topics)
    request_decline(request_id=request.pk, owner=owner, reason="Not now.")
    with pytest.raises(CollabError, match=r"declined on .*again from"):
        send(sender, ada, topics)
    CollabRequest.objects.filter(pk=request.pk).update(
        decided_at=timezone.now() - timedelta(days=31)
    )
    assert send(sender, ada, topics).state == RequestState.PENDING


def test_the_daily_limit_per_sender(sender, topics, moderator):
    for i in range(REQUESTS_PER_SENDER_PER_DAY + 1):
        record = ResearcherFactory()
        WorkTopicFactory(work=AuthorshipFactory(researcher=record).work, topic=topics["Engines"])
        owner = UserFactory(username=f"owner{i}")
        verify_email(owner)
        own(owner, record, moderator)
        open_to_all(record, owner)
        if i < REQUESTS_PER_SENDER_PER_DAY:
            send(sender, record, topics)
        else:
            with pytest.raises(CollabError, match="in the last 24 hours"):
                send(sender, record, topics)


def test_the_limit_per_pair_counts_closed_requests_too(owner, sender, ada, topics):
    for _ in range(REQUESTS_PER_PAIR_PER_MONTH):
        request_close(request_id=send(sender, ada, topics).pk, user=sender)
    with pytest.raises(CollabError, match="requests in 30 days"):
        send(sender, ada, topics)


def test_only_the_owner_answers_and_only_once(owner, sender, outsider, ada, topics):
    request = send(sender, ada, topics)
    for who in (sender, outsider):
        with pytest.raises(CollabError):
            request_accept(request_id=request.pk, owner=who)
    request_accept(request_id=request.pk, owner=owner)
    with pytest.raises(CollabError, match="already accepted"):
        request_decline(request_id=request.pk, owner=owner)
    assert Notice.objects.filter(recipient=sender, kind=NoticeKind.ACCEPTED).count() == 1


def test_archiving_tells_nobody(owner, sender, ada, topics):
    request = send(sender, ada, topics)
    request_archive(request_id=request.pk, owner=owner)
    assert not Notice.objects.filter(recipient=sender).exists()
    assert CollabRequest.objects.get(pk=request.pk).state == RequestState.ARCHIVED


def test_messages_only_in_an_accepted_thread_between_its_two_sides(
    owner, sender, outsider, ada, topics
):
    request = send(sender, ada, topics)
    with pytest.raises(CollabError, match="accepted, open thread"):
        message_post(request_id=request.pk, author=sender, body="Hello?")
    request_accept(request_id=request.pk, owner=owner)
    with pytest.raises(CollabError, match="No such request"):
        message_post(request_id=request.pk, author=outsider, body="Let me in")
    with pytest.raises(CollabError, match="Write a message"):
        message_post(request_id=request.pk, author=sender, body="   ")
    message_post(request_id=request.pk, author=sender, body="Hello!")
    message_post(request_id=request.pk, author=owner, body="Hi!")
    assert [m.body for m in request.messages.all()] == ["Hello!", "Hi!"]
    request_close(request_id=request.pk, user=owner)
    with pytest.raises(CollabError):
        message_post(request_id=request.pk, author=sender, body="Wait")


def test_a_block_closes_the_thread_and_stops_new_requests_until_lifted(owner, sender, ada, topics):
    request = send(sender, ada, topics)
    request_accept(request_id=request.pk, owner=owner)
    user_block(request_id=request.pk, user=owner)
    assert CollabRequest.objects.get(pk=request.pk).state == RequestState.CLOSED
    with pytest.raises(CollabError, match="cannot send requests"):
        send(sender, ada, topics)
    assert user_unblock(user=owner, blocked_id=sender.pk)
    assert not Block.objects.exists()
    assert send(sender, ada, topics)


def test_reports_go_to_the_moderators_who_can_close_the_thread(
    owner, sender, outsider, moderator, ada, topics
):
    request = send(sender, ada, topics)
    request_accept(request_id=request.pk, owner=owner)
    rude = message_post(request_id=request.pk, author=sender, body="Rude words")
    with pytest.raises(CollabError, match="your own message"):
        report_file(request_id=request.pk, reporter=sender, reason="x", message_id=rude.pk)
    with pytest.raises(CollabError, match="No such request"):
        report_file(request_id=request.pk, reporter=outsider, reason="x", message_id=rude.pk)
    report = report_file(request_id=request.pk, reporter=owner, reason="Rude", message_id=rude.pk)
    with pytest.raises(CollabError, match="already reported"):
        report_file(request_id=request.pk, reporter=owner, reason="Again", message_id=rude.pk)
    with pytest.raises(CollabError, match="Only moderators"):
        report_decide(report_id=report.pk, moderator=owner, uphold=True)
    report_decide(report_id=report.pk, moderator=moderator, uphold=True, note="Closed.")
    assert Report.objects.get(pk=report.pk).state == ReportState.UPHELD
    assert CollabRequest.objects.get(pk=request.pk).state == RequestState.CLOSED


def test_openness_mirrors_the_profiles_badge_and_takes_only_own_topics(owner, ada, topics):
    open_to_all(ada, owner, is_open=False)
    assert not Researcher.objects.get(pk=ada.pk).open_to_collaborate
    open_to_all(ada, owner)
    assert Researcher.objects.get(pk=ada.pk).open_to_collaborate
    with pytest.raises(CollabError, match="topics of your own works"):
        open_to_all(ada, owner, topic_ids=topic_ids(topics, "Looms"))


def test_a_request_is_recorded_with_redis_down(owner, sender, ada, topics, unreachable_broker):
    send(sender, ada, topics)  # nothing is handed to the broker: the notice is a row
    assert Notice.objects.filter(recipient=owner, sent_at__isnull=True).count() == 1


# --- the digest ----------------------------------------------------------------------------


def test_the_digest_is_one_mail_per_person_with_links_and_no_addresses(owner, sender, ada, topics):
    request = send(sender, ada, topics)
    mail.outbox.clear()
    assert digest_send_all() == 1
    (to_owner,) = mail.outbox
    assert to_owner.to == [owner.email]
    assert to_owner.subject == (
        "[BZPEER] A collaboration request from someone without a claimed record"
    )
    assert f"/collaboration/{request.public_id}/" in to_owner.body
    assert sender.email not in to_owner.body
    request_accept(request_id=request.pk, owner=owner)
    message_post(request_id=request.pk, author=owner, body="Welcome")
    message_post(request_id=request.pk, author=owner, body="Are you there?")
    mail.outbox.clear()
    assert digest_send_all() == 1  # the owner has seen what they did: only the sender is told
    (to_sender,) = mail.outbox
    assert to_sender.to == [sender.email]
    assert to_sender.body.count("Request accepted") == 1
    assert to_sender.body.count("New message") == 2
    assert owner.email not in to_sender.body and "Welcome" not in to_sender.body
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
    assert digest_send_all() == 0 and len(mail.outbox) == 1  # nothing twice


def test_a_failed_mail_keeps_the_notices_for_the_next_run(owner, sender, ada, topics, monkeypatch):
    send(sender, ada, topics)

    def refuse(**kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(digest_module, "send_mail", refuse)
    mail.outbox.clear()
    assert digest_send_all() == 0
    assert Notice.objects.filter(sent_at__isnull=True).count() == 1
    monkeypatch.undo()
    assert digest_send_all() == 1 and len(mail.outbox) == 1


def test_what_the_recipient_has_read_is_not_mailed(owner, sender, ada, topics):
    request = send(sender, ada, topics)
    request_mark_read(request=request, user=owner)
    mail.outbox.clear()
    assert digest_send_all() == 0 and mail.outbox == []
    assert not Notice.objects.filter(sent_at__isnull=True).exists()


def test_a_record_without_topics_takes_requests_without_topics(sender, moderator):
    record = ResearcherFactory()
    owner = UserFactory(username="topicless")
    verify_email(owner)
    own(owner, record, moderator)
    open_to_all(record, owner)
    request = request_send(
        sender=sender, researcher_id=record.pk, kind="other", topic_ids=[], message="Hello"
    )
    assert list(request.topics.all()) == []


def test_topics_are_required_when_the_owner_has_some(owner, sender, ada, topics):
    with pytest.raises(CollabError, match="at least one of the owner's topics"):
        send(sender, ada, topics, topic_ids=[])


def test_merging_records_moves_requests_and_keeps_one_openness(owner, sender, ada, topics):
    from records.services.operations import records_merge

    request = send(sender, ada, topics)
    twin = ResearcherFactory(display_name="A. Lovelace")
    Openness.objects.create(researcher=twin, is_open=True)  # left from a revoked claim
    records_merge(source_id=twin.pk, target_id=ada.pk, actor=UserFactory(is_staff=True))
    assert CollabRequest.objects.get(pk=request.pk).researcher_id == ada.pk
    assert list(Openness.objects.values_list("researcher_id", flat=True)) == [ada.pk]
