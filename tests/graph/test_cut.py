"""The SQL cut of a slice against the hand-built corpus (tests/graph/conftest.py)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from graph.cut import CandidateLimits, slice_inputs
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory, WorkTopicFactory
from tests.graph.known_slice import labelled
from works.models import Citation


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
