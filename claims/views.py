"""Claim pages for claimants and owners, and the moderation queue for staff."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claims.forms import (
    BulkDecisionForm,
    ClaimForm,
    DecisionForm,
    ModerationFilterForm,
    OwnerProfileForm,
    WorkFlagForm,
)
from claims.models import (
    Claim,
    ClaimState,
    FlagState,
    ReasonKind,
    ReasonTemplate,
    WorkFlag,
)
from claims.selectors import (
    affiliation_choices,
    claim_panel,
    competing_claims,
    connected_orcid,
    evidence_checklist,
    moderation_queue,
    orcid_sign_in_enabled,
    pending_work_flags,
    record_coauthors,
    record_recent_works,
    user_has_verified_email,
)
from claims.services.claims import (
    claim_approve,
    claim_open,
    claim_reject,
    claim_revoke,
    claim_withdraw,
    claims_bulk_decide,
)
from claims.services.errors import ClaimError
from claims.services.flags import work_flag_accept, work_flag_dismiss, work_flag_raise
from claims.services.owner import researcher_orcid_attach, researcher_owner_update
from profiles.http import HtmxHttpRequest, staff_required
from profiles.models import ClaimStatus, Researcher
from profiles.paging import page_number, page_or_404
from profiles.selectors import researcher_works_page_or_404

View = Callable[..., HttpResponse]


class AuthedRequest(HtmxHttpRequest):
    """What `login_required` guarantees: a real user (and django-htmx's details)."""

    user: User


# Moderators are staff; the same rule guards the staff pages of the data layer.
moderator_required = staff_required


def _get_claim_for_user(request: AuthedRequest, claim_id: int) -> Claim:
    """The requester's own claim; anyone else's is a 404, whoever asks."""
    return get_object_or_404(
        Claim.objects.select_related("researcher", "user"), pk=claim_id, user=request.user
    )


def _get_owned_researcher(request: AuthedRequest, slug: str) -> Researcher:
    """The record, only if the requester holds its approved claim."""
    return get_object_or_404(
        Researcher.objects.select_related("affiliation"),
        slug=slug,
        claims__user=request.user,
        claims__state=ClaimState.APPROVED,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim_create(request: AuthedRequest, slug: str) -> HttpResponse:
    """Open a claim on a record, with the evidence checklist as the system sees it."""
    researcher = get_object_or_404(Researcher, slug=slug)
    form = ClaimForm(request.POST or None, initial={"claimant_name": request.user.get_full_name()})
    verified = user_has_verified_email(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_open(
                user=request.user,
                researcher_id=researcher.pk,
                claimant_name=form.cleaned_data["claimant_name"],
                homepage_url=form.cleaned_data["homepage_url"],
                note=form.cleaned_data["note"],
            )
        except ClaimError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your claim is open; a moderator will review it.")
            return redirect("claims:claim_detail", claim_id=claim.pk)
    name = form.data.get("claimant_name") if form.is_bound else form.initial["claimant_name"]
    context = {
        "researcher": researcher,
        "form": form,
        "verified": verified,
        "claimed": researcher.claim_status == ClaimStatus.CLAIMED,
        "panel": claim_panel(user=request.user, researcher=researcher),
        "checklist": evidence_checklist(
            user=request.user, researcher=researcher, claimant_name=name or researcher.display_name
        ),
        "orcid_enabled": orcid_sign_in_enabled(),
    }
    return render(request, "claims/claim_form.html", context)


@login_required
@require_safe
def my_claims(request: AuthedRequest) -> HttpResponse:
    """The requester's claims, newest first."""
    claims = Claim.objects.owned_by(request.user).select_related("researcher").order_by("-pk")
    return render(request, "claims/my_claims.html", {"claims": claims})


@login_required
@require_safe
def claim_detail(request: AuthedRequest, claim_id: int) -> HttpResponse:
    """The claimant's view of their claim: state, reason, checklist, next step, history."""
    claim = _get_claim_for_user(request, claim_id)
    context = {
        "claim": claim,
        "checklist": evidence_checklist(
            user=claim.user, researcher=claim.researcher, claimant_name=claim.claimant_name
        ),
        "events": claim.events.select_related("actor"),
    }
    return render(request, "claims/claim_detail.html", context)


@login_required
@require_POST
def claim_withdraw_view(request: AuthedRequest, claim_id: int) -> HttpResponse:
    """The claimant withdraws a pending claim."""
    claim = _get_claim_for_user(request, claim_id)
    try:
        claim_withdraw(claim_id=claim.pk, user=request.user)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your claim is withdrawn.")
    return redirect("claims:claim_detail", claim_id=claim.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def owner_manage(request: AuthedRequest, slug: str) -> HttpResponse:
    """The owner edits headline, affiliation, open-to-collaborate, and flags works.

    `?affiliation_q=` searches all known institutions; with HX-Target `affiliation-choices`
    only that part of the form comes back (the search box asks for it as the owner types).
    """
    researcher = _get_owned_researcher(request, slug)
    initial = {
        "headline": researcher.headline,
        "affiliation": researcher.affiliation,
    }
    form = OwnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            researcher_owner_update(researcher=researcher, user=request.user, **form.cleaned_data)
        except ClaimError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your profile is updated.")
            return redirect("claims:owner_manage", slug=researcher.slug)
    source = request.POST if request.method == "POST" else request.GET
    selected = source.get("affiliation", str(researcher.affiliation_id or ""))
    context = {
        "researcher": researcher,
        "form": form,
        "affiliation": affiliation_choices(
            researcher=researcher,
            user=request.user,
            query=request.GET.get("affiliation_q", ""),
            selected_id=int(selected) if selected.isdigit() else None,
        ),
    }
    if request.htmx and request.htmx.target == "affiliation-choices":
        return render(request, "claims/owner_manage.html#affiliation-choices", context)
    number = page_number(request.GET)
    flags = WorkFlag.objects.filter(researcher=researcher).select_related("work").order_by("-pk")
    context |= {
        "works_page": researcher_works_page_or_404(researcher, number=number),
        "flagged": {f.work_id: f for f in flags if f.state == FlagState.PENDING},
        "flags": flags,
        "orcid": {
            "enabled": orcid_sign_in_enabled(),
            "connected": connected_orcid(request.user),
        },
    }
    return render(request, "claims/owner_manage.html", context)


@login_required
@require_POST
def owner_orcid_attach(request: AuthedRequest, slug: str) -> HttpResponse:
    """The owner adds the ORCID iD they signed in with to their record."""
    researcher = _get_owned_researcher(request, slug)
    try:
        orcid = researcher_orcid_attach(researcher_id=researcher.pk, user=request.user)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"ORCID iD {orcid} is on your record.")
    return redirect(reverse("claims:owner_manage", args=[researcher.slug]) + "#orcid")


@login_required
@require_POST
def work_flag_create(request: AuthedRequest, slug: str, work_id: int) -> HttpResponse:
    """The owner flags a work of their record as "not mine"."""
    researcher = _get_owned_researcher(request, slug)
    form = WorkFlagForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        work_flag_raise(researcher=researcher, work_id=work_id, user=request.user, note=note)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Flagged as not yours; a moderator will review it.")
    return redirect("claims:owner_manage", slug=researcher.slug)


@moderator_required
@require_safe
def moderation_queue_view(request: HttpRequest) -> HttpResponse:
    """The moderation queue: claims by state and age, oldest first, with bulk actions."""
    filters = ModerationFilterForm(request.GET or {"state": ClaimState.PENDING})
    state, age = ClaimState.PENDING.value, ""
    if filters.is_valid():
        state, age = filters.cleaned_data["state"], filters.cleaned_data["age"]
    page = page_or_404(moderation_queue(state=state, age=age), per_page=50, query=request.GET)
    context = {
        "filters": filters,
        "page": page,
        "bulk_form": BulkDecisionForm(auto_id="bulk-%s"),
        "pending_flags": pending_work_flags().count(),
    }
    return render(request, "claims/moderation_queue.html", context)


@moderator_required
@require_safe
def moderation_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One claim with its checklist, the record's works and co-authors, and competing claims."""
    claim = get_object_or_404(
        Claim.objects.select_related("researcher", "user", "decided_by"), pk=claim_id
    )
    context = {
        "claim": claim,
        "checklist": evidence_checklist(
            user=claim.user, researcher=claim.researcher, claimant_name=claim.claimant_name
        ),
        "works": record_recent_works(claim.researcher),
        "coauthors": record_coauthors(claim.researcher),
        "competing": competing_claims(claim),
        "events": claim.events.select_related("actor"),
        # Three forms on one page: each field id carries its form's name ("reject-reason").
        "approve_form": DecisionForm(kind=ReasonKind.APPROVE, auto_id="approve-%s"),
        "reject_form": DecisionForm(kind=ReasonKind.REJECT, auto_id="reject-%s"),
        "revoke_form": DecisionForm(kind=ReasonKind.REVOKE, auto_id="revoke-%s"),
    }
    return render(request, "claims/moderation_detail.html", context)


DECISIONS = {"approve": claim_approve, "reject": claim_reject, "revoke": claim_revoke}


@moderator_required
@require_POST
def moderation_decide(request: HttpRequest, claim_id: int, action: str) -> HttpResponse:
    """Approve, reject or revoke one claim, with a typed or templated reason."""
    if action not in DECISIONS:
        raise Http404
    claim = get_object_or_404(Claim, pk=claim_id)
    form = DecisionForm(request.POST, kind=action)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        DECISIONS[action](claim_id=claim.pk, moderator=request.user, reason=reason)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Claim #{claim.pk}: {action} done.")
    return redirect("claims:moderation_detail", claim_id=claim.pk)


@moderator_required
@require_POST
def moderation_bulk(request: HttpRequest) -> HttpResponse:
    """Approve or reject the ticked pending claims, one transaction each."""
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick at least one pending claim and choose an action.")
        return redirect("claims:moderation_queue")
    result = claims_bulk_decide(
        claim_ids=[c.pk for c in form.cleaned_data["claims"]],
        moderator=request.user,
        action=form.cleaned_data["action"],
        reason=form.cleaned_data["reason"],
    )
    if result.done:
        messages.success(request, f"{len(result.done)} claim(s): {form.cleaned_data['action']}.")
    for claim_id, error in result.failed:
        messages.error(request, f"Claim #{claim_id}: {error}")
    return redirect("claims:moderation_queue")


@moderator_required
@require_safe
def moderation_flags(request: HttpRequest) -> HttpResponse:
    """Pending "not mine" flags, each with accept and dismiss."""
    decided = (
        WorkFlag.objects.exclude(state=FlagState.PENDING)
        .select_related("researcher", "work", "decided_by")
        .order_by("-decided_at")[:20]
    )
    context = {
        "flags": pending_work_flags(),
        "decided": decided,
        # One dismiss form per flag, each with its own ids: the templates are read once.
        "reason_templates": list(ReasonTemplate.objects.filter(kind=ReasonKind.FLAG, active=True)),
    }
    return render(request, "claims/moderation_flags.html", context)


FLAG_DECISIONS = {"accept": work_flag_accept, "dismiss": work_flag_dismiss}


@moderator_required
@require_POST
def moderation_flag_decide(request: HttpRequest, flag_id: int, action: str) -> HttpResponse:
    """Accept (detach the work) or dismiss one flag."""
    if action not in FLAG_DECISIONS:
        raise Http404
    flag = get_object_or_404(WorkFlag, pk=flag_id)
    form = DecisionForm(request.POST, kind=ReasonKind.FLAG)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        FLAG_DECISIONS[action](flag_id=flag.pk, moderator=request.user, reason=reason)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Flag #{flag.pk}: {action} done.")
    return redirect("claims:moderation_flags")
