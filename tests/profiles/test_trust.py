"""The trust score: the formula, its SQL twin, the stored snapshot and what the profile shows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from profiles.models import Follow, TrustSnapshot
from profiles.services.derived import refresh_requests_drain
from profiles.services.refresh import researchers_changed
from profiles.services.trust import scale_sql, trust_recompute
from profiles.trust import (
    COLLABORATION,
    COMMUNITY,
    PUBLICATIONS,
    TOPICS,
    TrustInputs,
    trust_score,
)
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)

SEED_LIKE = TrustInputs(
    verification_level=1,
    claim_status="unclaimed",
    works=47,
    followers=0,
    topics=11,
    close_collaborators=4,
    has_orcid=False,
    has_affiliation=False,
)

inputs = st.builds(
    TrustInputs,
    verification_level=st.integers(0, 3),
    claim_status=st.sampled_from(["unclaimed", "pending", "claimed"]),
    works=st.integers(0, 100_000),
    followers=st.integers(0, 1_000_000),
    topics=st.integers(0, 5_000),
    close_collaborators=st.integers(0, 10_000),
    has_orcid=st.booleans(),
    has_affiliation=st.booleans(),
)
CLAIM_ORDER = ["unclaimed", "pending", "claimed"]


def test_the_seed_record_scores_21_emerging():
    result = trust_score(SEED_LIKE)
    assert (result.score, result.tier) == (21, "Emerging")
    assert sum(c.points for c in result.contributions) == 21


def test_every_signal_the_brief_names_is_in_the_breakdown():
    labels = [c.label for c in trust_score(SEED_LIKE).contributions]
    assert labels == [
        "Verification level",
        "Claim status",
        "Identity completeness",
        "Publication record",
        "Collaboration network",
        "Topical breadth",
        "Community",
    ]
    assert sum(c.max_points for c in trust_score(SEED_LIKE).contributions) == 100


def test_the_breakdown_says_how_to_raise_each_signal_not_yet_full():
    parts = {c.signal: c for c in trust_score(SEED_LIKE).contributions}
    assert "claim the record" in parts["claim"].how_to_raise
    assert "ORCID" in parts["identity"].how_to_raise
    assert "63 works" in parts["publications"].how_to_raise
    full = trust_score(
        TrustInputs(3, "claimed", 10_000, 10_000, 500, 500, has_orcid=True, has_affiliation=True)
    )
    assert full.score == 100 and full.tier == "Highly trusted"
    assert all(c.how_to_raise == "" for c in full.contributions)


@given(inputs)
def test_the_score_stays_within_0_and_100(x):
    result = trust_score(x)
    assert 0 <= result.score <= 100
    assert result.score == sum(c.points for c in result.contributions)


@given(inputs, st.integers(0, 3))
def test_stronger_verification_never_lowers_the_score(x, level):
    stronger = TrustInputs(**{**x.__dict__, "verification_level": max(level, x.verification_level)})
    assert trust_score(stronger).score >= trust_score(x).score


@given(inputs)
def test_a_claim_never_lowers_the_score(x):
    for later in CLAIM_ORDER[CLAIM_ORDER.index(x.claim_status) :]:
        assert trust_score(TrustInputs(**{**x.__dict__, "claim_status": later})).score >= (
            trust_score(x).score
        )


@given(inputs, st.integers(0, 10_000))
def test_more_followers_never_lower_the_score(x, more):
    more_followers = TrustInputs(**{**x.__dict__, "followers": x.followers + more})
    assert trust_score(more_followers).score >= trust_score(x).score


@pytest.mark.parametrize("scale", [PUBLICATIONS, COLLABORATION, TOPICS, COMMUNITY])
def test_the_sql_points_equal_the_python_points_for_every_count(db, scale):
    # The set-based recomputation and the pure formula must never disagree.
    sql = f"SELECT g.n, {scale_sql(scale, 'g.n')} FROM generate_series(0, 1200) AS g(n)"  # noqa: S608 - composed from the formula's constants
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    assert len(rows) == 1201
    assert [points for _, points in rows] == [scale.points(n) for n, _ in rows]


def seed_like_researcher(**overrides):
    """A record like the seed's: 47 works, 11 topics, 4 co-authors sharing 3 works each."""
    me = ResearcherFactory(openalex_id="A5000000001", verification_level=1, **overrides)
    coauthors = [ResearcherFactory() for _ in range(4)]
    occasional = ResearcherFactory()
    topics = [TopicFactory() for _ in range(11)]
    for i in range(47):
        work = WorkFactory(publication_year=2000 + i % 20)
        AuthorshipFactory(work=work, researcher=me, position=0)
        if i < 12:
            AuthorshipFactory(work=work, researcher=coauthors[i // 3], position=1)
        if i == 20:
            AuthorshipFactory(work=work, researcher=occasional, position=1)
        WorkTopicFactory(work=work, topic=topics[i % 11])
    return me


def test_the_worker_scores_a_seed_like_record_21_emerging_in_sql(db):
    me = seed_like_researcher()
    assert trust_recompute(researcher_ids=[me.pk]) == 1
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert (snapshot.score, snapshot.tier) == (21, "Emerging")
    assert (snapshot.works_count, snapshot.topics_count) == (47, 11)
    assert (snapshot.close_collaborators_count, snapshot.followers_count) == (4, 0)
    assert snapshot.breakdown.score == trust_score(snapshot.inputs).score
    assert snapshot.breakdown.points() == trust_score(snapshot.inputs).points()


def test_identity_and_followers_raise_the_stored_score(db):
    me = seed_like_researcher(
        orcid="0000-0002-1825-0097", affiliation=InstitutionFactory(display_name="Uni")
    )
    for _ in range(3):
        Follow.objects.create(user=UserFactory(), researcher=me)
    trust_recompute(researcher_ids=[me.pk])
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert snapshot.points_identity == 10
    assert snapshot.followers_count == 3
    assert snapshot.score == trust_score(snapshot.inputs).score > 21


def test_a_recomputation_keeps_a_short_history_of_changed_scores(db, settings):
    settings.BZPEER_TRUST_HISTORY_LENGTH = 2
    me = seed_like_researcher()
    trust_recompute(researcher_ids=[me.pk])
    first = TrustSnapshot.objects.get(researcher=me)
    trust_recompute(researcher_ids=[me.pk])
    again = TrustSnapshot.objects.get(researcher=me)
    assert again.history == [] and again.changed_at == first.changed_at
    assert again.computed_at >= first.computed_at
    scores = [again.score]
    for _ in range(3):
        Follow.objects.create(user=UserFactory(), researcher=me)
        # Followers reach the next point at 1, 2 and 3.
        trust_recompute(researcher_ids=[me.pk])
        scores.append(TrustSnapshot.objects.get(researcher=me).score)
    latest = TrustSnapshot.objects.get(researcher=me)
    assert scores == sorted(set(scores)) and len(scores) == 4
    assert [h["score"] for h in latest.history] == [scores[2], scores[1]]


def test_researchers_outside_the_batch_are_not_touched(db):
    me, other = seed_like_researcher(), ResearcherFactory()
    trust_recompute(researcher_ids=[me.pk])
    assert not TrustSnapshot.objects.filter(researcher=other).exists()


# The profile page.


def profile(client, researcher):
    return client.get(reverse("profiles:researcher_detail", args=[researcher.slug]))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_the_profile_shows_the_score_its_tier_and_what_makes_it_up(client, db, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    me = seed_like_researcher()
    trust_recompute(researcher_ids=[me.pk])
    text = text_of(profile(client, me).content.decode())
    assert "Trust 21 · Emerging" in text
    assert "What makes up 21?" in text
    assert "Publication record 9 / 15 47 works attributed." in text
    assert "Claim status 0 / 15" in text and "claim the record" in text
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert f"Computed {snapshot.computed_at:%Y-%m-%d %H:%M} UTC" in text
    assert "Trust not computed yet" not in text


def test_the_profile_says_when_trust_is_not_computed_yet(client, db):
    me = seed_like_researcher()
    text = text_of(profile(client, me).content.decode())
    assert "Trust not computed yet" in text and "What makes up" not in text


def test_the_profile_shows_the_last_snapshot_when_redis_is_down(
    client, db, request, unreachable_broker
):
    me = seed_like_researcher()
    trust_recompute(researcher_ids=[me.pk])
    request.getfixturevalue("caches_unreachable")  # from here on
    response = profile(client, me)
    assert response.status_code == 200
    text = text_of(response.content.decode())
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert "Trust 21 · Emerging" in text
    assert f"Computed {snapshot.computed_at:%Y-%m-%d %H:%M} UTC" in text


def test_the_profile_lists_close_collaborators_by_shared_works_then_recency(client, db, settings):
    settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS = 2
    me = ResearcherFactory()
    most = ResearcherFactory(display_name="Zed Most")
    recent = ResearcherFactory(display_name="Ann Recent")
    older = ResearcherFactory(display_name="Bob Older")
    once = ResearcherFactory(display_name="Once Only")
    plan = [
        (most, [2001, 2002, 2003]),
        (recent, [2010, 2020]),
        (older, [2011, 2012]),
        (once, [2022]),
    ]
    for person, years in plan:
        for year in years:
            work = WorkFactory(publication_year=year)
            AuthorshipFactory(work=work, researcher=me, position=0)
            AuthorshipFactory(work=work, researcher=person, position=1)
    html = profile(client, me).content.decode()
    section = html.split('id="close-collaborators"')[1].split("</div>")[0]
    names = re.findall(r'<a href="/researchers/[^/"]+/">([^<]+)</a>', section)
    assert names == ["Zed Most", "Ann Recent", "Bob Older"]
    assert f'href="/researchers/{most.slug}/"' in section
    assert "3 shared works" in text_of(section) and "2 shared works, latest 2020" in text_of(
        section
    )


def test_the_profile_links_each_topic_to_its_page(client, db):
    me = seed_like_researcher()
    html = profile(client, me).content.decode()
    topic_links = re.findall(r'<a href="(/topics/\d+/)">', html)
    assert len(topic_links) == 11
    assert client.get(topic_links[0]).status_code == 200


def test_the_snapshot_topics_and_collaborators_add_no_query_per_item(
    client, db, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    small = ResearcherFactory()
    AuthorshipFactory(researcher=small)
    big = seed_like_researcher()
    trust_recompute(researcher_ids=[small.pk, big.pk])  # both read the type filter from it
    with CaptureQueriesContext(connection) as small_queries:
        assert profile(client, small).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        html = profile(client, big).content.decode()
    assert "What makes up 21?" in html and html.count('href="/topics/') == 11
    assert html.count("shared works, latest") == 4


def _sections(html: str) -> dict[str, str]:
    """The profile's counts, topics and close collaborators, as shown."""
    return {
        name: html.split(f'id="{name}"')[1].split("</div>")[0]
        for name in ("topics", "close-collaborators")
    } | {"counts": html.split('<dl class="counts">')[1].split("</dl>")[0]}


def test_the_snapshot_lists_what_the_profile_would_count(db, settings):
    settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS = 2
    me = seed_like_researcher()
    for year in (2010, 2020):  # a co-author ranked by the recency of their shared works
        work = WorkFactory(publication_year=year)
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(work=work, researcher=ResearcherFactory(display_name="Ann"), position=1)
    counted = _sections(profile(Client(), me).content.decode())
    assert "shared works, latest" in counted["close-collaborators"]
    trust_recompute(researcher_ids=[me.pk])
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert snapshot.data_version == me.data_version
    assert len(snapshot.topics_list) == 11 and len(snapshot.close_collaborators_list) == 4
    assert len(snapshot.top_topics) == 3  # search results show the first three
    assert snapshot.top_topics == snapshot.topics_list[:3]
    stored = _sections(profile(Client(), me).content.decode())
    assert stored == counted


def test_between_a_change_and_the_workers_pass_the_page_says_what_is_from_before_it(db):
    me = seed_like_researcher()  # 47 works, 11 topics
    trust_recompute(researcher_ids=[me.pk])
    # Set the stored counts apart from the data, to see which ones the page shows.
    TrustSnapshot.objects.filter(researcher=me).update(topics_count=99, works_count=98)
    html = profile(Client(), me).content.decode()
    assert "<dt>topics</dt><dd>99</dd>" in html and "<dd>98</dd>" in html
    assert 'id="figures-as-of"' not in html
    researchers_changed(researcher_ids=[me.pk], reason="import")  # a new data version
    html = profile(Client(), me).content.decode()
    # The works are counted on the spot (cheap, and what a change changes first); the topics
    # and close collaborators stay the last pass's until the next one, and the page says so.
    assert "<dt>works</dt><dd>47</dd>" in html
    assert "<dt>topics</dt><dd>99</dd>" in html
    computed = TrustSnapshot.objects.get(researcher=me).computed_at
    note = html.split('id="figures-as-of"')[1].split("</p>")[0]
    assert f"({computed:%Y-%m-%d %H:%M} UTC)" in note and "topics and close collaborators" in note
    refresh_requests_drain()  # the worker's pass, which the change scheduled on its commit
    html = profile(Client(), me).content.decode()
    assert "<dt>topics</dt><dd>11</dd>" in html and 'id="figures-as-of"' not in html


def test_a_record_the_worker_never_passed_is_counted_on_the_spot(db):
    me = seed_like_researcher()
    researchers_changed(researcher_ids=[me.pk], reason="import")
    html = profile(Client(), me).content.decode()
    assert "<dt>topics</dt><dd>11</dd>" in html and 'id="figures-as-of"' not in html


def test_the_first_page_of_works_is_the_stored_one_while_current(db, settings):
    settings.BZPEER_WORKS_PAGE_SIZE = 5
    me = seed_like_researcher()  # 47 works
    counted = profile(Client(), me).content.decode()
    trust_recompute(researcher_ids=[me.pk])
    snapshot = TrustSnapshot.objects.get(researcher=me)
    assert len(snapshot.first_works) == 6  # a page and one more: "Show more" is offered
    stored = profile(Client(), me).content.decode()
    works = re.findall(r'<a href="(/works/\d+/[^"#]*)"', stored)
    assert works == re.findall(r'<a href="(/works/\d+/[^"#]*)"', counted) and len(works) == 5
    assert "Show more" in stored
    # Which list the page reads: the stored one, until the data version moves on.
    newest = WorkFactory(title="A brand new paper", publication_year=2100)
    AuthorshipFactory(work=newest, researcher=me, position=0)
    assert "A brand new paper" not in profile(Client(), me).content.decode()  # not changed yet
    researchers_changed(researcher_ids=[me.pk], reason="import")
    assert "A brand new paper" in profile(Client(), me).content.decode()


def test_a_batch_by_id_range_stores_what_recomputing_by_ids_stores(db, settings):
    """The batch's authorships are read by a condition on the researcher id (range or ids);
    co-authors outside the batch still count, and nobody outside it is written."""
    from profiles.services.trust import trust_recompute_range
    from tests.factories import AuthorshipFactory, TopicFactory, WorkFactory, WorkTopicFactory

    settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS = 2
    people = [ResearcherFactory() for _ in range(4)]
    outsider = ResearcherFactory()  # after the batch's range, a co-author on every work
    topic = TopicFactory()
    for i in range(5):
        work = WorkFactory(cited_by_count=10 * i, publication_year=2010 + i % 2)
        WorkTopicFactory(work=work, topic=topic)
        for position, person in enumerate([*people[: 1 + i % 4], outsider]):
            AuthorshipFactory(work=work, researcher=person, position=position)
    first, last = people[0].pk, people[-1].pk
    fields = [
        "works_count", "topics_count", "close_collaborators_count", "citations_total",
        "h_index", "i10_index", "per_year", "work_types", "top_topics", "score",
    ]  # fmt: skip

    def stored() -> list[tuple]:
        return list(
            TrustSnapshot.objects.filter(researcher_id__in=[p.pk for p in people])
            .order_by("researcher_id")
            .values_list(*fields)
        )

    assert trust_recompute_range(first_id=first, last_id=last) == 4
    by_range = stored()
    assert not TrustSnapshot.objects.filter(researcher=outsider).exists()
    TrustSnapshot.objects.all().delete()
    trust_recompute(researcher_ids=[p.pk for p in people])
    assert stored() == by_range
    first_person = dict(zip(fields, by_range[0], strict=True))
    # On all 5 works, with the outsider on 5, people[1] on 3, people[2] on 2, people[3] on 1.
    assert first_person["works_count"] == 5
    assert first_person["close_collaborators_count"] == 3
    assert (first_person["citations_total"], first_person["h_index"]) == (100, 4)
