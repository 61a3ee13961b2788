"""The seed's works joined to the public facts about them (demo/seed-works-authors.json)."""

from __future__ import annotations

import json
from collections import Counter

from django.conf import settings

from profiles.models import Researcher, VerificationLevel
from profiles.selectors import researcher_profile_queryset
from tests.conftest import ROOT
from works.importers.seed_enrichment import seed_enrichment_import
from works.models import Authorship, TopicOrigin, Work, WorkTopic

FACTS = ROOT / "demo" / "seed-works-authors.json"


def facts() -> list[dict]:
    return json.loads(FACTS.read_text())


def enrich(seed):
    return seed_enrichment_import(researcher=seed, path=FACTS)


def state():
    return (
        sorted(Work.objects.values_list("pk", "arxiv_id", "doi")),
        sorted(Authorship.objects.values_list("work_id", "researcher_id", "position")),
        sorted(WorkTopic.objects.values_list("work_id", "topic_id")),
        Researcher.objects.count(),
    )


def test_every_seed_work_gains_its_arxiv_id_and_the_known_dois(seed_researcher):
    result = enrich(seed_researcher)

    assert result.works_matched == 47 and result.problems == []
    works = Work.objects.filter(authorships__researcher=seed_researcher)
    expected = {(f["title"], f["arxiv_id"]) for f in facts()}
    assert set(works.values_list("title", "arxiv_id")) == expected
    dois = {f["doi"].lower() for f in facts() if f["doi"]}
    assert set(works.exclude(doi=None).values_list("doi", flat=True)) == dois
    work = works.get(arxiv_id="2301.06018")
    assert work.arxiv_url == "https://arxiv.org/abs/2301.06018"


def test_authors_land_in_order_with_the_seed_at_its_place(seed_researcher):
    enrich(seed_researcher)

    listed = [f for f in facts() if f["authors"]]
    assert len(listed) == 44
    for fact in listed:
        authorships = Authorship.objects.filter(work__arxiv_id=fact["arxiv_id"]).order_by(
            "position"
        )
        assert [a.raw_author_name for a in authorships] == fact["authors"]
        seed_at = fact["authors"].index("Jiashi Feng")
        assert authorships[seed_at].researcher_id == seed_researcher.pk
    # The three works without an author list keep the seed alone.
    for fact in facts():
        if not fact["authors"]:
            assert Authorship.objects.filter(work__arxiv_id=fact["arxiv_id"]).count() == 1


def test_co_authors_are_name_only_records_joined_by_the_name_rule_alone(seed_researcher):
    # Unrelated namesakes already in the database: the rule needs a shared work, so they stay apart.
    namesake = Researcher.objects.create(
        slug="xinchao-wang-a1", display_name="Xinchao Wang", openalex_id="A1"
    )
    enrich(seed_researcher)

    coauthors = Researcher.objects.exclude(pk__in=[seed_researcher.pk, namesake.pk])
    assert set(coauthors.values_list("verification_level", flat=True)) == {VerificationLevel.L0}
    assert not Authorship.objects.filter(researcher=namesake).exists()
    wang = coauthors.get(display_name="Xinchao Wang")
    times = Counter(a for f in facts() for a in f["authors"] or [])
    assert wang.authorships.count() == times["Xinchao Wang"] == 7
    # Names printed differently on different pages (case) are one person by the rule.
    hong = Authorship.objects.filter(raw_author_name__in=["Lanqing Hong", "Lanqing HONG"])
    assert hong.count() == 2 and len({a.researcher_id for a in hong}) == 1
    # Every other co-author is one record, on as many works as the file lists them.
    for name, count in times.items():
        if name != "Jiashi Feng":
            authorships = Authorship.objects.filter(raw_author_name=name)
            assert authorships.count() == count, name
            assert len({a.researcher_id for a in authorships}) == 1, name


def test_arxiv_categories_become_the_works_source_topics(seed_researcher):
    enrich(seed_researcher)

    for fact in facts():
        topics = set(
            WorkTopic.objects.filter(
                work__arxiv_id=fact["arxiv_id"], topic__origin=TopicOrigin.ARXIV
            ).values_list("topic__external_id", flat=True)
        )
        assert topics == set(fact["categories"] or [])


def test_close_collaborators_follow_from_the_shared_works(seed_researcher):
    enrich(seed_researcher)

    seed = researcher_profile_queryset().get(pk=seed_researcher.pk)
    minimum = settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS
    shared = Counter(
        Authorship.objects.filter(work__authorships__researcher=seed_researcher)
        .exclude(researcher=seed_researcher)
        .values_list("researcher_id", flat=True)
    )
    assert seed.close_collaborators_count == sum(1 for n in shared.values() if n >= minimum) > 4
    names = {c["name"] for c in seed.close_collaborators}
    assert {"Xinchao Wang", "Tao Wang"} <= names


def test_loading_it_again_changes_nothing(seed_researcher):
    enrich(seed_researcher)
    before = state()

    again = enrich(seed_researcher)

    assert (again.identifiers_added, again.new_records, again.touched) == (0, 0, set())
    assert state() == before
