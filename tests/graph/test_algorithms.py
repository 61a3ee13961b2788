"""Pure graph functions (networkx only), without a database: caps, ranking, the explorer's graph."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.algorithms import SliceCaps, build_slice, explorer_graph
from graph.drawing import slice_payload
from graph.nodes import Edge, Node, SliceInputs, why_coauthor
from tests.graph.known_slice import known, labelled_whys, person


def test_every_edge_says_why():
    graph = build_slice(known(), SliceCaps())
    assert labelled_whys(graph) == {
        frozenset({"Ada", "Bo"}): "5 shared works",
        frozenset({"Ada", "Cy"}): "1 shared work",
        frozenset({"Ada", "Di"}): "2 shared works",
        frozenset({"Bo", "Ed"}): "3 shared works",
        frozenset({"Ada", "P1"}): "author of",
        frozenset({"Bo", "P1"}): "author of",
        frozenset({"P2", "P1"}): "cites",
        frozenset({"Ada", "Graphs"}): "works on Graphs (4 works)",
        frozenset({"P2", "Graphs"}): "shares topic Graphs",
        frozenset({"Ada", "Uni"}): "affiliated with Uni on 3 works",
    }


def test_caps_are_respected_per_type():
    graph = build_slice(known(), SliceCaps(people=1, papers=1, topics=0, institutions=1))
    kinds = sorted(d["kind"] for n, d in graph.nodes(data=True) if not d["center"])
    assert kinds == ["institution", "paper", "person"]


def test_a_researcher_with_thousands_of_coauthors_gets_the_strongest_few():
    ada = person(1, "Ada")
    many = [person(100 + i, f"Co {i:04d}") for i in range(5000)]
    edges = [
        Edge(ada.id, co.id, "coauthor", why_coauthor(1 + i % 7), 1 + i % 7)
        for i, co in enumerate(many)
    ]
    caps = SliceCaps(people=10)
    graph = build_slice(SliceInputs(center=ada, nodes=many, edges=edges), caps)
    kept = [n for n, d in graph.nodes(data=True) if not d["center"]]
    assert len(kept) == caps.people
    # Only co-authors with the most shared works (7) survive the cut.
    assert {graph.edges[ada.id, n]["weight"] for n in kept} == {7}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 30), st.lists(st.integers(1, 30), max_size=4)), max_size=12),
    st.integers(min_value=0, max_value=10),
)
def test_nobody_is_kept_without_a_path_to_the_researcher(coauthors, cap):
    # Co-authors of co-authors hang off one co-author each; whatever the cap cuts,
    # what remains is connected to the researcher and within the cap.
    ada = person(1, "Ada")
    nodes, edges, pk = [], [], 10
    for weight, others in coauthors:
        co = person(pk, f"C{pk}")
        pk += 1
        nodes.append(co)
        edges.append(Edge(ada.id, co.id, "coauthor", why_coauthor(weight), weight))
        for w in others:
            far = person(pk, f"F{pk}")
            pk += 1
            nodes.append(far)
            edges.append(Edge(co.id, far.id, "coauthor", why_coauthor(w), w))
    graph = build_slice(SliceInputs(center=ada, nodes=nodes, edges=edges), SliceCaps(people=cap))
    assert graph.number_of_nodes() <= 1 + cap
    assert nx.is_connected(graph)
    for node in graph:
        if graph.nodes[node]["label"].startswith("F"):
            linker = next(iter(graph.neighbors(node)))
            assert graph.nodes[linker]["label"].startswith("C")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=50), max_size=60),
    st.integers(min_value=0, max_value=8),
)
def test_any_slice_respects_its_caps_and_stays_connected(weights, cap):
    ada = person(1, "Ada")
    nodes = [person(10 + i, f"P{i}") for i in range(len(weights))]
    edges = [
        Edge(ada.id, n.id, "coauthor", why_coauthor(w), w)
        for n, w in zip(nodes, weights, strict=True)
    ]
    graph = build_slice(SliceInputs(center=ada, nodes=nodes, edges=edges), SliceCaps(people=cap))
    assert graph.number_of_nodes() == 1 + min(cap, len(weights))
    assert nx.is_connected(graph)


def test_ranking_prefers_the_stronger_link():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    score = {n["label"]: n["score"] for n in payload["nodes"]}
    assert score["Bo"] > score["Di"] > score["Cy"]


def test_the_explorer_hides_filtered_types_but_never_the_focus():
    inputs = known()
    inputs.center = Node("paper:10", "paper", "P1")
    inputs.nodes = [person(1, "Ada"), *(n for n in inputs.nodes if n.id != "paper:10")]
    graph = explorer_graph(inputs, hidden={"paper", "topic"})
    kinds = {d["kind"] for n, d in graph.nodes(data=True) if n != "paper:10"}
    assert kinds == {"person", "institution"}
    assert "paper:10" in graph
