"""Topics derived from titles and abstracts for works that came without any, and topic pages."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from profiles.models import Researcher
from profiles.selectors import researcher_profile_queryset
from tests.conftest import SEED
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Topic, TopicOrigin, Work, WorkTopic
from works.topics_derived import derive, derive_topics, topic_count


def seed_documents() -> list[tuple[int, str, str]]:
    works = json.loads(SEED.read_text())["works"]
    return [(i, w["title"], w.get("abstract") or "") for i, w in enumerate(works)]


def test_the_derivation_is_deterministic():
    first, second = derive(seed_documents()), derive(seed_documents())
    assert first == second
    assert first.topics and first.assignments


def test_the_topic_count_follows_the_corpus_not_a_fixed_number():
    assert topic_count(10) < topic_count(47) < topic_count(1_000)
    half = derive(seed_documents()[:24])
    assert len(half.topics) == topic_count(24) < len(derive(seed_documents()).topics)


def test_every_seed_work_gets_a_topic_named_in_its_fields_words():
    derivation = derive(seed_documents())
    assert {work for work, _, _ in derivation.assignments} == set(range(47))
    names = " ".join(t.display_name.lower() for t in derivation.topics)
    # Read by someone in computer vision and machine learning: their subfields, not filler.
    known = [
        "domain adaptation",
        "architecture search",
        "pose",
        "segmentation",
        "continual learning",
        "action recognition",
        "long-tail",
    ]
    assert sum(term in names for term in known) >= 5, names
    for filler in ["propose", "paper", "method", "results", "performance"]:
        assert filler not in names


def test_too_small_a_corpus_gets_no_topics():
    assert derive(seed_documents()[:3]).topics == []


def test_it_stores_derived_topics_and_the_profile_counts_them(client, seed_researcher):
    touched = derive_topics()
    assert touched == {seed_researcher.pk}
    derived = Topic.objects.filter(origin=TopicOrigin.DERIVED)
    assert derived.count() == topic_count(47)
    assert not Work.objects.filter(worktopic__isnull=True).exists()
    researcher = researcher_profile_queryset().get(pk=seed_researcher.pk)
    assert researcher.topics_count == derived.count()
    html = client.get(reverse("profiles:researcher_detail", args=[seed_researcher.slug]))
    links = re.findall(r'<a href="/topics/(\d+)/">', html.content.decode())
    assert sorted(map(int, links)) == sorted(derived.values_list("pk", flat=True))


def test_new_topics_are_a_new_data_version_so_old_graph_slices_are_not_current(seed_researcher):
    version = seed_researcher.data_version
    derive_topics()
    seed_researcher.refresh_from_db()
    assert seed_researcher.data_version == version + 1


def test_deriving_again_changes_nothing(seed_researcher):
    derive_topics()
    before = sorted(WorkTopic.objects.values_list("work_id", "topic__external_id", "score"))
    version = Researcher.objects.get(pk=seed_researcher.pk).data_version
    assert derive_topics() == set()
    assert Researcher.objects.get(pk=seed_researcher.pk).data_version == version
    assert sorted(WorkTopic.objects.values_list("work_id", "topic__external_id", "score")) == (
        before
    )


def test_works_with_source_topics_keep_them_and_get_no_derived_ones(seed_researcher):
    sourced = Work.objects.order_by("pk").first()
    assert sourced is not None
    WorkTopicFactory(work=sourced, topic=TopicFactory(origin="arxiv", display_name="cs.CV"))
    derive_topics()
    assert list(sourced.topics.values_list("origin", flat=True)) == ["arxiv"]


def test_a_work_that_gains_a_source_topic_loses_its_derived_ones(seed_researcher):
    derive_topics()
    work = Work.objects.order_by("pk").first()
    assert work is not None and work.topics.filter(origin="derived").exists()
    WorkTopicFactory(work=work, topic=TopicFactory(origin="openalex"))
    derive_topics()
    assert not work.topics.filter(origin="derived").exists()


# The topic page.


@pytest.fixture
def topic_with_people(db):
    topic = TopicFactory(display_name="Domain adaptation")
    busy, light, unrelated = (
        ResearcherFactory(display_name="Busy"),
        ResearcherFactory(display_name="Light"),
        ResearcherFactory(display_name="Unrelated"),
    )
    for year in (2019, 2021, 2023):
        work = WorkFactory(title=f"Adapting in {year}", publication_year=year)
        AuthorshipFactory(work=work, researcher=busy, position=0)
        if year == 2021:
            AuthorshipFactory(work=work, researcher=light, position=1)
        WorkTopicFactory(work=work, topic=topic)
    AuthorshipFactory(work=WorkFactory(title="Off topic"), researcher=unrelated)
    return topic


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_the_topic_page_lists_its_researchers_and_works(client, topic_with_people, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("works:topic_detail", args=[topic_with_people.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    people = re.findall(r'<a href="/researchers/[^"]+/">([^<]+)</a>', html)
    assert people == ["Busy", "Light"]
    titles = re.findall(r'<h3 class="work-title"><a href="[^"]+">(.*?)</a></h3>', html)
    assert titles == ["Adapting in 2023", "Adapting in 2021", "Adapting in 2019"]
    assert "Off topic" not in html
    assert "<dt>works</dt><dd>3</dd>" in html and "<dt>researchers</dt><dd>2</dd>" in html


def test_the_topic_page_answers_404_for_an_unknown_topic(client, db):
    assert client.get(reverse("works:topic_detail", args=[999999])).status_code == 404


def test_the_topic_page_refuses_post(client, topic_with_people):
    url = reverse("works:topic_detail", args=[topic_with_people.pk])
    assert client.post(url).status_code == 405


def test_a_refit_reads_the_corpus_in_chunks_with_the_same_result(seed_researcher, monkeypatch):
    from works import topics_derived

    derive_topics()
    whole = sorted(WorkTopic.objects.values_list("work_id", "topic__external_id", "score"))
    WorkTopic.objects.all().delete()
    monkeypatch.setattr(topics_derived, "TRANSFORM_CHUNK", 7)
    derive_topics()
    chunked = sorted(WorkTopic.objects.values_list("work_id", "topic__external_id", "score"))
    # The same topics for the same works; NMF's per-batch convergence moves scores slightly.
    assert [row[:2] for row in chunked] == [row[:2] for row in whole]
    assert all(abs(a[2] - b[2]) < 0.01 for a, b in zip(chunked, whole, strict=True))


def test_a_big_corpus_is_fitted_on_an_even_sample(seed_researcher, monkeypatch):
    from works import topics_derived

    monkeypatch.setattr(topics_derived, "MAX_FIT_DOCUMENTS", 24)
    assert topics_derived.fit_step(47) == 2
    derive_topics()
    # Fitted on 24 of the 47, yet every work is assigned.
    assert not Work.objects.filter(worktopic__isnull=True).exists()
    assert Topic.objects.filter(origin=TopicOrigin.DERIVED).count() == topic_count(47)


def test_a_work_the_model_cannot_place_does_not_cause_a_refit_on_every_refresh(db, monkeypatch):
    from django.core.cache import cache

    from works import topics_derived

    cache.delete(topics_derived.UNASSIGNED_KEY)
    me = ResearcherFactory()
    AuthorshipFactory(researcher=me, work=WorkFactory(title="On the"))  # too small a corpus
    refits: list[int] = []
    real = topics_derived.derive_topics

    def counted() -> set[int]:
        refits.append(1)
        return real()

    monkeypatch.setattr(topics_derived, "derive_topics", counted)
    topics_derived.derive_topics_if_needed(researcher_ids=[me.pk])
    topics_derived.derive_topics_if_needed(researcher_ids=[me.pk])
    assert len(refits) == 1
    AuthorshipFactory(researcher=me, work=WorkFactory(title="Another untopiced work"))
    topics_derived.derive_topics_if_needed(researcher_ids=[me.pk])
    assert len(refits) == 2
    cache.delete(topics_derived.UNASSIGNED_KEY)


def test_a_refit_bumps_only_researchers_whose_shown_topics_changed(db, monkeypatch):
    from works import topics_derived

    monkeypatch.setattr(topics_derived, "SHOWN_TOPICS", 1)  # each shows their top topic
    graphs, proteins, chemistry = (
        TopicFactory(display_name=name, origin=TopicOrigin.DERIVED, external_id=name.lower())
        for name in ("Graphs", "Proteins", "Chemistry")
    )
    ada, bo = ResearcherFactory(), ResearcherFactory()
    tagged = {}
    for who, topics in ((ada, [graphs, graphs, proteins]), (bo, [graphs, proteins])):
        for i, topic in enumerate(topics):
            work = WorkFactory()
            AuthorshipFactory(work=work, researcher=who, position=0)
            tagged[(who.pk, i)] = WorkTopicFactory(work=work, topic=topic)

    topics_derived._snapshot_derived_topics()
    # Ada's third work moves from Proteins to Chemistry: her top topic is still Graphs (2).
    WorkTopic.objects.filter(pk=tagged[(ada.pk, 2)].pk).update(topic=chemistry)
    # Bo's second work moves from Proteins to Graphs: his top topic now counts 2 works.
    WorkTopic.objects.filter(pk=tagged[(bo.pk, 1)].pk).update(topic=graphs)

    assert topics_derived._shown_topics_changed([ada.pk, bo.pk]) == [bo.pk]
