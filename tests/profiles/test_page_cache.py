"""The profile's cached fragments (profiles/page_cache.py): a change shows on the next view,
Redis down still renders, anonymous views answer 304 when the browser's copy is current."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import psycopg
import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache, caches
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.services.claims import claim_open
from profiles.models import Follow
from profiles.page_cache import (
    LOCAL_PAGES,
    StoredPage,
    profile_page_get,
    profile_page_key,
)
from profiles.services.derived import refresh_requests_drain
from profiles.services.refresh import researchers_changed
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    ada = ResearcherFactory(display_name="Ada Feng", slug="ada-feng", openalex_id="A1")
    for i in range(3):
        AuthorshipFactory(work=WorkFactory(title=f"Engines, part {i}"), researcher=ada, position=0)
    return ada


def profile(client: Client, **headers: str):
    response = client.get(reverse("profiles:researcher_detail", args=["ada-feng"]), **headers)
    assert response.status_code in (200, 304)
    return response


def test_it_shows_a_new_work_on_the_next_view_after_the_data_changes(client, ada):
    assert "Engines, part 0" in profile(client).content.decode()
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    assert "Difference engines" not in profile(client).content.decode()  # cached: no new version
    researchers_changed(researcher_ids=[ada.pk], reason="import")  # what every importer calls
    html = profile(client).content.decode()
    assert "Difference engines" in html
    assert "4 published items" in html


def test_it_shows_an_owner_edit_and_a_new_trust_snapshot_at_once(client, ada):
    assert "Trust not computed yet" in profile(client).content.decode()
    ada.headline = "Builds analytical engines"
    ada.save()
    assert "Builds analytical engines" in profile(client).content.decode()
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    refresh_requests_drain()  # the worker computes the snapshot
    html = profile(client).content.decode()
    assert "Trust not computed yet" not in html and "What makes up" in html


def test_a_follow_and_a_claim_show_on_the_next_anonymous_view(client, ada):
    profile(client)
    Follow.objects.create(user=UserFactory(username="reader"), researcher=ada)
    html = profile(client).content.decode()
    assert '<dd id="followers-count">1</dd>' in html
    claimant = UserFactory(username="claimant")
    EmailAddress.objects.create(user=claimant, email=claimant.email, verified=True, primary=True)
    claim_open(user=claimant, researcher_id=ada.pk, claimant_name="Ada")
    assert "Claim pending" in profile(client).content.decode()


def test_the_viewer_parts_are_rendered_for_each_viewer(client, ada):
    assert "Log in to follow this researcher." in profile(client).content.decode()
    client.force_login(UserFactory(username="reader"))
    html = profile(client).content.decode()
    assert "Log in to follow" not in html and "Follow researcher" in html
    assert "Engines, part 2" in html


def test_it_renders_with_redis_unreachable(client, ada, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = caches
    for _ in range(2):
        response = profile(client)
        assert response.status_code == 200
        assert "Engines, part 1" in response.content.decode()
        assert not response.cookies
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    assert "Difference engines" in profile(client).content.decode()


def test_an_anonymous_view_answers_304_while_the_record_is_unchanged(client, ada):
    first = profile(client)
    assert {p.strip() for p in first["Cache-Control"].split(",")} == {"public", "no-cache"}
    assert first["ETag"] and first["Last-Modified"]
    again = profile(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = profile(client, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    changed = profile(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_another_anonymous_visitor_or_a_shared_cache_revalidates_the_same_copy(ada):
    first = profile(Client())
    other = profile(Client(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 304  # the same bytes for every anonymous visitor
    # Kept apart from what a signed-in visitor, who sends a session cookie, is shown.
    assert {p.strip() for p in other["Vary"].split(",")} >= {"Cookie", "HX-Request"}


def test_a_signed_in_view_is_never_stored_nor_answered_304(client, ada):
    etag = profile(client)["ETag"]
    client.force_login(UserFactory(username="reader"))
    response = profile(client, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}


def test_a_claimed_record_gets_no_validator_but_still_shows_its_data(client, ada):
    # Its header shows the owner's live collaboration openness, which no key tracks.
    ada.claim_status = "claimed"
    ada.save()
    first = profile(client)
    assert not first.has_header("ETag") and not first.has_header("Last-Modified")
    assert "Engines, part 0" in first.content.decode()
    assert profile(client, HTTP_IF_NONE_MATCH='"anything"').status_code == 200


def test_a_signed_in_view_shares_the_fragments_and_shows_a_change(client, ada):
    reader = UserFactory(username="reader")
    Follow.objects.create(user=reader, researcher=ada)
    client.force_login(reader)
    html = profile(client).content.decode()
    assert "Following — unfollow" in html and "Engines, part 0" in html
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    html = profile(client).content.decode()
    assert "Difference engines" in html and "Following — unfollow" in html


def test_an_anonymous_view_is_the_whole_page_from_the_cache_for_one_query(ada):
    first = profile(Client())
    with CaptureQueriesContext(connection) as queries:
        again = profile(Client())
    assert len(queries) == 1  # the record's versions; no session, no rendering
    assert again.content == first.content
    # What the full stack sets is kept: content type, CSP, framing.
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert again[header] == first[header]
    assert {p.strip() for p in again["Vary"].split(",")} >= {"Cookie", "HX-Request"}


def test_an_anonymous_page_carries_no_csrf_token_and_sets_no_cookie(ada):
    for visitor in (Client(), Client()):  # the first renders and stores, the second is a hit
        page = profile(visitor)
        assert "X-CSRFToken" not in page.content.decode()
        assert "csrfmiddlewaretoken" not in page.content.decode()
        assert not page.cookies and not page.has_header("Set-Cookie")
    # Its follow button asks to log in; the page a visitor is sent to carries its own token.
    html = page.content.decode()
    login = reverse("account_login")
    assert f'<a class="button" href="{login}?next=/researchers/ada-feng/">Follow researcher' in html
    login_page = Client(enforce_csrf_checks=True).get(login)
    assert "csrfmiddlewaretoken" in login_page.content.decode()
    assert "csrftoken" in login_page.cookies


def test_a_signed_in_page_carries_a_token_that_its_follow_button_is_accepted_with(ada):
    reader = UserFactory(username="reader")
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(reader)
    page = profile(visitor)
    found = re.search(r'<body hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'>', page.content.decode())
    assert found, "a signed-in page carries the token for its htmx requests"
    follow = reverse("profiles:researcher_follow", args=["ada-feng"])
    assert visitor.post(follow, HTTP_HX_REQUEST="true").status_code == 403  # no token
    followed = visitor.post(follow, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=found.group(1))
    assert followed.status_code == 200 and "Following — unfollow" in followed.content.decode()
    assert Follow.objects.filter(user=reader, researcher=ada).exists()


def test_a_pending_message_is_shown_even_to_a_browser_whose_copy_is_current(client, ada):
    client.cookies["sessionid"] = "not-a-session"  # rendered by the view, not stored whole
    etag = profile(client)["ETag"]
    assert profile(client, HTTP_IF_NONE_MATCH=etag).status_code == 304
    reader = UserFactory(username="reader")
    client.force_login(reader)
    client.post(reverse("account_logout"))  # "You are logged out." waits in the messages
    response = profile(client, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "You are logged out." in response.content.decode()
    assert "You are logged out." not in profile(client).content.decode()  # shown once


def test_a_change_shows_on_the_next_whole_page_view(ada):
    profile(Client())
    ada.display_name = "Ada L. Feng"
    ada.save()
    assert "Ada L. Feng" in profile(Client()).content.decode()
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    assert "Difference engines" in profile(Client()).content.decode()


def test_a_visitor_with_a_message_or_a_session_gets_the_page_rendered_for_them(client, ada):
    profile(Client())  # stored whole
    client.cookies["sessionid"] = "not-a-session"
    with CaptureQueriesContext(connection) as queries:
        assert "Engines, part 0" in profile(client).content.decode()
    assert len(queries) > 1  # the session and the page's own row: not the stored copy
    reader = UserFactory(username="reader")
    client.force_login(reader)
    client.post(reverse("account_logout"))  # "You are logged out." waits in the messages
    html = profile(client).content.decode()
    assert "You are logged out." in html
    assert "You are logged out." not in profile(Client()).content.decode()


def test_a_claimed_record_is_not_stored_whole(ada):
    ada.claim_status = "claimed"
    ada.save()
    profile(Client())
    with CaptureQueriesContext(connection) as queries:
        assert "Engines, part 0" in profile(Client()).content.decode()
    assert len(queries) > 1  # its header's openness is read on each view


def redis_unreachable(settings) -> None:
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = caches


def test_a_stored_page_is_served_from_the_process_copy_without_asking_redis(ada, settings):
    first = profile(Client())  # rendered, stored in Redis and kept in this process
    redis_unreachable(settings)
    with CaptureQueriesContext(connection) as queries:
        again = profile(Client())
    assert len(queries) == 1  # the versions: whole from this process's copy, Redis not asked
    assert again.content == first.content
    # A change makes a new key: rendered afresh on the next view, Redis down or not.
    AuthorshipFactory(work=WorkFactory(title="Difference engines"), researcher=ada, position=0)
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    assert "Difference engines" in profile(Client()).content.decode()


def test_a_process_copy_lasts_no_longer_than_the_shared_one(ada, settings):
    key = profile_page_key(slug="ada-feng", origin="http://testserver")
    assert key is not None
    young = StoredPage(body=b"young", headers=(), rendered_at=timezone.now())
    seconds = settings.BZPEER_PROFILE_CACHE_SECONDS
    old = StoredPage(
        body=b"old", headers=(), rendered_at=timezone.now() - timedelta(seconds=seconds + 5)
    )
    cache.set(key.key, old)  # in Redis past the age a page may reach: not copied here
    assert profile_page_get(key.key) == old
    assert caches[LOCAL_PAGES].get(key.key) is None
    cache.set(key.key, young)
    assert profile_page_get(key.key) == young
    assert caches[LOCAL_PAGES].get(key.key) == young


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_still_serves_the_page(ada):
    profile(Client())  # stored
    pid = connection.connection.info.backend_pid
    dsn = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in dsn.items() if k in ("dbname", "host", "port", "user", "password")},
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    close_old_connections()  # what Django does as each request starts: its health check is owed
    response = profile(Client())
    assert response.status_code == 200 and "Engines, part 1" in response.content.decode()


def test_a_signed_in_view_takes_the_fragments_from_the_process_copy(client, ada, settings):
    client.force_login(UserFactory(username="reader"))
    profile(client)  # the fragments rendered, stored in Redis and kept in this process
    with CaptureQueriesContext(connection) as warm:
        profile(client)
    redis_unreachable(settings)
    with CaptureQueriesContext(connection) as queries:
        html = profile(client).content.decode()
    assert "Engines, part 2" in html and "Follow researcher" in html
    assert len(queries) == len(warm)  # the fragments were not rendered again
    researchers_changed(researcher_ids=[ada.pk], reason="import")
    with CaptureQueriesContext(connection) as queries:
        profile(client)
    assert len(queries) > len(warm)  # a new key: rendered afresh, Redis down or not
