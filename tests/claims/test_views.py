"""Every claim page as anonymous visitor, outsider, claimant/owner and moderator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimEvent, ClaimState, FlagState, ReasonTemplate, WorkFlag
from claims.services.claims import claim_open
from claims.services.flags import work_flag_raise
from profiles.models import ClaimStatus, Researcher
from tests.claims.conftest import verify_email
from tests.factories import AuthorshipFactory

LOGIN = reverse("account_login")


def as_user(who: str, request) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# --- the claimant's pages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("moderator", 404), ("claimant", 200)],
)
def test_a_claim_page_is_only_for_its_claimant(pending_claim, who, status, request):
    response = as_user(who, request).get(reverse("claims:claim_detail", args=[pending_claim.pk]))
    assert response.status_code == status
    if who == "anonymous":
        assert response.url.startswith(LOGIN)
    if status == 200:
        assert "Ada Lovelace" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_nobody_but_the_claimant_can_withdraw(pending_claim, who, request):
    response = as_user(who, request).post(reverse("claims:claim_withdraw", args=[pending_claim.pk]))
    assert response.status_code in (302, 404)
    assert Claim.objects.get(pk=pending_claim.pk).state == ClaimState.PENDING


def test_the_claimant_withdraws_with_a_csrf_protected_post(pending_claim, claimant, record):
    url = reverse("claims:claim_withdraw", args=[pending_claim.pk])
    client = csrf_client(claimant)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no CSRF token
    token = client.get(reverse("claims:claim_detail", args=[pending_claim.pk])).context[
        "csrf_token"
    ]
    response = client.post(url, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert Claim.objects.get(pk=pending_claim.pk).state == ClaimState.WITHDRAWN
    assert Researcher.objects.get(pk=record.pk).claim_status == ClaimStatus.UNCLAIMED


def test_my_claims_lists_only_mine(pending_claim, claimant, outsider):
    client = Client()
    client.force_login(outsider)
    assert "Ada Lovelace" not in client.get(reverse("claims:my_claims")).content.decode()
    client.force_login(claimant)
    assert "Ada Lovelace" in client.get(reverse("claims:my_claims")).content.decode()
    assert Client().get(reverse("claims:my_claims")).status_code == 302


def test_anonymous_visitors_are_sent_to_log_in_before_claiming(client, record):
    url = reverse("claims:claim_create", args=[record.slug])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.post(url, {"claimant_name": "x"}).status_code == 302
    assert not Claim.objects.exists()


def test_an_unverified_account_is_asked_to_verify_first(client, record, outsider):
    client.force_login(outsider)
    url = reverse("claims:claim_create", args=[record.slug])
    assert "Verify an e-mail address first" in client.get(url).content.decode()
    client.post(url, {"claimant_name": "Ada Lovelace"})
    assert not Claim.objects.exists()


def test_a_verified_user_opens_a_claim_and_sees_the_checklist(record, claimant):
    client = csrf_client(claimant)
    url = reverse("claims:claim_create", args=[record.slug])
    page = client.get(url)
    assert "Name matches the record" in page.content.decode()
    assert client.post(url, {"claimant_name": "Ada Lovelace"}).status_code == 403
    response = client.post(
        url,
        {
            "claimant_name": "Ada Lovelace",
            "homepage_url": "https://example.org/ada",
            "note": "It is me",
            "csrfmiddlewaretoken": str(page.context["csrf_token"]),
        },
    )
    claim = Claim.objects.get()
    assert response.url == reverse("claims:claim_detail", args=[claim.pk])
    detail = client.get(response.url).content.decode()
    assert "Pending" in detail and "matches “Ada Lovelace”" in detail


def test_a_double_submitted_claim_is_one_claim(record, claimant):
    client = Client()
    client.force_login(claimant)
    url = reverse("claims:claim_create", args=[record.slug])
    client.post(url, {"claimant_name": "Ada Lovelace"})
    second = client.post(url, {"claimant_name": "Ada Lovelace"})
    assert Claim.objects.count() == 1
    assert "already have a pending claim" in second.content.decode()


def test_user_text_is_escaped_for_claimant_and_moderator(record, claimant, moderator):
    evil = '<script>alert("x")</script>'
    claim = claim_open(
        user=claimant,
        researcher_id=record.pk,
        claimant_name=evil,
        note=evil,
        homepage_url="https://example.org/",
    )
    for user, url in [
        (claimant, reverse("claims:claim_detail", args=[claim.pk])),
        (moderator, reverse("claims:moderation_detail", args=[claim.pk])),
        (moderator, reverse("claims:moderation_queue")),
    ]:
        client = Client()
        client.force_login(user)
        html = client.get(url).content.decode()
        assert evil not in html
        assert "&lt;script&gt;" in html


# --- the moderation queue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("claimant", 404), ("moderator", 200)],
)
@pytest.mark.parametrize("page", ["queue", "detail", "flags"])
def test_moderation_pages_are_for_staff_only(pending_claim, who, status, page, request):
    url = {
        "queue": reverse("claims:moderation_queue"),
        "detail": reverse("claims:moderation_detail", args=[pending_claim.pk]),
        "flags": reverse("claims:moderation_flags"),
    }[page]
    response = as_user(who, request).get(url)
    assert response.status_code == status
    if who == "anonymous":
        assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "claimant"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_staff_decide(pending_claim, who, action, request, record):
    response = as_user(who, request).post(
        reverse("claims:moderation_decide", args=[pending_claim.pk, action]), {"reason": "x"}
    )
    assert response.status_code in (302, 404)
    assert Claim.objects.get(pk=pending_claim.pk).state == ClaimState.PENDING
    assert Researcher.objects.get(pk=record.pk).claim_status == ClaimStatus.PENDING


def test_the_queue_filters_by_state_and_age(pending_claim, moderator, outsider, record):
    verify_email(outsider)
    old = claim_open(user=outsider, researcher_id=record.pk, claimant_name="A. Lovelace")
    Claim.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2020))
    client = Client()
    client.force_login(moderator)
    url = reverse("claims:moderation_queue")

    def listed(**params):
        html = client.get(url, params).content.decode()
        return {c.pk for c in (pending_claim, old) if f">#{c.pk}<" in html}

    assert listed() == {pending_claim.pk, old.pk}
    assert listed(age="older-month") == {old.pk}
    assert listed(age="week") == {pending_claim.pk}
    assert listed(state="approved") == set()
    assert "1 other pending" in client.get(url).content.decode()  # competing claims flagged


def test_the_moderator_sees_evidence_works_coauthors_and_competing_claims(
    pending_claim, moderator, outsider, record
):
    verify_email(outsider)
    rival = claim_open(user=outsider, researcher_id=record.pk, claimant_name="Ada Byron")
    authorship = AuthorshipFactory(researcher=record, work__title="Notes on the engine")
    AuthorshipFactory(work=authorship.work, researcher__display_name="Charles Babbage", position=1)
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("claims:moderation_detail", args=[pending_claim.pk])).content.decode()
    assert "Evidence checklist" in html
    assert "Notes on the engine" in html
    assert "Charles Babbage" in html and "1 shared work" in html
    assert f"#{rival.pk}</a> by outsider" in html


def test_the_moderator_approves_with_a_template_reason_and_the_profile_shows_it(
    pending_claim, moderator, claimant, record, client, default_reason_templates
):
    template = ReasonTemplate.objects.get(kind="approve", title="Evidence sufficient")
    mod = csrf_client(moderator)
    url = reverse("claims:moderation_decide", args=[pending_claim.pk, "approve"])
    assert mod.post(url, {"template": template.pk}).status_code == 403  # CSRF required
    token = mod.get(reverse("claims:moderation_detail", args=[pending_claim.pk])).context[
        "csrf_token"
    ]
    mod.post(url, {"template": template.pk, "csrfmiddlewaretoken": str(token)})
    mod.post(url, {"template": template.pk, "csrfmiddlewaretoken": str(token)})  # double click
    claim = Claim.objects.get(pk=pending_claim.pk)
    assert claim.state == ClaimState.APPROVED and claim.reason == template.body
    assert ClaimEvent.objects.filter(claim=claim, to_state=ClaimState.APPROVED).count() == 1

    profile = reverse("profiles:researcher_detail", args=[record.slug])
    public = client.get(profile).content.decode()
    assert "Claimed" in public and "Verification L2" in public
    assert "claimant" not in public  # who claimed it is not public
    assert "Claim this author entity first" not in public
    owner_view = Client()
    owner_view.force_login(claimant)
    assert "Claimed by you" in owner_view.get(profile).content.decode()
    staff_view = Client()
    staff_view.force_login(moderator)
    assert "Claimed by claimant" in staff_view.get(profile).content.decode()


def test_rejection_shows_the_reason_to_the_claimant(pending_claim, moderator, claimant):
    mod = Client()
    mod.force_login(moderator)
    mod.post(
        reverse("claims:moderation_decide", args=[pending_claim.pk, "reject"]),
        {"reason": "These works are by another Ada"},
    )
    me = Client()
    me.force_login(claimant)
    html = me.get(reverse("claims:claim_detail", args=[pending_claim.pk])).content.decode()
    assert "Rejected" in html and "These works are by another Ada" in html


def test_a_rejection_without_reason_is_refused(pending_claim, moderator):
    mod = Client()
    mod.force_login(moderator)
    response = mod.post(
        reverse("claims:moderation_decide", args=[pending_claim.pk, "reject"]), follow=True
    )
    assert "needs a reason" in response.content.decode()
    assert Claim.objects.get(pk=pending_claim.pk).state == ClaimState.PENDING


def test_bulk_reject_with_a_template(
    pending_claim, moderator, outsider, record, default_reason_templates
):
    verify_email(outsider)
    other = claim_open(user=outsider, researcher_id=record.pk, claimant_name="Ada Byron")
    template = ReasonTemplate.objects.get(kind="reject", title="Different person")
    mod = Client()
    mod.force_login(moderator)
    mod.post(
        reverse("claims:moderation_bulk"),
        {"claims": [pending_claim.pk, other.pk], "action": "reject", "template": template.pk},
    )
    assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.REJECTED}
    assert set(Claim.objects.values_list("reason", flat=True)) == {template.body}


def test_unknown_actions_are_404(pending_claim, moderator):
    mod = Client()
    mod.force_login(moderator)
    url = reverse("claims:moderation_decide", args=[pending_claim.pk, "delete"])
    assert mod.post(url).status_code == 404


# --- the owner's page and "not mine" ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("claimant", 404), ("moderator", 404), ("owner", 200)],
)
def test_only_the_owner_manages_the_record(pending_claim, owner, record, who, status, request):
    response = as_user(who, request).get(reverse("claims:owner_manage", args=[record.slug]))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["anonymous", "outsider", "claimant", "moderator"])
def test_nobody_but_the_owner_flags_works(pending_claim, owner, record, who, request):
    authorship = AuthorshipFactory(researcher=record)
    url = reverse("claims:work_flag_create", args=[record.slug, authorship.work_id])
    response = as_user(who, request).post(url, {"note": "no"})
    assert response.status_code in (302, 404)
    assert not WorkFlag.objects.exists()


def test_the_owner_flags_a_work_and_a_moderator_detaches_it(owner, record, moderator, client):
    authorship = AuthorshipFactory(researcher=record, work__title="Someone else's paper")
    owner_client = Client()
    owner_client.force_login(owner)
    owner_client.post(
        reverse("claims:work_flag_create", args=[record.slug, authorship.work_id]),
        {"note": "Another A. Lovelace"},
    )
    flag = WorkFlag.objects.get()
    assert (
        "waiting for a moderator"
        in owner_client.get(reverse("claims:owner_manage", args=[record.slug])).content.decode()
    )
    mod = Client()
    mod.force_login(moderator)
    assert "Another A. Lovelace" in mod.get(reverse("claims:moderation_flags")).content.decode()
    outsider_attempt = Client()
    outsider_attempt.force_login(owner)
    accept = reverse("claims:moderation_flag_decide", args=[flag.pk, "accept"])
    assert outsider_attempt.post(accept).status_code == 404  # owners do not judge their flags
    mod.post(accept)
    assert WorkFlag.objects.get().state == FlagState.ACCEPTED
    profile = client.get(reverse("profiles:researcher_detail", args=[record.slug]))
    assert "Someone else&#x27;s paper" not in profile.content.decode()


def test_a_pending_flag_waits_in_the_flag_queue(owner, record, moderator):
    authorship = AuthorshipFactory(researcher=record)
    work_flag_raise(researcher=record, work_id=authorship.work_id, user=owner)
    mod = Client()
    mod.force_login(moderator)
    assert (
        "“Not mine” flags waiting: 1"
        in mod.get(reverse("claims:moderation_queue")).content.decode()
    )


def test_the_profile_offers_a_claim_link_to_logged_in_visitors(record, outsider, client):
    profile = reverse("profiles:researcher_detail", args=[record.slug])
    assert "Log in to claim" in client.get(profile).content.decode()
    client.force_login(outsider)
    html = client.get(profile).content.decode()
    assert reverse("claims:claim_create", args=[record.slug]) in html


def test_the_claimant_sees_the_pending_status_on_the_profile(pending_claim, claimant, record):
    client = Client()
    client.force_login(claimant)
    html = client.get(reverse("profiles:researcher_detail", args=[record.slug])).content.decode()
    assert "Your claim is pending review" in html
    assert "Claim pending" in html


def test_admin_lists_claims_and_links_to_the_queue(pending_claim, moderator):
    moderator.is_superuser = True
    moderator.save()
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert reverse("claims:moderation_detail", args=[pending_claim.pk]) in html


# --- what each page says and how it is built (issue 10) -----------------------------------


def element_ids(html: str) -> list[str]:
    import re

    return re.findall(r'\sid="([^"]+)"', html)


def test_moderation_forms_have_unique_ids(pending_claim, owner, record, moderator):
    client = Client()
    client.force_login(moderator)
    for claim in (pending_claim, Claim.objects.get(user=owner)):
        html = client.get(reverse("claims:moderation_detail", args=[claim.pk])).content.decode()
        ids = element_ids(html)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for _ in range(2):
        work_flag_raise(researcher=record, work_id=AuthorshipFactory(researcher=record).work_id,
                        user=owner)  # fmt: skip
    for name in ("claims:moderation_flags", "claims:moderation_queue"):
        ids = element_ids(client.get(reverse(name)).content.decode())
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_an_empty_list_is_a_sentence_not_a_numbered_item(pending_claim, moderator):
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("claims:moderation_detail", args=[pending_claim.pk])).content.decode()
    assert "No co-authors in the imported data." in html
    assert "<li>No co-authors" not in html and "<li>No works" not in html


def test_destructive_actions_have_the_destructive_style(pending_claim, owner, record, moderator):
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("claims:moderation_detail", args=[pending_claim.pk])).content.decode()
    assert '<button type="submit" class="danger">Reject</button>' in html
    assert '<button type="submit">Approve</button>' in html


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_claimed_record_says_so_and_what_a_visitor_can_do(owner, record, who, request):
    html = as_user(who, request).get(reverse("profiles:researcher_detail", args=[record.slug]))
    text = html.content.decode()
    assert "Claimed by its author." in text
    assert "Log in to claim" not in text and "Claim this record" not in text
    if who == "anonymous":
        assert "collaboration request" in text and "log in</a> first" in text
    else:
        assert "write to them under “Direct collaboration”" in text
    assert "owner" not in text.split('id="identity"')[1].split("</section>")[0]  # not who
