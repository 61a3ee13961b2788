"""Pure graph functions over ids and edges: no database, testable on hand-built inputs.

A slice is cut in two steps. The selector (`graph.selectors`) fetches a bounded set of
*candidates* around the researcher with indexed SQL; `build_slice` then ranks every candidate by
personalised PageRank from the researcher (networkx) and keeps the best `SliceCaps` of each
node type, so the picture stays readable whatever the size of the record. `slice_payload`
colours communities (Louvain) and lays the slice out for a server-rendered SVG.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

NODE_KINDS = ("person", "paper", "topic", "institution")
KIND_LABELS = {
    "person": "Person",
    "paper": "Paper",
    "topic": "Topic",
    "institution": "Institution",
}
# Shapes carry the node type, so colour is never the only cue.
KIND_PLURALS = {
    "person": "People",
    "paper": "Papers",
    "topic": "Topics",
    "institution": "Institutions",
}
KIND_SHAPES = {
    "person": "circle",
    "paper": "triangle",
    "topic": "square",
    "institution": "diamond",
}
COMMUNITY_COLOURS = 8  # community outlines cycle through this many CSS classes


@dataclass(frozen=True)
class SliceCaps:
    """How many nodes of each type a slice may keep besides the researcher (documented)."""

    people: int = 24
    papers: int = 16
    topics: int = 8
    institutions: int = 6

    def for_kind(self, kind: str) -> int:
        return {
            "person": self.people,
            "paper": self.papers,
            "topic": self.topics,
            "institution": self.institutions,
        }[kind]


@dataclass(frozen=True)
class Node:
    id: str  # "<kind>:<database id>", e.g. "person:12"
    kind: str
    label: str
    slug: str = ""  # researchers only: their profile's slug
    detail: str = ""  # one line shown in the explorer's details panel


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # coauthor, authored, cites, topic, affiliation
    why: str  # the reason the edge exists, in words
    weight: float = 1.0


@dataclass
class SliceInputs:
    center: Node
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # How many candidates of each type exist in the corpus (for "24 of 5,000 co-authors").
    totals: dict[str, int] = field(default_factory=dict)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def node_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def parse_node_id(value: str) -> tuple[str, int] | None:
    """("person", 12) for "person:12"; None for anything else."""
    kind, _, pk = value.partition(":")
    if kind not in NODE_KINDS or not pk.isdigit() or len(pk) > 18:
        return None
    return kind, int(pk)


# The reasons, worded once, used by the selectors and the tests alike.
def why_coauthor(shared: int) -> str:
    return plural(shared, "shared work")


def why_authored() -> str:
    return "author of"


def why_cites() -> str:
    return "cites"


def why_topic(topic: str, works: int | None = None) -> str:
    if works is None:
        return f"shares topic {topic}"
    return f"works on {topic} ({plural(works, 'work')})"


def why_affiliation(institution: str, works: int | None = None) -> str:
    if works is None:
        return f"affiliated with {institution}"
    return f"affiliated with {institution} on {plural(works, 'work')}"


def edge_sentence(kind: str, why: str, source_label: str, target_label: str) -> str:
    """The edge as one sentence, for the hover title and the text list."""
    if kind == "cites":
        return f"{source_label} cites {target_label}"
    if kind == "authored":
        return f"{source_label} is an author of {target_label}"
    return f"{source_label} — {target_label}: {why}"


def assemble_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.Graph:
    """An undirected graph of the given nodes; edges to unknown nodes are dropped and the
    heaviest of parallel edges kept (direction survives in the `source` attribute)."""
    graph = nx.Graph()
    for node in nodes:
        if node.id not in graph:
            graph.add_node(
                node.id,
                kind=node.kind,
                label=node.label,
                slug=node.slug,
                detail=node.detail,
                center=False,
            )
    for edge in edges:
        if edge.source == edge.target or edge.source not in graph or edge.target not in graph:
            continue
        current = graph.get_edge_data(edge.source, edge.target)
        if current is not None and current["weight"] >= edge.weight:
            continue
        graph.add_edge(
            edge.source,
            edge.target,
            source=edge.source,
            kind=edge.kind,
            why=edge.why,
            weight=edge.weight,
        )
    return graph


def rank_nodes(graph: nx.Graph, center: str) -> dict[str, float]:
    """Personalised PageRank from the centre: how near each node is, weighed by the edges."""
    if graph.number_of_nodes() == 1:
        return {center: 1.0}
    for _, _, data in graph.edges(data=True):
        # 40 shared works should outweigh 1, but not 40 times over.
        data["rank_weight"] = 1.0 + math.log(max(data["weight"], 1.0))
    return nx.pagerank(graph, personalization={center: 1.0}, weight="rank_weight")


def build_slice(inputs: SliceInputs, caps: SliceCaps) -> nx.Graph:
    """The slice: candidates ranked by centrality, the best `caps` of each type kept."""
    center = inputs.center.id
    graph = assemble_graph([inputs.center, *inputs.nodes], inputs.edges)
    graph.nodes[center]["center"] = True
    score = rank_nodes(graph, center)
    keep = {center}
    for kind in NODE_KINDS:
        candidates = [n for n, d in graph.nodes(data=True) if d["kind"] == kind and n != center]
        candidates.sort(key=lambda n: (-score[n], graph.nodes[n]["label"], n))
        keep.update(candidates[: caps.for_kind(kind)])
    trimmed = nx.Graph(graph.subgraph(keep))
    # A co-author-of-co-author whose link was trimmed would float alone: drop what the
    # researcher no longer reaches.
    trimmed = nx.Graph(trimmed.subgraph(nx.node_connected_component(trimmed, center)))
    for node in trimmed:
        trimmed.nodes[node]["score"] = round(score[node], 5)
    trimmed.graph["totals"] = dict(inputs.totals)
    trimmed.graph["center"] = center
    return trimmed


def communities(graph: nx.Graph) -> dict[str, int]:
    """Community index per node (Louvain, seeded so a slice is reproducible); largest first."""
    if graph.number_of_edges() == 0:
        return dict.fromkeys(graph, 0)
    groups = nx.community.louvain_communities(graph, weight="weight", seed=7)
    groups.sort(key=lambda g: (-len(g), min(g)))
    return {node: index for index, group in enumerate(groups) for node in group}


def layout(graph: nx.Graph, center: str, size: float = 100.0) -> dict[str, tuple[float, float]]:
    """Spring layout with the centre in the middle, spread radially by rank into the inner
    80 % of a square drawing."""
    if graph.number_of_nodes() == 1:
        return {center: (size / 2, size / 2)}
    initial = nx.circular_layout(graph)
    initial[center] = (0.0, 0.0)
    pos = nx.spring_layout(
        graph,
        pos=initial,
        fixed=[center],
        seed=7,
        weight=None,  # weights pull heavy neighbours onto the centre and hide them
        k=1.0 / math.sqrt(graph.number_of_nodes()),
        iterations=60,
    )
    cx, cy = (float(v) for v in pos[center])
    # Spread radially by rank: a hub's many direct neighbours would otherwise huddle round the
    # centre while a few far citations set the scale. Angles are kept, distances become evenly
    # spaced rings by their order (area-uniform), so every node gets room for its label.
    others = [n for n in pos if n != center]
    polar = {
        n: (
            math.hypot(float(pos[n][0]) - cx, float(pos[n][1]) - cy),
            math.atan2(float(pos[n][1]) - cy, float(pos[n][0]) - cx),
        )
        for n in others
    }
    order = sorted(others, key=lambda n: (polar[n][0], n))
    half = size * 0.4  # leaves room for the labels at the edges
    placed = {center: (round(size / 2, 2), round(size / 2, 2))}
    for rank, node in enumerate(order):
        radius = half * (0.25 + 0.75 * math.sqrt((rank + 1) / len(order)))
        angle = polar[node][1]
        placed[node] = (
            round(size / 2 + radius * math.cos(angle), 2),
            round(size / 2 + radius * math.sin(angle), 2),
        )
    return placed


def shape_points(kind: str, x: float, y: float, size: float) -> str:
    """SVG polygon points of a type's shape ("" for people, drawn as circles)."""
    if kind == "topic":
        corners: list[tuple[float, float]] = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        scale = size * 0.85
    elif kind == "institution":
        corners = [(0, -1), (1, 0), (0, 1), (-1, 0)]
        scale = size * 1.25
    elif kind == "paper":
        corners = [(0, -1.15), (1, 0.75), (-1, 0.75)]
        scale = size * 1.1
    else:
        return ""
    return " ".join(f"{x + dx * scale:.2f},{y + dy * scale:.2f}" for dx, dy in corners)


def slice_payload(
    graph: nx.Graph, *, size: float = 100.0, node_size: float = 1.8, label_top: int | None = 12
) -> dict:
    """What the templates and exports need: nodes (centre first, then by rank) with positions
    and shapes, edges with their reasons and sentences, communities and totals."""
    if graph.number_of_nodes() == 0:
        return {"nodes": [], "edges": [], "communities": [], "totals": {}}
    center = graph.graph.get("center") or next(
        (n for n, d in graph.nodes(data=True) if d.get("center")), next(iter(graph))
    )
    positions = layout(graph, center, size)
    community = communities(graph)
    nodes: dict[str, dict[str, Any]] = {}
    for node, data in graph.nodes(data=True):
        x, y = positions[node]
        is_center = node == center
        radius = node_size * (1.5 if is_center else 1.0)
        nodes[node] = {
            "id": node,
            "kind": data["kind"],
            "kind_label": KIND_LABELS[data["kind"]],
            "shape": KIND_SHAPES[data["kind"]],
            "label": data["label"],
            "short_label": _shorten(data["label"], 28),
            "slug": data.get("slug", ""),
            "detail": data.get("detail", ""),
            "center": is_center,
            "score": data.get("score", 0.0),
            "community": community[node],
            "colour": community[node] % COMMUNITY_COLOURS,
            "x": x,
            "y": y,
            "r": round(radius, 2),
            "label_y": round(y - radius - node_size * 0.4, 2),
            "points": shape_points(data["kind"], x, y, radius),
        }
    edges = []
    for u, v, d in graph.edges(data=True):
        source = d.get("source", u)
        target = v if source == u else u
        edges.append(
            {
                "source": source,
                "target": target,
                "kind": d["kind"],
                "weight": d["weight"],
                "why": d["why"],
                "sentence": edge_sentence(
                    d["kind"], d["why"], nodes[source]["label"], nodes[target]["label"]
                ),
                "x1": nodes[source]["x"],
                "y1": nodes[source]["y"],
                "x2": nodes[target]["x"],
                "y2": nodes[target]["y"],
            }
        )
    # The text list reads like the picture: the centre's own links first, heaviest first.
    edges.sort(
        key=lambda e: (
            center not in (e["source"], e["target"]),
            -e["weight"],
            e["sentence"],
        )
    )
    ordered = sorted(nodes.values(), key=lambda n: (not n["center"], -n["score"], n["label"]))
    for rank, n in enumerate(ordered):
        # Only the nearest nodes carry a label on the picture; every node has its hover
        # title and its line in the text list.
        n["labelled"] = label_top is None or rank < label_top
    groups: dict[int, list[str]] = {}
    for n in ordered:
        groups.setdefault(n["community"], []).append(n["label"])
    return {
        "center": center,
        "nodes": ordered,
        "edges": edges,
        "communities": [
            {"index": i, "colour": i % COMMUNITY_COLOURS, "members": groups[i]}
            for i in sorted(groups)
        ],
        "totals": graph.graph.get("totals", {}),
        # Nodes shown besides the centre, per type.
        "counts": {
            kind: sum(1 for n in ordered if n["kind"] == kind and not n["center"])
            for kind in NODE_KINDS
        },
    }


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def payload_graph(payload: dict) -> nx.DiGraph:
    """A stored payload back as a directed graph (edges point from `source`), for export."""
    graph = nx.DiGraph()
    for n in payload["nodes"]:
        graph.add_node(
            n["id"],
            kind=n["kind"],
            label=n["label"],
            slug=n.get("slug", ""),
            center=bool(n.get("center")),
            score=float(n.get("score", 0.0)),
            community=int(n.get("community", 0)),
            x=float(n["x"]),
            y=float(n["y"]),
        )
    for e in payload["edges"]:
        graph.add_edge(
            e["source"], e["target"], kind=e["kind"], why=e["why"], weight=float(e["weight"])
        )
    return graph


def explorer_graph(inputs: SliceInputs, *, hidden: Iterable[str] = ()) -> nx.Graph:
    """The explorer's graph: everything fetched, ranked from the focus, hidden types removed
    (never the focus). Unlike a slice nothing is capped here: each expansion is bounded by
    the selector, and the number of expansions by the explorer's state."""
    center = inputs.center.id
    graph = assemble_graph([inputs.center, *inputs.nodes], inputs.edges)
    graph.nodes[center]["center"] = True
    score = rank_nodes(graph, center)
    hidden = set(hidden)
    graph.remove_nodes_from(
        [n for n, d in list(graph.nodes(data=True)) if d["kind"] in hidden and n != center]
    )
    for node in graph:
        graph.nodes[node]["score"] = round(score[node], 5)
    graph.graph["center"] = center
    return graph
