"""The signed-in profile spliced from the stored anonymous page (profiles/viewer_page.py): the
same HTML as the full render for every kind of viewer, three queries, nothing of one viewer
shown to another, a change shows on the next view, and Redis down still renders."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimState
from collab.models import CollabKind, CollabRequest, RequestState
from profiles.models import Follow
from profiles.page_cache import LOCAL_PAGES
from profiles.services.refresh import researchers_changed
from profiles.viewer_page import VIEWER_PARTS, splice
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

# The session, the user, then the record's versions with the viewer's columns.
SPLICED_QUERIES = 3


@pytest.fixture
def ada():
    ada = ResearcherFactory(display_name="Ada Feng", slug="ada-feng", openalex_id="A1")
    for i in range(3):
        AuthorshipFactory(work=WorkFactory(title=f"Engines, part {i}"), researcher=ada, position=0)
    return ada


def url() -> str:
    return reverse("profiles:researcher_detail", args=["ada-feng"])


def store_anonymous_page() -> str:
    response = Client().get(url())
    assert response.status_code == 200
    return response.content.decode()


def tokens_out(html: str) -> str:
    """The page without its CSRF tokens (each render masks the viewer's secret afresh) and the
    htmx script's CSP nonce (drawn per render; the policy has no nonce: script-src 'self')."""
    html = re.sub(r'nonce="[^"]+"', 'nonce="…"', html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "…"', html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def spliced_and_full(client: Client) -> tuple[str, str, int]:
    """The viewer's page spliced from the stored page (and its query count), then the same
    viewer's page rendered in full (the stored pages dropped)."""
    store_anonymous_page()
    with CaptureQueriesContext(connection) as queries:
        spliced = client.get(url())
    assert spliced.status_code == 200
    count = len(queries)  # now: the next request clears Django's query log
    cache.clear()
    caches[LOCAL_PAGES].clear()
    full = client.get(url())
    assert full.status_code == 200
    return spliced.content.decode(), full.content.decode(), count


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unread_request_to(user, *, sender) -> CollabRequest:
    other = ResearcherFactory(claim_status="claimed")
    return CollabRequest.objects.create(
        researcher=other,
        owner=user,
        sender=sender,
        kind=CollabKind.OTHER,
        message="Shall we?",
        last_activity_at=timezone.now(),
    )


def test_an_outsider_sees_what_the_full_render_shows_for_three_queries(ada, outsider):
    spliced, full, queries = spliced_and_full(signed_in(outsider))
    assert tokens_out(spliced) == tokens_out(full)
    assert queries == SPLICED_QUERIES
    assert "outsider" in spliced and "Log in to follow" not in spliced
    assert "Claim this record" in spliced and "Engines, part 2" in spliced


def test_a_follower_with_unread_requests_sees_what_the_full_render_shows(ada, outsider):
    reader = UserFactory(username="reader")
    Follow.objects.create(user=reader, researcher=ada)
    unread_request_to(reader, sender=outsider)
    unread_request_to(reader, sender=UserFactory()).save()
    archived = unread_request_to(reader, sender=UserFactory())
    archived.state = RequestState.ARCHIVED  # not counted
    archived.save()
    read = unread_request_to(reader, sender=UserFactory())
    read.owner_read_at = timezone.now()  # read since: not counted
    read.save()
    spliced, full, queries = spliced_and_full(signed_in(reader))
    assert tokens_out(spliced) == tokens_out(full)
    assert queries == SPLICED_QUERIES
    assert "Following — unfollow" in spliced
    assert re.search(r'id="collab-unread"[^>]*>2<', spliced)


def test_a_claimant_with_a_pending_claim_sees_what_the_full_render_shows(ada):
    claimant = UserFactory(username="claimant")
    Claim.objects.create(
        user=claimant,
        researcher=ada,
        state=ClaimState.REJECTED,
        claimant_name="Ada",
        reason="No evidence",
    )
    Claim.objects.create(user=claimant, researcher=ada, claimant_name="Ada Feng")
    ada.claim_status = "pending"
    ada.save()
    spliced, full, queries = spliced_and_full(signed_in(claimant))
    assert tokens_out(spliced) == tokens_out(full)
    assert queries == SPLICED_QUERIES
    assert "Your claim is pending review." in spliced


def test_a_rejected_claimant_sees_the_reason_as_the_full_render_shows_it(ada):
    claimant = UserFactory(username="claimant")
    Claim.objects.create(
        user=claimant,
        researcher=ada,
        state=ClaimState.REJECTED,
        claimant_name="Ada",
        reason="No <evidence> & no ORCID",
    )
    spliced, full, _ = spliced_and_full(signed_in(claimant))
    assert tokens_out(spliced) == tokens_out(full)
    assert "Your last claim was rejected: No &lt;evidence&gt; &amp; no ORCID" in spliced


def test_a_moderator_sees_the_staff_lines_as_the_full_render_shows_them(ada, moderator):
    Claim.objects.create(user=UserFactory(), researcher=ada, claimant_name="Ada")
    spliced, full, queries = spliced_and_full(signed_in(moderator))
    assert tokens_out(spliced) == tokens_out(full)
    assert queries == SPLICED_QUERIES
    assert "Moderation" in spliced and "Record repair:" in spliced


def message_for(client: Client, text: str) -> None:
    """A message waiting for the client, as the messages framework keeps it (a cookie)."""
    response = HttpResponse()
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, text)
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value


def test_a_waiting_message_is_shown_once_as_the_full_render_shows_it(ada, outsider):
    client = signed_in(outsider)
    store_anonymous_page()
    message_for(client, "Your e-mail <address> is confirmed.")
    with CaptureQueriesContext(connection) as queries:
        spliced = client.get(url()).content.decode()
    assert len(queries) == SPLICED_QUERIES
    assert "Your e-mail &lt;address&gt; is confirmed." in spliced
    assert "is confirmed" not in client.get(url()).content.decode()  # shown once
    cache.clear()
    caches[LOCAL_PAGES].clear()
    message_for(client, "Your e-mail <address> is confirmed.")
    full = client.get(url()).content.decode()
    assert tokens_out(spliced) == tokens_out(full)


def test_the_owner_of_a_claimed_record_gets_the_full_render(ada):
    owner = UserFactory(username="owner")
    Claim.objects.create(user=owner, researcher=ada, state=ClaimState.APPROVED, claimant_name="Ada")
    ada.claim_status = "claimed"
    ada.save()
    store_anonymous_page()
    with CaptureQueriesContext(connection) as queries:
        html = signed_in(owner).get(url()).content.decode()
    assert "Claimed by you." in html and "Engines, part 0" in html
    assert len(queries) > SPLICED_QUERIES


def test_nothing_of_one_viewer_is_shown_to_another(ada, moderator, outsider):
    Follow.objects.create(user=moderator, researcher=ada)
    Claim.objects.create(user=moderator, researcher=ada, claimant_name="Ada")
    unread_request_to(moderator, sender=UserFactory())
    store_anonymous_page()
    first = signed_in(moderator).get(url()).content.decode()
    assert "Following — unfollow" in first and "Your claim is pending review." in first
    assert "collab-unread" in first and "Record repair:" in first
    again = signed_in(outsider).get(url()).content.decode()
    for theirs in (
        "moderator",
        "Following — unfollow",
        "Your claim",
        "collab-unread",
        "Record repair",
    ):
        assert theirs not in again
    anonymous = Client().get(url()).content.decode()
    assert "Log in to follow this researcher." in anonymous
    for theirs in ("moderator", "outsider", "Following — unfollow", "Your claim", "Log out"):
        assert theirs not in anonymous


def test_a_change_shows_on_the_next_signed_in_view(ada, outsider):
    client = signed_in(outsider)
    store_anonymous_page()
    assert "Engines, part 0" in client.get(url()).content.decode()
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    assert "Difference engines" in client.get(url()).content.decode()  # in full: not stored
    store_anonymous_page()
    with CaptureQueriesContext(connection) as queries:
        assert "Difference engines" in client.get(url()).content.decode()
    assert len(queries) == SPLICED_QUERIES


def test_a_follow_shows_on_the_next_signed_in_view(ada, outsider):
    client = signed_in(outsider)
    store_anonymous_page()
    client.post(reverse("profiles:researcher_follow", args=["ada-feng"]))
    html = client.get(url()).content.decode()
    assert "Following — unfollow" in html and '<dd id="followers-count">1</dd>' in html


def test_it_renders_signed_in_with_redis_unreachable(ada, outsider, caches_unreachable):
    client = signed_in(outsider)
    for _ in range(2):
        response = client.get(url())
        assert response.status_code == 200
        assert "Engines, part 1" in response.content.decode()
        assert "outsider" in response.content.decode()


def test_splice_refuses_a_page_whose_parts_are_not_the_known_ones():
    parts = {name: b"mine" for name in VIEWER_PARTS}
    page = b"".join(f"<!--viewer:{name}-->theirs<!--/viewer-->".encode() for name in VIEWER_PARTS)
    assert splice(page, parts) == b"".join(
        f"<!--viewer:{name}-->mine<!--/viewer-->".encode() for name in VIEWER_PARTS
    )
    assert splice(page + b"<!--viewer:unknown-->x<!--/viewer-->", parts) is None
    assert splice(page.replace(b"viewer:identity", b"viewer:follow-actions"), parts) is None
    assert splice(page.split(b"<!--viewer:identity-->")[0], parts) is None


def test_the_versions_statements_are_prepared_and_nothing_else_is(ada, outsider):
    store_anonymous_page()
    client = signed_in(outsider)
    for _ in range(2):
        assert client.get(url()).status_code == 200
    connection.ensure_connection()
    assert connection.connection.prepare_threshold is None  # Django's: no automatic preparing
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert len(prepared) == 2, prepared  # the anonymous page's versions, and the signed-in one's
    assert all("md5(r::text)" in statement for statement in prepared)
