"""`?page=` on every paged view: a bad or huge number is a 404, never a 500 or another page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from claims.services.claims import claim_approve, claim_open
from tests.claims.conftest import verify_email
from tests.factories import UserFactory
from works.models import Work

BAD_PAGES = ["²", "٣", "99999999999999999999999", "1e5", "0", "-1", "2.5", "abc", "999"]


@pytest.fixture
def owner_client(seed_researcher, moderator) -> Client:
    owner = UserFactory(username="owner")
    verify_email(owner)
    claim = claim_open(user=owner, researcher_id=seed_researcher.pk, claimant_name="Jiashi Feng")
    claim_approve(claim_id=claim.pk, moderator=moderator)
    client = Client()
    client.force_login(owner)
    return client


def paged_urls(slug: str) -> list[str]:
    """Every view that reads `?page=` (grep for `page_number`/`page_or_404` when adding one)."""
    return [
        reverse("home") + "?q=feng&kind=researchers&",
        reverse("profiles:researcher_detail", args=[slug]) + "?",
        reverse("claims:owner_manage", args=[slug]) + "?",
        reverse("claims:moderation_queue") + "?",
        reverse("profiles:following") + "?",
        reverse("profiles:coauthors", args=[slug]) + "?",
        reverse("records:candidate_queue") + "?",
    ]


@pytest.mark.parametrize("page", BAD_PAGES)
def test_it_answers_404_to_a_page_that_is_not_a_page(
    owner_client, seed_researcher, moderator, page
):
    moderator_client = Client()
    moderator_client.force_login(moderator)
    for url in paged_urls(seed_researcher.slug):
        client = owner_client if "manage" in url else moderator_client
        response = client.get(url + "page=" + page)
        assert response.status_code == 404, (url, page)


def test_it_shows_page_one_without_a_page_number(owner_client, seed_researcher, moderator):
    moderator_client = Client()
    moderator_client.force_login(moderator)
    for url in paged_urls(seed_researcher.slug):
        client = owner_client if "manage" in url else moderator_client
        assert client.get(url).status_code == 200, url
        assert client.get(url + "page=1").status_code == 200, url


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("name", ["apage", "cafter"])
def test_the_work_page_answers_404_to_a_page_that_is_not_a_page(
    client, seed_researcher, name, page
):
    work = Work.objects.filter(authorships__researcher=seed_researcher).first()
    assert client.get(work.get_absolute_url()).status_code == 200
    response = client.get(work.get_absolute_url(), {name: page, "authors": "all"})
    assert response.status_code == 404
