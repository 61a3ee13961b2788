"""Direct collaboration pages: the request form with its fit, the inbox, the thread, the
owner's openness and the moderators' report queue. Every change is a POST (CSRF-checked)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claims.views import AuthedRequest, moderator_required
from collab.errors import CollabError
from collab.fit import FIT_WORKS_CAP, collab_fit
from collab.forms import (
    DeclineForm,
    MessageForm,
    OpennessForm,
    ReportDecisionForm,
    ReportForm,
    RequestForm,
)
from collab.models import Block, CollabRequest, Openness, ReportState, RequestState
from collab.selectors import (
    INBOX_BOXES,
    has_blocked,
    inbox,
    is_blocked,
    motivating_works,
    open_reports,
    openness_of,
    openness_summary,
    owned_record,
    people_labels,
    record_owner_id,
    request_for_participant,
    request_topic_choices,
    researcher_topics,
    verified_email,
)
from collab.services import (
    message_post,
    openness_update,
    report_decide,
    report_file,
    request_accept,
    request_archive,
    request_close,
    request_decline,
    request_mark_read,
    request_refusal,
    request_send,
    user_block,
    user_unblock,
)
from profiles.models import Researcher


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: AuthedRequest, slug: str) -> HttpResponse:
    """The request form: the owner's openness, the fit with the sender's record, then send."""
    researcher = get_object_or_404(Researcher, slug=slug)
    summary = openness_summary(researcher)
    mine = owned_record(request.user)
    form = RequestForm(
        request.POST or None,
        topics=request_topic_choices(researcher=researcher, openness=summary.openness),
        works=motivating_works(researcher_ids=[researcher.pk] + ([mine.pk] if mine else [])),
    )
    if request.method == "POST" and form.is_valid():
        try:
            sent = request_send(
                sender=request.user,
                researcher_id=researcher.pk,
                kind=form.cleaned_data["kind"],
                topic_ids=[t.pk for t in form.cleaned_data["topics"]],
                work_ids=[w.pk for w in form.cleaned_data["works"]],
                message=form.cleaned_data["message"],
            )
        except CollabError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your request is sent; you will see the answer here.")
            return redirect("collab:request_detail", public_id=sent.public_id)
    context = {
        "researcher": researcher,
        "summary": summary,
        "form": form,
        "refusal": request_refusal(sender=request.user, researcher=researcher),
        "verified": verified_email(request.user) is not None,
        "my_record": mine,
        "fit": collab_fit(sender_researcher_id=mine.pk, owner_researcher_id=researcher.pk)
        if mine and mine.pk != researcher.pk
        else None,
        "fit_cap": FIT_WORKS_CAP,
    }
    return render(request, "collab/request_form.html", context)


@login_required
@require_safe
def inbox_view(request: AuthedRequest) -> HttpResponse:
    """The user's requests: received (the owner's inbox), sent, archived; unread marked."""
    box = request.GET.get("box", "received")
    if box not in INBOX_BOXES:
        box = "received"
    page = Paginator(inbox(user=request.user, box=box), 30).get_page(request.GET.get("page"))
    blocks = list(Block.objects.filter(blocker=request.user).order_by("-created_at"))
    labels = people_labels([b.blocked_id for b in blocks])
    blocked = [(b, labels.get(b.blocked_id, "")) for b in blocks]
    context = {"box": box, "boxes": INBOX_BOXES, "page": page, "blocks": blocked}
    return render(request, "collab/inbox.html", context)


def _thread_context(request: AuthedRequest, collab: CollabRequest, **extra: Any) -> dict[str, Any]:
    is_owner = collab.owner_id == request.user.pk
    other = collab.sender if is_owner else collab.owner
    openness = None if is_owner else openness_of(collab.researcher)
    show_email = bool(
        openness
        and openness.share_email
        and collab.state != RequestState.PENDING
        and collab.decided_at is not None
        and collab.state != RequestState.DECLINED
    )
    return {
        "collab": collab,
        "is_owner": is_owner,
        "other": other,
        "other_label": collab.sender_label if is_owner else collab.owner_label,
        "thread_messages": collab.messages.select_related("author"),
        "blocked": is_blocked(a=request.user, b=other),
        "i_blocked": has_blocked(blocker=request.user, blocked=other),
        "owner_email": verified_email(collab.owner) if show_email else "",
        "message_form": extra.pop("message_form", None) or MessageForm(),
        "decline_form": DeclineForm(),
        "report_form": ReportForm(),
        **extra,
    }


@login_required
@require_safe
def request_detail(request: AuthedRequest, public_id: uuid.UUID) -> HttpResponse:
    """A request and, once accepted, its thread; only its two sides may read it.

    With HX-Target `thread-messages` only the messages come back (the page polls for them).
    """
    collab = request_for_participant(user=request.user, public_id=public_id)
    request_mark_read(request=collab, user=request.user)
    context = _thread_context(request, collab)
    if request.htmx and request.htmx.target == "thread-messages":
        return render(request, "collab/request_detail.html#thread-messages", context)
    return render(request, "collab/request_detail.html", context)


@login_required
@require_POST
def message_create(request: AuthedRequest, public_id: uuid.UUID) -> HttpResponse:
    """Post a message to the thread; on error the text comes back in the form."""
    collab = request_for_participant(user=request.user, public_id=public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message_post(request_id=collab.pk, author=request.user, body=form.cleaned_data["body"])
        except CollabError as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                return redirect(
                    reverse("collab:request_detail", args=[collab.public_id]) + "#thread-messages"
                )
            form = MessageForm()
    context = _thread_context(request, collab, message_form=form, oob=bool(request.htmx))
    if request.htmx:
        return render(request, "collab/request_detail.html#message-form", context)
    return render(request, "collab/request_detail.html", context)


def _back(collab: CollabRequest) -> HttpResponse:
    return redirect("collab:request_detail", public_id=collab.public_id)


@login_required
@require_POST
def request_answer(request: AuthedRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    """The owner accepts, declines (with a reason) or archives; either side closes."""
    collab = request_for_participant(user=request.user, public_id=public_id)
    try:
        if action == "accept":
            request_accept(request_id=collab.pk, owner=request.user)
            done = "Accepted: you can now write to each other here."
        elif action == "decline":
            form = DeclineForm(request.POST)
            reason = form.reason_text() if form.is_valid() else ""
            request_decline(request_id=collab.pk, owner=request.user, reason=reason)
            done = "Declined; the sender is told."
        elif action == "archive":
            request_archive(request_id=collab.pk, owner=request.user)
            done = "Archived without an answer."
        elif action == "close":
            request_close(request_id=collab.pk, user=request.user)
            done = "Closed. The conversation stays readable here."
        elif action == "block":
            user_block(request_id=collab.pk, user=request.user)
            done = "Blocked: this person cannot send you requests or messages."
        else:
            raise Http404
    except CollabError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(collab)


@login_required
@require_POST
def report_create(request: AuthedRequest, public_id: uuid.UUID) -> HttpResponse:
    """Report the request or one message of it to the moderators."""
    collab = request_for_participant(user=request.user, public_id=public_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what is wrong, so a moderator can act on it.")
        return _back(collab)
    try:
        report_file(
            request_id=collab.pk,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            message_id=form.cleaned_data["message"],
        )
    except CollabError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Reported. A moderator will look at it.")
    return _back(collab)


@login_required
@require_POST
def block_remove(request: AuthedRequest, user_id: int) -> HttpResponse:
    """Lift a block the user set."""
    if user_unblock(user=request.user, blocked_id=user_id):
        messages.success(request, "Unblocked.")
    return redirect(reverse("collab:inbox") + "#blocks")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def openness_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    """The owner says what they take: open or not, kinds, topics, capacity, a pause."""
    researcher = get_object_or_404(Researcher, slug=slug)
    if record_owner_id(researcher.pk) != request.user.pk:
        raise Http404
    openness = openness_of(researcher) or Openness(researcher=researcher)
    initial = {
        "is_open": openness.is_open,
        "kinds": openness.kinds,
        "topics": list(openness.topics.all()) if openness.pk else [],
        "monthly_capacity": openness.monthly_capacity,
        "paused_until": openness.paused_until,
        "share_email": openness.share_email,
    }
    form = OpennessForm(
        request.POST or None, initial=initial, topics=list(researcher_topics(researcher.pk))
    )
    if request.method == "POST" and form.is_valid():
        try:
            openness_update(researcher_id=researcher.pk, owner=request.user, data=form.as_input())
        except CollabError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your collaboration settings are saved.")
            return redirect("collab:openness_edit", slug=researcher.slug)
    context = {"researcher": researcher, "form": form, "summary": openness_summary(researcher)}
    return render(request, "collab/openness_form.html", context)


@moderator_required
@require_safe
def moderation_reports(request: AuthedRequest) -> HttpResponse:
    """Open reports of requests and messages, oldest first, with the reported text."""
    page = Paginator(open_reports(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "collab/moderation_reports.html",
        {"page": page, "decision_form": ReportDecisionForm(), "states": ReportState},
    )


@moderator_required
@require_POST
def moderation_report_decide(request: AuthedRequest, report_id: int, action: str) -> HttpResponse:
    """Dismiss a report, or uphold it (which closes the conversation)."""
    if action not in ("uphold", "dismiss"):
        raise Http404
    form = ReportDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        report_decide(
            report_id=report_id, moderator=request.user, uphold=action == "uphold", note=note
        )
    except CollabError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Report #{report_id}: {action} done.")
    return redirect("collab:moderation_reports")
