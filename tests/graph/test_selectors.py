"""The explorer's reads (neighbourhoods, search) against the hand-built corpus."""

from __future__ import annotations

from graph.selectors import explorer_inputs, search_nodes
from tests.graph.known_slice import labelled


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
