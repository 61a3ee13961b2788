"""The SQL cut against a hand-built corpus."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from graph.selectors import CandidateLimits, explorer_inputs, search_nodes, slice_inputs
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import AuthorshipInstitution, Citation


@pytest.fixture
def corpus(db):
    """Ada wrote W1–W4: W1–W3 with Bo, W4 with Cy. Ed wrote W5–W6 with Bo only.
    Fay's W7 cites W1; W1 cites Gus's W8 and a work not imported. W1–W3 and W7 are on
    Graphs, W4 on Proteins. Ada signed W1 and W2 at Uni, where Bo is affiliated."""
    uni = InstitutionFactory(display_name="Uni")
    ada = ResearcherFactory(display_name="Ada", slug="ada")
    bo = ResearcherFactory(display_name="Bo", affiliation=uni)
    cy = ResearcherFactory(display_name="Cy")
    ed = ResearcherFactory(display_name="Ed")
    fay = ResearcherFactory(display_name="Fay")
    gus = ResearcherFactory(display_name="Gus")
    w = {i: WorkFactory(title=f"W{i}", openalex_id=f"W{i}") for i in range(1, 9)}
    for i in (1, 2, 3, 4):
        mine = AuthorshipFactory(work=w[i], researcher=ada, position=0)
        if i in (1, 2):
            AuthorshipInstitution.objects.create(authorship=mine, institution=uni)
    for i in (1, 2, 3):
        AuthorshipFactory(work=w[i], researcher=bo, position=1)
    AuthorshipFactory(work=w[4], researcher=cy, position=1)
    for i in (5, 6):
        AuthorshipFactory(work=w[i], researcher=bo, position=0)
        AuthorshipFactory(work=w[i], researcher=ed, position=1)
    AuthorshipFactory(work=w[7], researcher=fay, position=0)
    AuthorshipFactory(work=w[8], researcher=gus, position=0)
    Citation.objects.create(citing=w[7], cited=w[1], cited_openalex_id="W1")
    Citation.objects.create(citing=w[1], cited=w[8], cited_openalex_id="W8")
    Citation.objects.create(citing=w[1], cited=None, cited_openalex_id="W404")
    graphs = TopicFactory(display_name="Graphs")
    proteins = TopicFactory(display_name="Proteins")
    for i in (1, 2, 3, 7):
        WorkTopicFactory(work=w[i], topic=graphs)
    WorkTopicFactory(work=w[4], topic=proteins)
    return {
        "ada": ada,
        "bo": bo,
        "cy": cy,
        "ed": ed,
        "fay": fay,
        "w": w,
        "graphs": graphs,
        "uni": uni,
    }


def labelled(inputs):
    labels = {inputs.center.id: inputs.center.label} | {n.id: n.label for n in inputs.nodes}
    return labels, {(labels[e.source], labels[e.target], e.why) for e in inputs.edges}


def test_the_cut_finds_people_papers_topics_and_institutions_with_reasons(corpus):
    inputs = slice_inputs(corpus["ada"].pk)
    labels, edges = labelled(inputs)
    assert inputs.center.label == "Ada"
    assert sorted(n.label for n in inputs.nodes if n.kind == "person") == ["Bo", "Cy", "Ed"]
    assert sorted(n.label for n in inputs.nodes if n.kind == "paper") == [
        "W1",
        "W2",
        "W3",
        "W4",
        "W7",
        "W8",
    ]
    assert sorted(n.label for n in inputs.nodes if n.kind == "topic") == ["Graphs", "Proteins"]
    assert [n.label for n in inputs.nodes if n.kind == "institution"] == ["Uni"]
    assert {
        ("Ada", "Bo", "3 shared works"),
        ("Ada", "Cy", "1 shared work"),
        ("Bo", "Ed", "2 shared works"),
        ("W7", "W1", "cites"),
        ("W1", "W8", "cites"),
        ("Ada", "W1", "author of"),
        ("Bo", "W3", "author of"),
        ("Ada", "Graphs", "works on Graphs (3 works)"),
        ("W1", "Graphs", "on topic Graphs"),
        ("W7", "Graphs", "shares topic Graphs"),
        ("Ada", "Uni", "affiliated with Uni on 2 works"),
        ("Bo", "Uni", "affiliated with Uni"),
    } <= edges
    # Nobody and nothing unrelated: Fay wrote W7 but is not Ada's co-author.
    assert "Fay" not in labels.values()
    assert inputs.totals == {"person": 2, "paper": 4, "scanned": 4, "topic": 2, "institution": 1}


def test_the_candidate_limits_bound_every_list(corpus):
    limits = CandidateLimits(
        coauthors=1,
        second_degree_via=1,
        second_degree_each=1,
        own_papers=1,
        citing_each=0,
        cited_each=0,
        topics=1,
        institutions=0,
    )
    inputs = slice_inputs(corpus["ada"].pk, limits)
    kinds = [n.kind for n in inputs.nodes]
    assert [n.label for n in inputs.nodes if n.kind == "person"] == ["Bo", "Ed"]
    # The most connected own paper is the one cited inside the corpus.
    assert [n.label for n in inputs.nodes if n.kind == "paper"] == ["W1"]
    assert kinds.count("topic") == 1 and "institution" not in kinds


def test_a_long_record_is_read_up_to_the_scan_limit_and_says_so(corpus):
    inputs = slice_inputs(corpus["ada"].pk, CandidateLimits(scan_works=2))
    assert inputs.totals["paper"] == 4  # all of Ada's works
    assert inputs.totals["scanned"] == 2  # the two most recently imported: W3 and W4
    assert sorted(n.label for n in inputs.nodes if n.kind == "person" and n.label != "Ed") == [
        "Bo",
        "Cy",
    ]


def test_the_number_of_queries_does_not_grow_with_the_record(corpus):
    with CaptureQueriesContext(connection) as before:
        slice_inputs(corpus["ada"].pk)
    for i in range(6):
        work = WorkFactory(openalex_id=f"W10{i}")
        AuthorshipFactory(work=work, researcher=corpus["ada"], position=0)
        AuthorshipFactory(work=work, researcher=ResearcherFactory(), position=1)
        WorkTopicFactory(work=work)
        Citation.objects.create(citing=work, cited=corpus["w"][8], cited_openalex_id="W8")
    with CaptureQueriesContext(connection) as after:
        slice_inputs(corpus["ada"].pk)
    assert len(after) == len(before)


def test_expanding_a_paper_brings_its_authors_topics_and_citations(corpus):
    w1 = f"paper:{corpus['w'][1].pk}"
    inputs = explorer_inputs(w1, [])
    labels, edges = labelled(inputs)
    assert inputs.center.label == "W1"
    assert {"Ada", "Bo", "Graphs", "W7", "W8"} <= set(labels.values())
    assert {("W7", "W1", "cites"), ("W1", "W8", "cites"), ("Bo", "W1", "author of")} <= edges


def test_expanding_a_topic_and_an_institution(corpus):
    inputs = explorer_inputs(
        f"person:{corpus['fay'].pk}",
        [f"topic:{corpus['graphs'].pk}", f"institution:{corpus['uni'].pk}"],
    )
    labels, edges = labelled(inputs)
    assert {"W1", "W2", "W3", "W7"} <= set(labels.values())
    assert ("W7", "Graphs", "shares topic Graphs") in edges
    assert ("Ada", "Uni", "affiliated with Uni") in edges
    assert ("Bo", "Uni", "affiliated with Uni") in edges


def test_an_unknown_focus_is_none(corpus):
    assert explorer_inputs("person:999999", []) is None
    assert explorer_inputs("nonsense", []) is None


def test_search_finds_each_type(corpus):
    found = {(n.kind, n.label) for n in search_nodes("Graphs")}
    assert ("topic", "Graphs") in found
    assert ("institution", "Uni") in {(n.kind, n.label) for n in search_nodes("Uni")}
    assert ("paper", "W7") in {(n.kind, n.label) for n in search_nodes("W7")}
    assert search_nodes("x") == []
