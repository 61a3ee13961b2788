"""Record-repair pages: who may see and do what (every view × anonymous, outsider, owner,
moderator), and the flows a moderator and an owner go through."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimState
from profiles.models import Follow, Researcher
from records.models import CandidateState, DuplicateCandidate, Operation, OperationState
from records.services.operations import records_merge
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    """One economist's two records (9 and 3 works), the smaller owned by `owner`."""
    big = ResearcherFactory(display_name="Mary Smith", slug="mary-smith", openalex_id="A100")
    small = ResearcherFactory(display_name="M. Smith", slug="m-smith", openalex_id="A200")
    for _ in range(9):
        AuthorshipFactory(researcher=big)
    for _ in range(3):
        AuthorshipFactory(researcher=small)
    return big, small


@pytest.fixture
def owner(pair):
    user = UserFactory(username="owner")
    Claim.objects.create(
        user=user, researcher=pair[1], state=ClaimState.APPROVED, claimant_name="M. Smith"
    )
    return user


@pytest.fixture
def candidate(pair):
    big, small = sorted(pair, key=lambda r: r.pk)
    return DuplicateCandidate.objects.create(
        low=big, high=small, score=0.8, reasons=["Compatible names", "2 shared co-authors"]
    )


@pytest.fixture
def operation(pair, moderator, owner):
    big, small = pair
    op = records_merge(source_id=small.pk, target_id=big.pk, actor=moderator)
    Operation.objects.filter(pk=op.pk).update(requested_by=owner)
    return op


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


CAST = ["anonymous", "outsider", "owner", "moderator"]


def _user(name, request):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 200)],
)
def test_it_shows_the_candidate_queue_to_moderators_only(request, who, expected, candidate, owner):
    response = _client(_user(who, request)).get(reverse("records:candidate_queue"))
    assert response.status_code == expected
    if expected == 200:
        assert "Mary Smith" in response.content.decode()
        assert "2 shared co-authors" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 200)],
)
def test_it_previews_a_merge_for_moderators_only(request, who, expected, pair, owner):
    big, small = pair
    url = reverse("records:merge_preview") + f"?source={small.slug}&target={big.slug}"
    response = _client(_user(who, request)).get(url)
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "12 works" in page
        assert "nothing has changed yet" in page
        assert Researcher.objects.filter(pk=small.pk).exists()


def test_it_refuses_a_merge_of_two_records_with_different_orcid_ids(pair, moderator):
    big, small = pair
    Researcher.objects.filter(pk=big.pk).update(orcid="0000-0002-1825-0097")
    Researcher.objects.filter(pk=small.pk).update(orcid="0000-0001-5109-3700")
    client = _client(moderator)
    url = reverse("records:merge_preview") + f"?source={small.slug}&target={big.slug}"
    assert "different ORCID iDs" in client.get(url).content.decode()
    response = client.post(reverse("records:merge"), {"source": small.slug, "target": big.slug})
    assert response.status_code == 302
    assert Researcher.objects.filter(pk=small.pk).exists()
    assert not Operation.objects.exists()


def test_it_refuses_a_merge_of_two_owned_records(pair, moderator, owner):
    big, small = pair
    Claim.objects.create(
        user=UserFactory(), researcher=big, state=ClaimState.APPROVED, claimant_name="x"
    )
    response = _client(moderator).post(
        reverse("records:merge"), {"source": small.slug, "target": big.slug}, follow=True
    )
    assert "Both records have an owner" in response.content.decode()
    assert Researcher.objects.filter(pk=small.pk).exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 302)],
)
def test_it_merges_for_moderators_only(request, who, expected, pair, owner):
    big, small = pair
    response = _client(_user(who, request)).post(
        reverse("records:merge"), {"source": small.slug, "target": big.slug}
    )
    assert response.status_code == expected
    merged = who == "moderator"
    assert Researcher.objects.filter(pk=small.pk).exists() is not merged


def test_a_merge_moves_works_followers_and_the_claim_and_the_old_url_redirects(
    pair, moderator, owner, outsider
):
    big, small = pair
    Follow.objects.create(user=outsider, researcher=small)
    client = _client(moderator)
    response = client.post(
        reverse("records:merge"), {"source": small.slug, "target": big.slug, "reason": "same"}
    )
    operation = Operation.objects.get()
    assert response["Location"] == reverse("records:operation_detail", args=[operation.pk])
    assert big.authorships.count() == 12
    assert Follow.objects.filter(user=outsider, researcher=big).exists()
    assert Claim.objects.get(user=owner).researcher_id == big.pk
    assert Researcher.objects.get(pk=big.pk).claim_status == "claimed"
    old = Client().get("/researchers/m-smith/?page=1")
    assert old.status_code == 301
    assert old["Location"] == "/researchers/mary-smith/?page=1"
    assert Client().get("/researchers/m-smith/explorer/")["Location"] == (
        "/researchers/mary-smith/explorer/"
    )
    assert Client().post("/researchers/m-smith/follow/").status_code != 301  # never replayed


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 200), ("moderator", 200)],
)
def test_it_shows_an_operation_to_moderators_and_the_owner_who_asked(
    request, who, expected, operation
):
    response = _client(_user(who, request)).get(
        reverse("records:operation_detail", args=[operation.pk])
    )
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected", "undone"),
    [
        ("anonymous", 302, False),
        ("outsider", 404, False),
        ("owner", 302, True),
        ("moderator", 302, True),
    ],
)
def test_it_lets_moderators_and_the_requesting_owner_undo(
    request, who, expected, undone, operation, pair
):
    response = _client(_user(who, request)).post(
        reverse("records:operation_undo", args=[operation.pk]), {"reason": "oops"}
    )
    assert response.status_code == expected
    operation.refresh_from_db()
    assert (operation.state == OperationState.UNDONE) is undone
    assert Researcher.objects.filter(pk=pair[1].pk).exists() is undone


def test_the_owner_may_not_undo_after_30_days(operation, owner):
    from datetime import timedelta

    from django.utils import timezone

    Operation.objects.filter(pk=operation.pk).update(created_at=timezone.now() - timedelta(days=31))
    response = _client(owner).post(reverse("records:operation_undo", args=[operation.pk]))
    assert response.status_code == 404
    operation.refresh_from_db()
    assert operation.state == OperationState.APPLIED


def test_undo_names_the_later_operations_it_waits_for(operation, pair, moderator):
    big, _ = pair
    third = ResearcherFactory(display_name="Mary A. Smith")
    later = records_merge(source_id=third.pk, target_id=big.pk, actor=moderator)
    client = _client(moderator)
    page = client.get(reverse("records:operation_detail", args=[operation.pk])).content.decode()
    assert f"#{later.pk}" in page
    response = client.post(reverse("records:operation_undo", args=[operation.pk]), follow=True)
    assert f"#{later.pk}" in response.content.decode()
    operation.refresh_from_db()
    assert operation.state == OperationState.APPLIED


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 200), ("moderator", 200)],
)
def test_it_shows_the_record_history_to_moderators_and_the_owner(
    request, who, expected, operation, pair
):
    big, _ = pair
    response = _client(_user(who, request)).get(reverse("records:record_history", args=[big.slug]))
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert f"#{operation.pk}" in page
        assert "moderator" in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 200)],
)
def test_it_shows_the_split_page_to_moderators_only(request, who, expected, pair, owner):
    big, _ = pair
    response = _client(_user(who, request)).get(reverse("records:split", args=[big.slug]))
    assert response.status_code == expected


def test_a_moderator_splits_selected_works_to_a_new_record(pair, moderator):
    big, _ = pair
    works = list(big.authorships.values_list("work_id", flat=True)[:2])
    client = _client(moderator)
    url = reverse("records:split", args=[big.slug])
    preview = client.get(url, {"works": works, "new_name": "Mary Smith (chemist)"})
    assert "2 works move to a new record" in preview.content.decode()
    assert big.authorships.count() == 9
    response = client.post(url, {"works": works, "new_name": "Mary Smith (chemist)"})
    assert response.status_code == 302
    new = Researcher.objects.get(display_name="Mary Smith (chemist)")
    assert set(new.authorships.values_list("work_id", flat=True)) == set(works)
    assert big.authorships.count() == 7


def test_a_split_of_works_not_on_the_record_is_refused(pair, moderator):
    big, small = pair
    other_work = small.authorships.first().work_id
    response = _client(moderator).post(
        reverse("records:split", args=[big.slug]), {"works": [other_work]}
    )
    assert response.status_code == 400
    assert small.authorships.filter(work_id=other_work).exists()


def test_a_split_to_an_unknown_record_keeps_what_the_moderator_typed(pair, moderator):
    big, _ = pair
    works = list(big.authorships.values_list("work_id", flat=True)[:2])
    response = _client(moderator).post(
        reverse("records:split", args=[big.slug]),
        {"works": works, "target": "no-such-record", "reason": "two chemists, one record"},
    )
    assert response.status_code == 400  # a form error, not a 404 page that loses the input
    page = response.content.decode()
    assert "No record has this slug" in page
    assert 'value="no-such-record"' in page
    assert "two chemists, one record" in page
    assert page.count(" checked>") == 2  # the works ticked stay ticked
    assert big.authorships.count() == 9


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 200), ("moderator", 404)],
)
def test_it_shows_is_this_you_too_to_the_owner_only(request, who, expected, pair, candidate):
    _, small = pair
    response = _client(_user(who, request)).get(
        reverse("records:owner_duplicates", args=[small.slug])
    )
    assert response.status_code == expected


def test_an_owner_asks_for_a_merge_and_the_queue_shows_it_first(pair, candidate, owner, moderator):
    _, small = pair
    other = DuplicateCandidate.objects.create(
        low=ResearcherFactory(), high=ResearcherFactory(), score=0.99, reasons=["x"]
    )
    response = _client(owner).post(
        reverse("records:owner_merge_request", args=[small.slug, candidate.pk])
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.requested_by == owner
    assert candidate.requested_into == small.pk
    page = _client(moderator).get(reverse("records:candidate_queue")).content.decode()
    assert page.index("Requested by the owner") < page.index(f"c={other.pk}")


def test_an_outsider_cannot_request_a_merge(pair, candidate, outsider):
    _, small = pair
    response = _client(outsider).post(
        reverse("records:owner_merge_request", args=[small.slug, candidate.pk])
    )
    assert response.status_code == 404
    candidate.refresh_from_db()
    assert candidate.requested_by is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 302)],
)
def test_it_lets_moderators_only_dismiss_a_candidate(request, who, expected, candidate, owner):
    response = _client(_user(who, request)).post(
        reverse("records:candidate_dismiss", args=[candidate.pk])
    )
    assert response.status_code == expected
    candidate.refresh_from_db()
    dismissed = candidate.state == CandidateState.DISMISSED
    assert dismissed is (who == "moderator")


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("anonymous", [], ["Is this you too?", "Record repair"]),
        ("outsider", [], ["Is this you too?", "Record repair"]),
        ("owner", ["Is this you too?", "/researchers/m-smith/duplicates/"], ["Record repair"]),
        ("moderator", ["Record repair", "/moderation/records/m-smith/split/"], ["Is this you"]),
    ],
)
def test_the_profile_links_to_record_repair_by_role(request, who, shown, hidden, pair, owner):
    _, small = pair
    page = _client(_user(who, request)).get(f"/researchers/{small.slug}/").content.decode()
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page
