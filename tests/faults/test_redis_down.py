"""Redis stopped during each kind of action: every action answers (no 500), its change is
committed, its follow-up work is recorded, and all of it is done within a minute of Redis
coming back (a real worker and beat, on a Redis server this test owns)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from claims.models import Claim
from claims.services.claims import claim_open
from claims.services.mail import SEND_EMAIL_TASK
from graph.models import GraphSlice, SliceStatus
from profiles.models import Follow, OutboxMessage, ResearcherRefreshRequest
from tests.claims.conftest import verify_email
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker]

PASSWORD = "correct horse battery staple"


@dataclass
class Action:
    name: str
    status: int
    seconds: float
    committed: bool


def timed(client: Client, method: str, url: str, data: dict[str, str] | None = None):
    started = time.monotonic()
    response = getattr(client, method)(url, data or {})
    return response, time.monotonic() - started


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_with_redis_down_every_action_answers_and_its_follow_up_is_done_when_it_returns(site):
    record = ResearcherFactory(display_name="Ada Lovelace", slug="ada-lovelace", openalex_id="A1")
    followed = ResearcherFactory(slug="followed")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=record, position=0)
    AuthorshipFactory(work=work, researcher=followed, position=1)
    fan, claimant, rival = (UserFactory(username=n) for n in ("fan", "claimant", "rival"))
    moderator = UserFactory(username="moderator", is_staff=True)
    member = UserFactory(username="member")
    member.set_password(PASSWORD)
    member.save()
    for user in (fan, claimant, rival, member):
        verify_email(user)
    Follow.objects.create(user=fan, researcher=followed)
    to_approve = claim_open(user=rival, researcher_id=record.pk, claimant_name="Ada Lovelace")
    site.start_worker()
    site.start_beat()
    all_mail = OutboxMessage.objects.filter(task=SEND_EMAIL_TASK)
    wait_for(lambda: len(site.mails()) == all_mail.count() and not all_mail.filter(sent_at=None))
    mails_sent_before = len(site.mails())

    site.redis.stop()
    actions: list[Action] = []

    def act(name, client, method, url, data=None, *, committed):
        response, seconds = timed(client, method, url, data)
        actions.append(Action(name, response.status_code, seconds, bool(committed())))
        return response

    act(
        "follow",
        logged_in(fan),
        "post",
        reverse("profiles:researcher_follow", args=[record.slug]),
        committed=lambda: Follow.objects.filter(user=fan, researcher=record).exists(),
    )
    act(
        "unfollow",
        logged_in(fan),
        "post",
        reverse("profiles:researcher_unfollow", args=[followed.slug]),
        committed=lambda: not Follow.objects.filter(user=fan, researcher=followed).exists(),
    )
    act(
        "claim",
        logged_in(claimant),
        "post",
        reverse("claims:claim_create", args=[record.slug]),
        {"claimant_name": "Ada Lovelace"},
        committed=lambda: Claim.objects.filter(user=claimant, state="pending").exists(),
    )
    act(
        "approve",
        logged_in(moderator),
        "post",
        reverse("claims:moderation_decide", args=[to_approve.pk, "approve"]),
        {"reason": "ok"},
        committed=lambda: Claim.objects.get(pk=to_approve.pk).state == "approved",
    )
    act(
        "sign-up",
        Client(),
        "post",
        reverse("account_signup"),
        {
            "email": "newbie@example.org",
            "username": "newbie",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        committed=lambda: get_user_model().objects.filter(username="newbie").exists(),
    )
    login_client = Client()
    act(
        "log-in",
        login_client,
        "post",
        reverse("account_login"),
        {"login": "member", "password": PASSWORD},
        committed=lambda: "_auth_user_id" in login_client.session,
    )
    act(
        "password reset",
        Client(),
        "post",
        reverse("account_reset_password"),
        {"email": member.email},
        committed=lambda: OutboxMessage.objects.filter(
            task=SEND_EMAIL_TASK, kwargs__to=[member.email]
        ).exists(),
    )
    slice_page = act(
        "graph slice",
        Client(),
        "get",
        reverse("graph:slice", args=[followed.slug]),
        committed=lambda: GraphSlice.objects.filter(researcher=followed).exists(),
    )

    owed_mails = OutboxMessage.objects.filter(task=SEND_EMAIL_TASK, sent_at=None).count()
    owed_refreshes = ResearcherRefreshRequest.objects.count()
    for action in actions:
        print(f"{action.name}: HTTP {action.status} in {action.seconds:.2f}s")
    assert [a.name for a in actions if a.status >= 500] == []
    assert [a.name for a in actions if not a.committed] == []
    assert max(a.seconds for a in actions) < 10, "no action hangs on the dead Redis"
    assert "task queue is unreachable" in slice_page.content.decode()  # said, with Retry
    assert owed_mails >= 4  # claim opened, claim approved, sign-up, password reset
    assert owed_refreshes >= 2  # the followed researchers, the claimed record

    site.redis.start()

    def outstanding() -> dict[str, int | bool]:
        site.restart_exited()
        return {
            "outbox rows unsent": OutboxMessage.objects.filter(sent_at=None).count(),
            "refresh requests": ResearcherRefreshRequest.objects.count(),
            "slice not ready": not GraphSlice.objects.filter(
                researcher=followed, status=SliceStatus.READY
            ).exists(),
            "mails not delivered": max(0, mails_sent_before + owed_mails - len(site.mails())),
        }

    recovered_in = wait_for(outstanding)
    lost = mails_sent_before + owed_mails - len(site.mails())
    print(
        f"faults/redis-down: actions tried {len(actions)}, answered without 500 "
        f"{sum(a.status < 500 for a in actions)}, follow-ups owed {owed_mails} mails + "
        f"{owed_refreshes} refreshes + 1 slice, recovered in {recovered_in:.1f}s, lost {lost} "
        f"(worker/beat restarts by the supervisor: {site.restarts})"
    )
    assert lost == 0
