"""Record repair pages: the candidate queue, merge and split previews, operations and undo,
a record's audit, and the owner's "Is this you too?"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claims.models import ClaimState, FlagState, WorkFlag
from claims.views import AuthedRequest, moderator_required
from profiles.models import Researcher
from profiles.paging import page_or_404
from records.forms import (
    FlagMoveForm,
    MergeForm,
    MergePairForm,
    SplitFilterForm,
    SplitForm,
    UndoForm,
)
from records.models import CandidateState, DuplicateCandidate, Operation
from records.selectors import (
    SplitFilters,
    candidate_queue,
    candidates_for_record,
    merge_preview,
    operation_blocking,
    pending_flags_of_record,
    record_operations,
    record_topics,
    split_moves,
    split_works,
)
from records.services.candidates import candidate_dismiss, candidate_request
from records.services.flag_moves import work_flags_accept_moving
from records.services.operations import (
    RecordError,
    operation_undo,
    records_merge,
    records_split,
)

# An owner who asked for a merge may undo it themselves for this long (then a moderator).
OWNER_UNDO_WINDOW = timedelta(days=30)


def _is_owner(user: Any, researcher_id: int) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Researcher.objects.filter(
            pk=researcher_id, claims__user=user, claims__state=ClaimState.APPROVED
        ).exists()
    )


def _owner_may_undo(user: object, operation: Operation) -> bool:
    return (
        operation.requested_by_id is not None
        and operation.requested_by_id == getattr(user, "pk", None)
        and timezone.now() - operation.created_at <= OWNER_UNDO_WINDOW
    )


def _get_operation_for_user(request: AuthedRequest, operation_id: int) -> Operation:
    """Moderators see every operation; an owner only the ones they asked for; others a 404."""
    operation = get_object_or_404(
        Operation.objects.select_related("actor", "requested_by", "undone_by"), pk=operation_id
    )
    if request.user.is_staff or operation.requested_by_id == request.user.pk:
        return operation
    raise Http404


@moderator_required
@require_safe
def candidate_queue_view(request: HttpRequest) -> HttpResponse:
    """Possible duplicates, owners' requests first, then by score; and a merge by hand."""
    page = page_or_404(candidate_queue(), per_page=50, query=request.GET)
    context = {"page": page, "pair_form": MergePairForm(auto_id="pair-%s")}
    return render(request, "records/candidate_queue.html", context)


@moderator_required
@require_POST
def candidate_dismiss_view(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """ "Not the same person": the pair leaves the queue and is not proposed again."""
    candidate_dismiss(candidate_id=candidate_id)
    messages.success(request, "Marked as two different people.")
    return redirect("records:candidate_queue")


@moderator_required
@require_safe
def merge_preview_view(request: HttpRequest) -> HttpResponse:
    """What merging `source` into `target` would give, before anything changes."""
    pair = MergePairForm(request.GET)
    if not pair.is_valid():
        return render(request, "records/merge_preview.html", {"pair_form": pair}, status=400)
    source = get_object_or_404(Researcher, slug=pair.cleaned_data["source"])
    target = get_object_or_404(Researcher, slug=pair.cleaned_data["target"])
    if source.pk == target.pk:
        pair.add_error(None, "Choose two different records.")
        return render(request, "records/merge_preview.html", {"pair_form": pair}, status=400)
    form = MergeForm(
        initial={"source": source.slug, "target": target.slug, "candidate": request.GET.get("c")}
    )
    swap = reverse("records:merge_preview") + f"?source={target.slug}&target={source.slug}"
    context = {
        "preview": merge_preview(source=source, target=target),
        "form": form,
        "swap_url": swap,
    }
    return render(request, "records/merge_preview.html", context)


@moderator_required
@require_POST
def merge_view(request: AuthedRequest) -> HttpResponse:
    """Merge, then show the operation (with its undo)."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The merge form was incomplete: nothing changed.")
        return redirect("records:candidate_queue")
    source = get_object_or_404(Researcher, slug=form.cleaned_data["source"])
    target = get_object_or_404(Researcher, slug=form.cleaned_data["target"])
    candidate = DuplicateCandidate.objects.filter(pk=form.cleaned_data["candidate"] or 0).first()
    requested_by = candidate.requested_by if candidate else None
    try:
        operation = records_merge(
            source_id=source.pk,
            target_id=target.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            requested_by=requested_by,
        )
    except RecordError as exc:
        messages.error(request, f"Not merged: {exc}")
        url = reverse("records:merge_preview") + f"?source={source.slug}&target={target.slug}"
        return redirect(url)
    messages.success(request, f"Merged {source.display_name} into {target.display_name}.")
    return redirect("records:operation_detail", operation_id=operation.pk)


@login_required
@require_safe
def operation_detail(request: AuthedRequest, operation_id: int) -> HttpResponse:
    """One operation: what it did, from the before-state, and its undo."""
    operation = _get_operation_for_user(request, operation_id)
    may_undo = request.user.is_staff or _owner_may_undo(request.user, operation)
    context = {
        "operation": operation,
        "blocking": operation_blocking(operation),
        "may_undo": may_undo,
        "undo_form": UndoForm(),
        "target": Researcher.objects.filter(pk=operation.target_id).first(),
        "source": Researcher.objects.filter(pk=operation.source_id).first(),
    }
    return render(request, "records/operation_detail.html", context)


@login_required
@require_POST
def operation_undo_view(request: AuthedRequest, operation_id: int) -> HttpResponse:
    """Undo: moderators always; the owner who asked for it within 30 days."""
    operation = _get_operation_for_user(request, operation_id)
    if not (request.user.is_staff or _owner_may_undo(request.user, operation)):
        raise Http404
    form = UndoForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        operation_undo(operation_id=operation.pk, actor=request.user, reason=reason)
    except RecordError as exc:
        messages.error(request, f"Not undone: {exc}")
    else:
        messages.success(request, "Undone: both records are as they were.")
    return redirect("records:operation_detail", operation_id=operation.pk)


@login_required
@require_safe
def record_history(request: AuthedRequest, slug: str) -> HttpResponse:
    """The record's audit: every merge and split that touched it, who, when and why."""
    researcher = get_object_or_404(Researcher, slug=slug)
    if not (request.user.is_staff or _is_owner(request.user, researcher.pk)):
        raise Http404
    context = {"researcher": researcher, "operations": record_operations(researcher.pk)}
    return render(request, "records/record_history.html", context)


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def split_view(request: AuthedRequest, slug: str) -> HttpResponse:
    """Select works (with filters) and move them to a new or an existing record."""
    researcher = get_object_or_404(Researcher, slug=slug)
    filters_form = SplitFilterForm(request.GET)
    filters_form.fields["topic"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
        (t.pk, t.display_name) for t in record_topics(researcher)
    ]
    filters = SplitFilters()
    if filters_form.is_valid():
        filters = SplitFilters(**filters_form.cleaned_data)
    works = list(split_works(researcher, filters)[:500])
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "works" in request.GET else None)
    )
    form = SplitForm(data)
    form.fields["works"].choices = [(w.pk, w.title) for w in works]  # type: ignore[attr-defined]
    target = form.target_record if form.is_valid() else None
    if request.method == "POST" and form.is_valid():
        try:
            operation = records_split(
                source_id=researcher.pk,
                work_ids=form.cleaned_data["works"],
                target_id=target.pk if target else None,
                new_name=form.cleaned_data["new_name"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except RecordError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Moved {len(form.cleaned_data['works'])} works.")
            return redirect("records:operation_detail", operation_id=operation.pk)
    preview = None
    if form.is_bound and form.is_valid():
        preview = {
            "count": len(form.cleaned_data["works"]),
            "target": target,
            "moves": split_moves(
                source=researcher, target=target, work_ids=form.cleaned_data["works"]
            ),
        }
    context = {
        "researcher": researcher,
        "filters_form": filters_form,
        "form": form,
        "works": works,
        # What was ticked stays ticked, also when the form has an error.
        "selected": {int(v) for v in form["works"].value() or () if str(v).isdigit()},
        "preview": preview,
    }
    return render(request, "records/split.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def owner_duplicates(request: AuthedRequest, slug: str) -> HttpResponse:
    """ "Is this you too?": the owner sees possible duplicates of their record."""
    researcher = get_object_or_404(Researcher, slug=slug)
    if not _is_owner(request.user, researcher.pk):
        raise Http404
    context = {"researcher": researcher, "candidates": candidates_for_record(researcher)}
    return render(request, "records/owner_duplicates.html", context)


@login_required
@require_POST
def owner_merge_request(request: AuthedRequest, slug: str, candidate_id: int) -> HttpResponse:
    """The owner asks moderators to merge the other record into theirs."""
    researcher = get_object_or_404(Researcher, slug=slug)
    if not _is_owner(request.user, researcher.pk):
        raise Http404
    get_object_or_404(
        DuplicateCandidate,
        Q(low=researcher) | Q(high=researcher),
        pk=candidate_id,
        state=CandidateState.OPEN,
    )
    candidate_request(candidate_id=candidate_id, user=request.user, into_id=researcher.pk)
    messages.success(request, "Asked the moderators to merge that record into yours.")
    return redirect("records:owner_duplicates", slug=researcher.slug)


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def flag_move_view(request: AuthedRequest, flag_id: int) -> HttpResponse:
    """Accept "not mine" flags by moving their works to another record: choose, preview, move."""
    flag = get_object_or_404(
        WorkFlag.objects.select_related("researcher", "work"), pk=flag_id, state=FlagState.PENDING
    )
    researcher = flag.researcher
    pending = list(pending_flags_of_record(researcher.pk))
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = FlagMoveForm(data, initial={"flags": [flag.pk]})
    form.fields["flags"].choices = [(f.pk, f.work.title) for f in pending]  # type: ignore[attr-defined]
    target = form.target_record if form.is_valid() else None
    if request.method == "POST" and form.is_valid():
        try:
            operation = work_flags_accept_moving(
                flag_ids=form.cleaned_data["flags"],
                target_id=target.pk if target else None,
                new_name=form.cleaned_data["new_name"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except RecordError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Flags accepted; works moved to {operation.target_name}.")
            return redirect("records:operation_detail", operation_id=operation.pk)
    preview = None
    if form.is_bound and form.is_valid():
        chosen = [f for f in pending if f.pk in set(form.cleaned_data["flags"])]
        preview = {
            "flags": chosen,
            "target": target,
            "moves": split_moves(
                source=researcher,
                target=target,
                work_ids=[f.work_id for f in chosen],
                keep=("claims.WorkFlag",),
            ),
        }
    context = {"flag": flag, "researcher": researcher, "form": form, "preview": preview}
    return render(request, "records/flag_move.html", context, status=400 if form.errors else 200)
