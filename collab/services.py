"""Writes for direct collaboration: requests, answers, threads, blocks, reports, openness.

Every change locks the row it moves (`select_for_update`) and records, in the same
transaction, the notices the other side will get by e-mail (collab.digest sends them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from collab.errors import CollabError
from collab.fit import collab_fit
from collab.models import (
    OPEN_STATES,
    Block,
    CollabKind,
    CollabMessage,
    CollabRequest,
    Notice,
    NoticeKind,
    Openness,
    Report,
    ReportState,
    RequestState,
)
from collab.selectors import (
    is_blocked,
    motivating_works,
    openness_summary,
    owned_record,
    record_owner_id,
    request_topic_choices,
    verified_email,
)
from profiles.models import Researcher
from works.models import Topic, Work

REQUESTS_PER_SENDER_PER_DAY = 5
REQUESTS_PER_PAIR_PER_MONTH = 3  # to one record, over 30 days, whatever became of them
DECLINE_COOL_DOWN = timedelta(days=30)

# The owner's ready-made reasons for a decline (the sender sees the text).
DECLINE_REASONS = {
    "capacity": "I don't have the capacity for this right now.",
    "topic": "This is outside what I work on now.",
    "kind": "I don't take on this kind of collaboration.",
    "later": "The timing doesn't work; feel free to write again in a few months.",
}


def _notify(*, recipient_id: int, request: CollabRequest, kind: NoticeKind) -> None:
    Notice.objects.create(recipient_id=recipient_id, request=request, kind=kind)


def request_send(
    *,
    sender: Any,
    researcher_id: int,
    kind: str,
    topic_ids: list[int],
    message: str,
    work_ids: list[int] | None = None,
) -> CollabRequest:
    """Send a collaboration request to the owner of a claimed record, within every limit."""
    message = message.strip()
    if not message:
        raise CollabError("Write a message first.")
    if kind not in CollabKind.values:
        raise CollabError("Choose the kind of collaboration.")
    if verified_email(sender) is None:
        raise CollabError("Verify an e-mail address before sending a request.")
    now = timezone.now()
    with transaction.atomic():
        # Lock order, always: the sender's row, then the record's openness. A burst of
        # parallel posts by one sender, or to one owner, is counted one at a time.
        get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
        Openness.objects.select_for_update().filter(researcher_id=researcher_id).first()
        researcher = Researcher.objects.get(pk=researcher_id)
        refusal = request_refusal(sender=sender, researcher=researcher, now=now)
        if refusal:
            raise CollabError(refusal)
        owner_id = record_owner_id(researcher_id)
        assert owner_id is not None
        summary = openness_summary(researcher)
        openness = summary.openness
        assert openness is not None
        if openness.kinds and kind not in openness.kinds:
            raise CollabError(
                "The owner takes only these kinds of request: "
                + ", ".join(summary.kinds_display)
                + "."
            )
        allowed = {t.pk for t in request_topic_choices(researcher=researcher, openness=openness)}
        if allowed and not topic_ids:
            raise CollabError("Choose at least one of the owner's topics the request is about.")
        if not set(topic_ids) <= allowed:
            raise CollabError("Choose among the topics offered: the owner's own.")
        sender_record = owned_record(sender)
        work_ids = work_ids or []
        sides = [researcher_id] + ([sender_record.pk] if sender_record else [])
        if work_ids and not set(work_ids) <= set(
            motivating_works(researcher_ids=sides).values_list("pk", flat=True)
        ):
            raise CollabError("Motivating works must be works of yours or of the owner.")
        fit = (
            collab_fit(sender_researcher_id=sender_record.pk, owner_researcher_id=researcher_id)
            if sender_record
            else None
        )
        try:
            with transaction.atomic():
                request = CollabRequest.objects.create(
                    researcher=researcher,
                    owner_id=owner_id,
                    sender=sender,
                    sender_researcher=sender_record,
                    kind=kind,
                    message=message,
                    fit=fit.as_snapshot() if fit else {},
                    last_activity_at=now,
                    sender_read_at=now,
                )
        except IntegrityError:
            raise CollabError("You already have an open request to this researcher.") from None
        request.topics.set(Topic.objects.filter(pk__in=topic_ids))
        request.works.set(Work.objects.filter(pk__in=work_ids))
        _notify(recipient_id=owner_id, request=request, kind=NoticeKind.REQUEST)
    return request


def request_refusal(*, sender: Any, researcher: Researcher, now: Any = None) -> str:
    """Why `sender` cannot send a request to this record now ("" if they can).

    Read without locks for the form; `request_send` asks again under its locks.
    """
    now = now or timezone.now()
    owner_id = record_owner_id(researcher.pk)
    if owner_id is None:
        return "Requests open once the record is claimed."
    if owner_id == sender.pk:
        return "This is your own record."
    if is_blocked(a=sender, b=owner_id):
        return "You cannot send requests to this researcher."
    refusal = openness_summary(researcher).refusal
    if refusal:
        return refusal
    mine = CollabRequest.objects.filter(sender=sender)
    if mine.filter(researcher=researcher, state__in=OPEN_STATES).exists():
        return "You already have an open request to this researcher."
    declined = (
        mine.filter(
            researcher=researcher,
            state=RequestState.DECLINED,
            decided_at__gte=now - DECLINE_COOL_DOWN,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if declined is not None:
        again = (declined + DECLINE_COOL_DOWN).date()
        return (
            f"Your last request was declined on {declined:%Y-%m-%d}; you can write to this "
            f"researcher again from {again:%Y-%m-%d}."
        )
    if mine.filter(created_at__gte=now - timedelta(days=1)).count() >= REQUESTS_PER_SENDER_PER_DAY:
        return (
            f"You have sent {REQUESTS_PER_SENDER_PER_DAY} requests in the last 24 hours, the "
            "most allowed; try again tomorrow."
        )
    pair = mine.filter(researcher=researcher, created_at__gte=now - timedelta(days=30))
    if pair.count() >= REQUESTS_PER_PAIR_PER_MONTH:
        return (
            f"You have sent this researcher {REQUESTS_PER_PAIR_PER_MONTH} requests in 30 days, "
            "the most allowed."
        )
    return ""


def _locked_request(*, request_id: int, user: Any) -> CollabRequest:
    """The request, locked, only for one of its two sides."""
    request = (
        CollabRequest.objects.select_for_update()
        .filter(Q(owner=user) | Q(sender=user), pk=request_id)
        .first()
    )
    if request is None:
        raise CollabError("No such request.")
    return request


def _touch(request: CollabRequest, *, by: Any, now: Any) -> list[str]:
    request.last_activity_at = now
    if by.pk == request.owner_id:
        request.owner_read_at = now
        return ["last_activity_at", "owner_read_at"]
    request.sender_read_at = now
    return ["last_activity_at", "sender_read_at"]


def _answer(*, request_id: int, owner: Any, state: RequestState, reason: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        request = _locked_request(request_id=request_id, user=owner)
        if request.owner_id != owner.pk:
            raise CollabError("Only the owner answers a request.")
        if request.state != RequestState.PENDING:
            raise CollabError(f"This request is already {request.get_state_display().lower()}.")
        if state == RequestState.ACCEPTED and is_blocked(a=owner, b=request.sender_id):
            raise CollabError("Unblock this person first.")
        request.state = state
        request.decided_at = now
        request.decline_reason = reason.strip()
        fields = ["state", "decided_at", "decline_reason"]
        if state == RequestState.ARCHIVED:
            # Archiving is the owner's own filing: the sender is not told, nothing is unread.
            request.owner_read_at = now
            fields.append("owner_read_at")
        else:
            fields += _touch(request, by=owner, now=now)
            kind = NoticeKind.ACCEPTED if state == RequestState.ACCEPTED else NoticeKind.DECLINED
            _notify(recipient_id=request.sender_id, request=request, kind=kind)
        request.save(update_fields=fields)


def request_accept(*, request_id: int, owner: Any) -> None:
    """The owner accepts: the request becomes a thread between the two."""
    _answer(request_id=request_id, owner=owner, state=RequestState.ACCEPTED)


def request_decline(*, request_id: int, owner: Any, reason: str = "") -> None:
    """The owner declines, with an optional reason; the sender waits 30 days to write again."""
    _answer(request_id=request_id, owner=owner, state=RequestState.DECLINED, reason=reason)


def request_archive(*, request_id: int, owner: Any) -> None:
    """The owner files a request away without answering it."""
    _answer(request_id=request_id, owner=owner, state=RequestState.ARCHIVED)


def message_post(*, request_id: int, author: Any, body: str) -> CollabMessage:
    """Add a message to an accepted thread; the other side is told in their next digest."""
    body = body.strip()
    if not body:
        raise CollabError("Write a message first.")
    now = timezone.now()
    with transaction.atomic():
        request = _locked_request(request_id=request_id, user=author)
        if request.state != RequestState.ACCEPTED:
            raise CollabError("Messages can be sent only in an accepted, open thread.")
        other = request.sender_id if author.pk == request.owner_id else request.owner_id
        if is_blocked(a=author, b=other):
            raise CollabError("This conversation is blocked.")
        message = CollabMessage.objects.create(request=request, author=author, body=body)
        request.save(update_fields=_touch(request, by=author, now=now))
        _notify(recipient_id=other, request=request, kind=NoticeKind.MESSAGE)
    return message


def request_close(*, request_id: int, user: Any) -> None:
    """Either side ends a pending request or an open thread; it stays readable."""
    now = timezone.now()
    with transaction.atomic():
        request = _locked_request(request_id=request_id, user=user)
        if request.state not in OPEN_STATES:
            raise CollabError("This conversation is already closed.")
        _close(request, by=user, now=now)


def _close(request: CollabRequest, *, by: Any, now: Any) -> None:
    request.state = RequestState.CLOSED
    request.closed_by = by
    fields = ["state", "closed_by", *_touch(request, by=by, now=now)]
    request.save(update_fields=fields)
    other = request.sender_id if by.pk == request.owner_id else request.owner_id
    _notify(recipient_id=other, request=request, kind=NoticeKind.CLOSED)


def user_block(*, request_id: int, user: Any) -> None:
    """Block the other side of a request: no new request or message, and it is closed."""
    now = timezone.now()
    with transaction.atomic():
        request = _locked_request(request_id=request_id, user=user)
        other = request.sender_id if user.pk == request.owner_id else request.owner_id
        Block.objects.get_or_create(blocker=user, blocked_id=other)
        if request.state in OPEN_STATES:
            _close(request, by=user, now=now)


def user_unblock(*, user: Any, blocked_id: int) -> bool:
    """Lift a block the user set; True if there was one."""
    deleted, _ = Block.objects.filter(blocker=user, blocked_id=blocked_id).delete()
    return bool(deleted)


def report_file(*, request_id: int, reporter: Any, reason: str, message_id: int | None) -> Report:
    """A side reports the request or one of its messages to the moderators."""
    reason = reason.strip()
    if not reason:
        raise CollabError("Say what is wrong, so a moderator can act on it.")
    with transaction.atomic():
        request = _locked_request(request_id=request_id, user=reporter)
        message = None
        if message_id is not None:
            message = request.messages.filter(pk=message_id).first()
            if message is None:
                raise CollabError("No such message in this conversation.")
            if message.author_id == reporter.pk:
                raise CollabError("You cannot report your own message.")
        elif request.sender_id == reporter.pk:
            raise CollabError("You cannot report your own request.")
        try:
            with transaction.atomic():
                return Report.objects.create(
                    reporter=reporter, request=request, message=message, reason=reason
                )
        except IntegrityError:
            raise CollabError("You have already reported this; a moderator will look.") from None


def report_decide(*, report_id: int, moderator: Any, uphold: bool, note: str = "") -> None:
    """A moderator dismisses a report, or upholds it, which closes the conversation."""
    if not moderator.is_staff:
        raise CollabError("Only moderators decide reports.")
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.state != ReportState.OPEN:
            raise CollabError("This report is already decided.")
        report.state = ReportState.UPHELD if uphold else ReportState.DISMISSED
        report.decision_note = note.strip()
        report.decided_by = moderator
        report.decided_at = now
        report.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])
        if uphold:
            request = CollabRequest.objects.select_for_update().get(pk=report.request_id)
            if request.state in OPEN_STATES:
                request.state = RequestState.CLOSED
                request.closed_by = moderator
                request.last_activity_at = now
                request.save(update_fields=["state", "closed_by", "last_activity_at"])
                for side in (request.owner_id, request.sender_id):
                    _notify(recipient_id=side, request=request, kind=NoticeKind.CLOSED)


def request_mark_read(*, request: CollabRequest, user: Any) -> None:
    """The side reading the request has seen everything in it up to now."""
    field = "owner_read_at" if user.pk == request.owner_id else "sender_read_at"
    CollabRequest.objects.filter(pk=request.pk).update(**{field: timezone.now()})


@dataclass(frozen=True)
class OpennessInput:
    is_open: bool
    kinds: list[str]
    topic_ids: list[int]
    monthly_capacity: int | None
    paused_until: date | None
    share_email: bool


def openness_update(*, researcher_id: int, owner: Any, data: OpennessInput) -> Openness:
    """The owner says what they take; the profile's "Open to collaborate" follows it."""
    if record_owner_id(researcher_id) != owner.pk:
        raise CollabError("Only the owner of this record sets its openness.")
    if any(k not in CollabKind.values for k in data.kinds):
        raise CollabError("Unknown kind of collaboration.")
    own_topics = set(
        Topic.objects.filter(works__authorships__researcher_id=researcher_id).values_list(
            "pk", flat=True
        )
    )
    if not set(data.topic_ids) <= own_topics:
        raise CollabError("Choose among the topics of your own works.")
    with transaction.atomic():
        researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
        openness, _ = Openness.objects.update_or_create(
            researcher=researcher,
            defaults={
                "is_open": data.is_open,
                "kinds": sorted(set(data.kinds)),
                "monthly_capacity": data.monthly_capacity,
                "paused_until": data.paused_until,
                "share_email": data.share_email,
            },
        )
        openness.topics.set(data.topic_ids)
        Researcher.objects.filter(pk=researcher.pk).update(open_to_collaborate=data.is_open)
    return openness
