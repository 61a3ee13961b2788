"""Reads for direct collaboration: who owns a record, openness, the inbox, unread counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from claims.models import Claim, ClaimState
from collab.models import (
    OPEN_STATES,
    Block,
    CollabKind,
    CollabRequest,
    Openness,
    Report,
    ReportState,
    RequestState,
    person_label,
)
from profiles.models import ClaimStatus, Researcher
from works.models import Topic, Work

OWNER_TOPICS_LIMIT = 30
MOTIVATING_WORKS_LIMIT = 30
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def verified_email(user: Any) -> str | None:
    """The user's primary verified e-mail address, or another verified one, or None."""
    from allauth.account.models import EmailAddress

    email: str | None = (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    return email


def record_owner_id(researcher_id: int) -> int | None:
    """The user id of the record's approved claimant, if any."""
    return (
        Claim.objects.filter(researcher_id=researcher_id, state=ClaimState.APPROVED)
        .values_list("user_id", flat=True)
        .first()
    )


def owned_record(user: Any) -> Researcher | None:
    """The record the user owns (their approved claim), the oldest if several."""
    if not user.is_authenticated:
        return None
    return (
        Researcher.objects.filter(claims__user=user, claims__state=ClaimState.APPROVED)
        .order_by("claims__decided_at", "pk")
        .first()
    )


def researcher_topics(researcher_id: int, *, limit: int = OWNER_TOPICS_LIMIT) -> QuerySet[Topic]:
    """The record's topics, those with the most works first."""
    return (
        Topic.objects.filter(works__authorships__researcher_id=researcher_id)
        .annotate(n=Count("works"))
        .order_by("-n", "display_name", "pk")[:limit]
    )


def request_topic_choices(*, researcher: Researcher, openness: Openness | None) -> list[Topic]:
    """What a request may be about: the owner's open topics if they chose some, else theirs."""
    if openness is not None:
        chosen = list(openness.topics.order_by("display_name", "pk"))
        if chosen:
            return chosen
    return list(researcher_topics(researcher.pk))


def motivating_works(*, researcher_ids: list[int]) -> QuerySet[Work]:
    """Works of either side a request may point to: each side's newest, a bounded list."""
    ids: list[int] = []
    for researcher_id in researcher_ids:
        ids += list(
            Work.objects.filter(authorships__researcher_id=researcher_id)
            .newest_first()
            .values_list("pk", flat=True)[:MOTIVATING_WORKS_LIMIT]
        )
    return Work.objects.filter(pk__in=ids).newest_first()


def openness_of(researcher: Researcher) -> Openness | None:
    return Openness.objects.filter(researcher=researcher).prefetch_related("topics").first()


def month_start(today: date) -> date:
    return today.replace(day=1)


def next_month_start(today: date) -> date:
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def received_this_month(researcher_id: int) -> int:
    start = month_start(timezone.now().date())
    return CollabRequest.objects.filter(
        researcher_id=researcher_id, created_at__date__gte=start
    ).count()


@dataclass(frozen=True)
class OpennessSummary:
    """The openness as the public profile shows it, and whether a request can be sent now."""

    openness: Openness | None
    topics: list[Topic]
    full: bool
    paused: bool

    @property
    def accepting(self) -> bool:
        o = self.openness
        return o is not None and o.is_open and not self.paused and not self.full

    @property
    def kinds_display(self) -> list[str]:
        if self.openness is None or not self.openness.kinds:
            return [label for _, label in CollabKind.choices]
        return [CollabKind(k).label for k in self.openness.kinds]

    @property
    def refusal(self) -> str:
        """Why a request cannot be sent now ("" when it can)."""
        o = self.openness
        if o is None or not o.is_open:
            return "The owner is not taking collaboration requests."
        if self.paused:
            assert o.paused_until is not None
            return f"The owner has paused requests until {o.paused_until:%Y-%m-%d}."
        if self.full:
            reopen = next_month_start(timezone.now().date())
            return (
                f"The owner has received the {o.monthly_capacity} requests they take this "
                f"month; requests open again on {reopen:%Y-%m-%d}."
            )
        return ""


def openness_summary(researcher: Researcher) -> OpennessSummary:
    openness = openness_of(researcher)
    today = timezone.now().date()
    paused = bool(openness and openness.paused_until and openness.paused_until >= today)
    full = bool(
        openness
        and openness.monthly_capacity
        and received_this_month(researcher.pk) >= openness.monthly_capacity
    )
    topics = list(openness.topics.all()) if openness else []
    return OpennessSummary(openness=openness, topics=topics, full=full, paused=paused)


@dataclass(frozen=True)
class CollabPanel:
    """The profile page's Direct collaboration card for this viewer."""

    claimed: bool
    is_owner: bool
    summary: OpennessSummary | None
    open_request: CollabRequest | None  # the viewer's pending request or thread here


def collab_panel(*, user: Any, researcher: Researcher) -> CollabPanel:
    """The openness the public sees, and the viewer's own request to this record."""
    if researcher.claim_status != ClaimStatus.CLAIMED:
        return CollabPanel(claimed=False, is_owner=False, summary=None, open_request=None)
    summary = openness_summary(researcher)
    is_owner = bool(user.is_authenticated and record_owner_id(researcher.pk) == user.pk)
    open_request = None
    if user.is_authenticated and not is_owner:
        open_request = CollabRequest.objects.filter(
            sender=user, researcher=researcher, state__in=OPEN_STATES
        ).first()
    return CollabPanel(claimed=True, is_owner=is_owner, summary=summary, open_request=open_request)


def _unread(user: Any) -> Q:
    return Q(owner=user, last_activity_at__gt=Coalesce("owner_read_at", EPOCH)) | Q(
        sender=user, last_activity_at__gt=Coalesce("sender_read_at", EPOCH)
    )


def unread_count(user: Any) -> int:
    """Requests and threads with something the user has not seen (archived ones aside)."""
    return (
        CollabRequest.objects.filter(_unread(user))
        .exclude(owner=user, state=RequestState.ARCHIVED)
        .count()
    )


# `unread_count` as one column of the signed-in profile's viewer query (profiles.viewer_page);
# tests compare the header it gives with the full render's.
UNREAD_COUNT_SQL = """SELECT count(*) FROM collab_collabrequest
WHERE ((owner_id = %(user_id)s AND last_activity_at > COALESCE(owner_read_at, 'epoch'))
    OR (sender_id = %(user_id)s AND last_activity_at > COALESCE(sender_read_at, 'epoch')))
  AND NOT (owner_id = %(user_id)s AND state = 'archived')"""


def unread_from_column(value: int | None, user: Any, researcher: Researcher) -> int:
    return int(value or 0)


INBOX_BOXES = {
    "received": "Received",
    "sent": "Sent",
    "archived": "Archived",
}


def inbox(*, user: Any, box: str) -> QuerySet[CollabRequest]:
    """The user's requests in one box, most recent activity first, each marked unread or not."""
    qs = CollabRequest.objects.select_related(
        "researcher", "sender", "owner", "sender_researcher"
    ).prefetch_related("topics")
    if box == "sent":
        qs = qs.filter(sender=user)
    elif box == "archived":
        qs = qs.filter(owner=user, state=RequestState.ARCHIVED)
    else:
        qs = qs.filter(owner=user).exclude(state=RequestState.ARCHIVED)
    return qs.annotate(
        unread=Count("pk", filter=_unread(user))  # 1 or 0: the row itself
    ).order_by("-last_activity_at", "-pk")


def request_for_participant(*, user: Any, public_id: uuid.UUID) -> CollabRequest:
    """The request or thread, only for its sender or owner: anyone else gets a 404."""
    try:
        return (
            CollabRequest.objects.select_related(
                "researcher", "sender", "owner", "sender_researcher"
            )
            .prefetch_related("topics", "works")
            .get(Q(sender=user) | Q(owner=user), public_id=public_id)
        )
    except CollabRequest.DoesNotExist:
        raise Http404("No such request.") from None


def is_blocked(*, a: Any, b: Any) -> bool:
    """Whether either user has blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def has_blocked(*, blocker: Any, blocked: Any) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def people_labels(user_ids: list[int]) -> dict[int, str]:
    """How these users are named to others (collab.models.person_label), in two queries."""
    records = dict(
        Claim.objects.filter(user_id__in=user_ids, state=ClaimState.APPROVED)
        .order_by("-decided_at")
        .values_list("user_id", "researcher__display_name")
    )
    users = get_user_model().objects.filter(pk__in=user_ids)
    return {u.pk: person_label(u, record_name=records.get(u.pk, "")) for u in users}


def open_reports() -> QuerySet[Report]:
    """The moderators' queue: open reports, oldest first, with what was reported."""
    return Report.objects.filter(state=ReportState.OPEN).select_related(
        "reporter", "request__researcher", "request__sender", "request__owner", "message__author"
    )
