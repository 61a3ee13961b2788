"""Hand-built slice inputs for the pure tests, and a reader of cut inputs as labels."""

from __future__ import annotations

import networkx as nx

from graph.nodes import (
    Edge,
    Node,
    SliceInputs,
    why_affiliation,
    why_authored,
    why_cites,
    why_coauthor,
    why_topic,
)


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


def labelled(inputs):
    labels = {inputs.center.id: inputs.center.label} | {n.id: n.label for n in inputs.nodes}
    return labels, {(labels[e.source], labels[e.target], e.why) for e in inputs.edges}
