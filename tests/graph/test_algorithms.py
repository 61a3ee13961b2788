"""Pure graph functions, without a database: caps, reasons, ranking, layout, exports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.algorithms import (
    Edge,
    Node,
    SliceCaps,
    SliceInputs,
    build_slice,
    explorer_graph,
    slice_payload,
    why_affiliation,
    why_authored,
    why_cites,
    why_coauthor,
    why_topic,
)
from graph.exports import slice_graphml, slice_json


def person(pk: int, name: str) -> Node:
    return Node(f"person:{pk}", "person", name, slug=name.lower())


def known() -> SliceInputs:
    """Ada wrote P1 with Bo; P2 cites P1; Ed writes with Bo only; Ada works on Graphs at Uni."""
    ada, bo, cy, di, ed = (
        person(1, "Ada"),
        person(2, "Bo"),
        person(3, "Cy"),
        person(4, "Di"),
        person(5, "Ed"),
    )
    p1 = Node("paper:10", "paper", "P1")
    p2 = Node("paper:11", "paper", "P2")
    graphs = Node("topic:20", "topic", "Graphs")
    uni = Node("institution:30", "institution", "Uni")
    return SliceInputs(
        center=ada,
        nodes=[bo, cy, di, ed, p1, p2, graphs, uni],
        edges=[
            Edge(ada.id, bo.id, "coauthor", why_coauthor(5), 5),
            Edge(ada.id, cy.id, "coauthor", why_coauthor(1), 1),
            Edge(ada.id, di.id, "coauthor", why_coauthor(2), 2),
            Edge(bo.id, ed.id, "coauthor", why_coauthor(3), 3),
            Edge(ada.id, p1.id, "authored", why_authored()),
            Edge(bo.id, p1.id, "authored", why_authored()),
            Edge(p2.id, p1.id, "cites", why_cites()),
            Edge(ada.id, graphs.id, "topic", why_topic("Graphs", 4), 4),
            Edge(p2.id, graphs.id, "topic", why_topic("Graphs")),
            Edge(ada.id, uni.id, "affiliation", why_affiliation("Uni", 3), 3),
        ],
        totals={"person": 4, "paper": 1, "topic": 1, "institution": 1},
    )


def labelled_whys(graph: nx.Graph) -> dict[frozenset[str], str]:
    return {
        frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"])): d["why"]
        for u, v, d in graph.edges(data=True)
    }


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


def test_sentences_keep_the_direction_of_citations_and_authorship():
    sentences = {e["sentence"] for e in slice_payload(build_slice(known(), SliceCaps()))["edges"]}
    assert "P2 cites P1" in sentences
    assert "P1 cites P2" not in sentences
    assert "Ada is an author of P1" in sentences
    assert "Ada — Bo: 5 shared works" in sentences
    assert "Bo — Ed: 3 shared works" in sentences


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


def test_payload_puts_the_centre_first_in_the_middle_and_every_node_in_the_drawing():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    centre = payload["nodes"][0]
    assert (centre["label"], centre["center"], centre["x"], centre["y"]) == ("Ada", True, 50, 50)
    assert all(5 <= n["x"] <= 95 and 5 <= n["y"] <= 95 for n in payload["nodes"])
    assert len({(n["x"], n["y"]) for n in payload["nodes"]}) == len(payload["nodes"])
    shapes = {n["kind"]: n["shape"] for n in payload["nodes"]}
    assert len(set(shapes.values())) == 4  # one shape per type: not colour alone
    assert all(bool(n["points"]) == (n["kind"] != "person") for n in payload["nodes"])
    # The text list starts with the centre's heaviest link.
    assert payload["edges"][0]["sentence"] == "Ada — Bo: 5 shared works"
    members = sorted(m for c in payload["communities"] for m in c["members"])
    assert members == sorted(n["label"] for n in payload["nodes"])


def test_ranking_prefers_the_stronger_link():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    score = {n["label"]: n["score"] for n in payload["nodes"]}
    assert score["Bo"] > score["Di"] > score["Cy"]


def test_a_researcher_alone_is_a_single_node():
    payload = slice_payload(build_slice(SliceInputs(center=person(1, "Solo")), SliceCaps()))
    assert [n["label"] for n in payload["nodes"]] == ["Solo"]
    assert payload["edges"] == []


def test_graphml_export_keeps_types_and_reasons():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    document = slice_graphml(payload)
    ET.fromstring(document)  # noqa: S314 - our own output, checked to be well-formed XML
    graph = nx.parse_graphml(document)
    assert graph.is_directed()
    assert graph.nodes["person:1"]["kind"] == "person"
    assert graph.nodes["paper:11"]["label"] == "P2"
    assert graph.edges["paper:11", "paper:10"]["why"] == "cites"
    assert graph.number_of_edges() == len(payload["edges"])


def test_json_export_lists_nodes_and_edges_with_reasons():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    document = json.loads(slice_json(payload, researcher="ada", data_version=3))
    assert document["researcher"] == "ada" and document["data_version"] == 3
    assert {n["id"] for n in document["nodes"]} == {n["id"] for n in payload["nodes"]}
    whys = {(e["source"], e["target"]): e["why"] for e in document["edges"]}
    assert whys[("paper:11", "paper:10")] == "cites"
    assert whys[("person:1", "institution:30")] == "affiliated with Uni on 3 works"


def test_the_explorer_hides_filtered_types_but_never_the_focus():
    inputs = known()
    inputs.center = Node("paper:10", "paper", "P1")
    inputs.nodes = [person(1, "Ada"), *(n for n in inputs.nodes if n.id != "paper:10")]
    graph = explorer_graph(inputs, hidden={"paper", "topic"})
    kinds = {d["kind"] for n, d in graph.nodes(data=True) if n != "paper:10"}
    assert kinds == {"person", "institution"}
    assert "paper:10" in graph
