"""Every collaboration page and action as anonymous, outsider, sender, owner and moderator."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from collab.models import CollabKind, CollabRequest, Report, RequestState
from collab.services import message_post, report_file, request_accept, request_send
from tests.collab.conftest import open_to_all, topic_ids

LOGIN = reverse("account_login")
CAST = ["anonymous", "outsider", "sender", "owner", "moderator"]


def as_user(who: str, request) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


@pytest.fixture
def pending(owner, sender, ada, topics):
    return request_send(
        sender=sender,
        researcher_id=ada.pk,
        kind=CollabKind.COAUTHORING,
        topic_ids=topic_ids(topics, "Engines"),
        message="Shall we <b>write</b> about engines?",
    )


@pytest.fixture
def accepted(pending, owner):
    request_accept(request_id=pending.pk, owner=owner)
    return pending


def detail_url(collab):
    return reverse("collab:request_detail", args=[collab.public_id])


# --- who may read what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(CAST, [302, 404, 200, 200, 404], strict=True)),
)
def test_a_thread_is_read_only_by_its_two_sides(accepted, who, status, request):
    message_post(request_id=accepted.pk, author=request.getfixturevalue("owner"), body="Hi <i>")
    response = as_user(who, request).get(detail_url(accepted))
    assert response.status_code == status
    if who == "anonymous":
        assert response.url.startswith(LOGIN)
    if status == 200:
        html = response.content.decode()
        assert "Shall we &lt;b&gt;write&lt;/b&gt; about engines?" in html  # escaped
        assert "Hi &lt;i&gt;" in html


def test_a_guessed_id_finds_nothing(accepted, sender):
    client = Client()
    client.force_login(sender)
    assert client.get(reverse("collab:request_detail", args=[uuid.uuid4()])).status_code == 404
    # The database id is never a way in.
    assert client.get(f"/collaboration/{accepted.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(CAST, [302, 404, 404, 200, 404], strict=True)),
)
def test_only_the_owner_edits_the_openness(owner, ada, who, status, request):
    response = as_user(who, request).get(reverse("collab:openness_edit", args=[ada.slug]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(CAST, [302, 404, 404, 404, 200], strict=True)),
)
def test_only_moderators_see_the_report_queue(accepted, owner, who, status, request):
    report_file(request_id=accepted.pk, reporter=owner, reason="Spam, I think", message_id=None)
    response = as_user(who, request).get(reverse("collab:moderation_reports"))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Spam, I think" in html and "Shall we &lt;b&gt;write" in html


@pytest.mark.parametrize(("who", "status"), list(zip(CAST, [302, 200, 200, 200, 200], strict=True)))
def test_the_inbox_shows_each_person_only_their_own(pending, who, status, request):
    response = as_user(who, request).get(reverse("collab:inbox"))
    assert response.status_code == status
    if status == 200:
        mine = who == "owner"
        assert (detail_url(pending) in response.content.decode()) is mine
        sent = as_user(who, request).get(reverse("collab:inbox") + "?box=sent")
        assert (detail_url(pending) in sent.content.decode()) is (who == "sender")


# --- who may change what --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider", "sender", "moderator"])
@pytest.mark.parametrize("action", ["accept", "decline", "archive"])
def test_nobody_but_the_owner_answers(pending, who, action, request):
    url = reverse("collab:request_answer", args=[pending.public_id, action])
    response = as_user(who, request).post(url)
    assert response.status_code in (302, 404)
    assert CollabRequest.objects.get(pk=pending.pk).state == RequestState.PENDING


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_outsiders_cannot_post_close_block_or_report(accepted, who, request):
    client = as_user(who, request)
    for url, data in [
        (reverse("collab:message_create", args=[accepted.public_id]), {"body": "Let me in"}),
        (reverse("collab:request_answer", args=[accepted.public_id, "close"]), {}),
        (reverse("collab:request_answer", args=[accepted.public_id, "block"]), {}),
        (reverse("collab:report_create", args=[accepted.public_id]), {"reason": "x"}),
    ]:
        assert client.post(url, data).status_code in (302, 404)
    assert CollabRequest.objects.get(pk=accepted.pk).state == RequestState.ACCEPTED
    assert not accepted.messages.exists() and not Report.objects.exists()


def test_every_change_is_a_post_with_csrf(pending, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("collab:request_answer", args=[pending.public_id, "accept"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no token
    token = client.get(detail_url(pending)).context["csrf_token"]
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert CollabRequest.objects.get(pk=pending.pk).state == RequestState.ACCEPTED


def test_the_owner_declines_with_a_template_reason_the_sender_reads(pending, owner, sender):
    client = Client()
    client.force_login(owner)
    url = reverse("collab:request_answer", args=[pending.public_id, "decline"])
    client.post(url, {"template": "capacity", "reason": ""})
    declined = CollabRequest.objects.get(pk=pending.pk)
    assert declined.decline_reason == "I don't have the capacity for this right now."
    client.force_login(sender)
    assert "I don&#x27;t have the capacity" in client.get(detail_url(pending)).content.decode()


# --- the thread with htmx -------------------------------------------------------------------


def test_an_htmx_message_comes_back_as_the_form_and_the_new_messages(accepted, sender):
    client = Client()
    client.force_login(sender)
    url = reverse("collab:message_create", args=[accepted.public_id])
    response = client.post(
        url, {"body": "First message"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="message-form"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="message-form"' in html and 'hx-swap-oob="true"' in html
    assert "First message" in html.split('id="message-form"')[0]  # in the messages, not the box


def test_a_message_refused_because_the_thread_closed_keeps_its_text(accepted, sender, owner):
    client = Client()
    client.force_login(owner)
    client.post(reverse("collab:request_answer", args=[accepted.public_id, "close"]))
    client.force_login(sender)  # their page was open before the close
    url = reverse("collab:message_create", args=[accepted.public_id])
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = client.post(url, {"body": "A long careful reply"}, **headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert "only in an accepted, open thread" in html
        assert "A long careful reply</textarea>" in html
    assert not accepted.messages.exists()


def test_an_over_long_message_comes_back_with_its_text_and_the_error(accepted, sender):
    client = Client()
    client.force_login(sender)
    url = reverse("collab:message_create", args=[accepted.public_id])
    text = "x" * 4001
    response = client.post(url, {"body": text}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and text in html and "at most 4000" in html
    assert not accepted.messages.exists()


def test_polling_returns_only_the_messages(accepted, owner):
    client = Client()
    client.force_login(owner)
    message_post(request_id=accepted.pk, author=owner, body="Polled")
    response = client.get(
        detail_url(accepted), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="thread-messages"
    )
    html = response.content.decode()
    assert "Polled" in html and "<html" not in html and 'id="message-form"' not in html


# --- the request form, the profile card and the header ----------------------------------------


def test_the_form_sends_a_request_and_says_why_when_it_cannot(owner, sender, ada, topics):
    client = Client()
    client.force_login(sender)
    url = reverse("collab:request_create", args=[ada.slug])
    page = client.get(url).content.decode()
    assert "Find and claim your own record" in page  # the sender owns no record: no fit
    assert "never your e-mail address" in page
    response = client.post(
        url,
        {"kind": "coauthoring", "topics": [topics["Engines"].pk], "message": "Hello <script>"},
    )
    sent = CollabRequest.objects.get()
    assert response.status_code == 302 and response.url == detail_url(sent)
    again = client.get(url).content.decode()
    assert "already have an open request" in again and 'id="request-form"' not in again


def test_a_form_error_keeps_everything_typed(owner, sender, ada, topics):
    client = Client()
    client.force_login(sender)
    url = reverse("collab:request_create", args=[ada.slug])
    response = client.post(url, {"kind": "coauthoring", "message": "Kept words"})  # no topic
    html = response.content.decode()
    assert response.status_code == 200 and "Kept words" in html
    assert not CollabRequest.objects.exists()


def test_a_paused_owner_is_shown_as_paused_and_the_form_refuses(owner, sender, ada):
    open_to_all(ada, owner, paused_until="2099-01-31")
    profile = Client().get(reverse("profiles:researcher_detail", args=[ada.slug])).content
    assert "paused until 2099-01-31" in profile.decode()
    assert "Open to collaborate" not in profile.decode()
    client = Client()
    client.force_login(sender)
    page = client.get(reverse("collab:request_create", args=[ada.slug])).content.decode()
    assert "paused requests until 2099-01-31" in page and 'id="request-form"' not in page


def test_the_profile_shows_the_openness_and_the_way_in(owner, ada, topics):
    open_to_all(ada, owner, kinds=["reviewing"], monthly_capacity=4)
    html = Client().get(reverse("profiles:researcher_detail", args=[ada.slug])).content.decode()
    card = html.split('id="direct-collaboration"')[1].split("</section>")[0]
    assert "Reviewing" in card and "4 new requests a month" in card
    assert "Log in to request a collaboration" in card


def test_the_header_counts_unread_until_read(pending, owner):
    client = Client()
    client.force_login(owner)
    home = client.get("/").content.decode()
    assert 'id="collab-unread"' in home and ">1<" in home.split('id="collab-unread"')[1][:80]
    client.get(detail_url(pending))
    assert 'id="collab-unread"' not in client.get("/").content.decode()


def test_the_other_side_is_named_by_record_or_name_never_by_username(accepted, owner, sender):
    # allauth derives usernames from e-mail addresses: they are never shown to the other side.
    for user, handle in [(owner, "zq-handle-owner"), (sender, "zq-handle-sender")]:
        user.username = handle
        user.save()
    message_post(request_id=accepted.pk, author=sender, body="Hello")
    client = Client()
    client.force_login(owner)
    client.post(reverse("collab:request_answer", args=[accepted.public_id, "block"]))
    for url in (detail_url(accepted), reverse("collab:inbox")):
        html = client.get(url).content.decode().split("<main")[1]
        assert "someone without a claimed record" in html.lower()
        assert "zq-handle" not in html
    sender.first_name, sender.last_name = "Charles", "Babbage"
    sender.save()
    assert "Charles Babbage" in client.get(reverse("collab:inbox")).content.decode()
    client.force_login(sender)
    html = client.get(detail_url(accepted)).content.decode().split("<main")[1]
    assert "Ada Lovelace" in html and "zq-handle" not in html


@pytest.mark.parametrize("who", ["anonymous", "outsider", "owner"])
def test_a_claimed_record_says_direct_collaboration_is_unlocked(owner, ada, who, request):
    html = as_user(who, request).get(reverse("profiles:researcher_detail", args=[ada.slug]))
    card = html.content.decode().split('id="direct-collaboration"')[1].split("</section>")[0]
    assert "Direct collaboration is unlocked" in card
