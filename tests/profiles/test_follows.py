"""Follow and unfollow from the profile, and the "Following" page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Follow, ResearcherRefreshRequest
from profiles.services.follows import follow_create, follow_delete
from profiles.services.refresh import refresh_drain_schedule
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory


@pytest.fixture
def person(db):
    return ResearcherFactory(display_name="Grace Hopper", slug="grace-hopper")


def follow_url(person, action="follow"):
    return reverse(f"profiles:researcher_{action}", args=[person.slug])


def actions_count(html: str) -> int:
    match = re.search(r'<span class="count"[^>]*>(\d+)</span>', html)
    assert match
    return int(match.group(1))


def test_anonymous_visitors_are_sent_to_log_in_and_back_to_the_profile(client, person):
    profile = reverse("profiles:researcher_detail", args=[person.slug])
    response = client.post(follow_url(person))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={profile}"
    htmx = client.post(follow_url(person), headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == f"{reverse('account_login')}?next={profile}"
    assert not Follow.objects.exists()
    page = client.get(profile).content.decode()
    assert f"{reverse('account_login')}?next={profile}" in page


def test_follow_is_post_only_and_csrf_protected(person, outsider):
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    assert client.get(follow_url(person)).status_code == 405
    assert client.post(follow_url(person)).status_code == 403
    assert not Follow.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "moderator"])
def test_htmx_follow_swaps_the_button_and_count_in_place(person, who, request):
    user = request.getfixturevalue(who)
    Follow.objects.create(user=UserFactory(), researcher=person)
    client = Client()
    client.force_login(user)
    response = client.post(
        follow_url(person), headers={"HX-Request": "true", "HX-Target": "follow-actions"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="follow-actions">')
    assert "<html" not in html
    assert "Following — unfollow" in html and actions_count(html) == 2
    assert follow_url(person, "unfollow") in html
    # The trust snapshot's follower figure changes with it, out of band.
    assert '<dd id="followers-count" hx-swap-oob="true">2</dd>' in html
    assert '<dt id="followers-label" hx-swap-oob="true">followers</dt>' in html

    response = client.post(follow_url(person, "unfollow"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Follow researcher" in html and actions_count(html) == 1
    assert '<dt id="followers-label" hx-swap-oob="true">follower</dt>' in html  # 1 left
    assert not Follow.objects.filter(user=user).exists()


def test_without_htmx_follow_returns_to_the_profile(client, person, outsider):
    client.force_login(outsider)
    response = client.post(follow_url(person))
    assert response.url == reverse("profiles:researcher_detail", args=[person.slug]) + "#actions"
    profile = client.get(response.url).content.decode()
    assert "Following — unfollow" in profile


def test_double_follow_is_one_follow(client, person, outsider):
    client.force_login(outsider)
    client.post(follow_url(person))
    client.post(follow_url(person))
    assert Follow.objects.filter(user=outsider, researcher=person).count() == 1
    assert follow_create(user=outsider, researcher_id=person.pk) is False
    assert follow_delete(user=outsider, researcher_id=person.pk) is True
    assert follow_delete(user=outsider, researcher_id=person.pk) is False


def test_a_follow_change_enqueues_a_trust_refresh_after_commit(
    person, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        follow_create(user=outsider, researcher_id=person.pk)
    # Recorded in the follow's own transaction; the drain is scheduled after commit.
    assert list(ResearcherRefreshRequest.objects.values_list("researcher_id", flat=True)) == [
        person.pk
    ]
    assert callbacks == [refresh_drain_schedule]
    ResearcherRefreshRequest.objects.all().delete()
    with django_capture_on_commit_callbacks() as callbacks:
        follow_create(user=outsider, researcher_id=person.pk)  # nothing changed
    assert callbacks == []
    assert not ResearcherRefreshRequest.objects.exists()


def test_the_following_page_lists_people_with_their_newest_works(
    client, person, outsider, django_assert_max_num_queries
):
    for year in (2019, 2021, 2023, 2024):
        AuthorshipFactory(
            researcher=person, work__publication_year=year, work__title=f"Compilers in {year}"
        )
    other = ResearcherFactory(display_name="Alan Turing")
    AuthorshipFactory(researcher=other, work__title="On computable numbers")
    ResearcherFactory(display_name="Not Followed")
    follow_create(user=outsider, researcher_id=person.pk)
    follow_create(user=outsider, researcher_id=other.pk)
    client.force_login(outsider)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("profiles:following")).content.decode()
    assert "Grace Hopper" in html and "Alan Turing" in html and "Not Followed" not in html
    titles = re.findall(r'<span class="work-title">(.*?)</span>', html)
    # Newest follow first; three newest works each.
    assert titles == [
        "On computable numbers",
        "Compilers in 2024",
        "Compilers in 2023",
        "Compilers in 2021",
    ]
    assert "4 works" in html


def test_the_following_page_is_personal(client, person, outsider, moderator):
    follow_create(user=moderator, researcher_id=person.pk)
    client.force_login(outsider)
    assert "Grace Hopper" not in client.get(reverse("profiles:following")).content.decode()
    assert Client().get(reverse("profiles:following")).status_code == 302
