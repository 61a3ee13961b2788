"""Pure graph functions over ids and edges: no database, testable on hand-built inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx


@dataclass(frozen=True)
class SliceCaps:
    """How many nodes of each type a slice may hold (documented in docs/architecture.md)."""

    people: int = 25
    topics: int = 12
    institutions: int = 8


@dataclass
class SliceInputs:
    center: tuple[int, str, str]  # (researcher id, display name, slug)
    # (researcher id, display name, slug, shared works)
    coauthors: list[tuple[int, str, str, int]] = field(default_factory=list)
    topics: list[tuple[int, str, int]] = field(default_factory=list)  # (id, name, works)
    institutions: list[tuple[int, str, int]] = field(default_factory=list)  # (id, name, works)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def build_slice(inputs: SliceInputs, caps: SliceCaps) -> nx.Graph:
    """The slice as a graph; every edge carries `why`, the sentence that explains it."""
    graph = nx.Graph()
    center_id, center_name, center_slug = inputs.center
    center = f"person:{center_id}"
    graph.add_node(center, kind="person", label=center_name, slug=center_slug, center=True)
    for rid, name, slug, shared in inputs.coauthors[: caps.people]:
        node = f"person:{rid}"
        graph.add_node(node, kind="person", label=name, slug=slug, center=False)
        graph.add_edge(
            center,
            node,
            kind="coauthor",
            weight=shared,
            why=f"{plural(shared, 'shared work')}",
        )
    for tid, name, works in inputs.topics[: caps.topics]:
        node = f"topic:{tid}"
        graph.add_node(node, kind="topic", label=name, center=False)
        graph.add_edge(
            center,
            node,
            kind="topic",
            weight=works,
            why=f"works on {name} ({plural(works, 'work')})",
        )
    for iid, name, works in inputs.institutions[: caps.institutions]:
        node = f"institution:{iid}"
        graph.add_node(node, kind="institution", label=name, center=False)
        graph.add_edge(
            center,
            node,
            kind="affiliation",
            weight=works,
            why=f"affiliated with {name} on {plural(works, 'work')}",
        )
    return graph


def slice_payload(graph: nx.Graph) -> dict[str, Any]:
    """Rank nodes by weighted degree centrality and lay them out for a fixed-size SVG."""
    if graph.number_of_nodes() == 0:
        return {"nodes": [], "edges": []}
    centrality = nx.degree_centrality(graph)
    if graph.number_of_nodes() > 1:
        layout = nx.spring_layout(graph, seed=7, weight="weight", k=1.2)
    else:
        layout = {node: (0.0, 0.0) for node in graph}
    xs = [float(x) for x, _ in layout.values()]
    ys = [float(y) for _, y in layout.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    nodes: dict[str, dict[str, Any]] = {}
    for node, data in graph.nodes(data=True):
        x, y = layout[node]
        # 5..95 % of the drawing, so shapes and labels stay inside it
        px = round(5 + 90 * (float(x) - min(xs)) / span_x, 2)
        py = round(5 + 90 * (float(y) - min(ys)) / span_y, 2)
        nodes[node] = {
            "id": node,
            **data,
            "centrality": round(centrality[node], 4),
            "x": px,
            "y": py,
            "points": shape_points(data["kind"], px, py),
        }
    edges = [
        {
            "source": u,
            "target": v,
            "target_label": nodes[v]["label"] if nodes[u].get("center") else nodes[u]["label"],
            "kind": d["kind"],
            "weight": d["weight"],
            "why": d["why"],
            "x1": nodes[u]["x"],
            "y1": nodes[u]["y"],
            "x2": nodes[v]["x"],
            "y2": nodes[v]["y"],
        }
        for u, v, d in graph.edges(data=True)
    ]
    edges.sort(key=lambda e: (-e["weight"], e["target_label"]))
    ordered = sorted(nodes.values(), key=lambda n: (not n["center"], -n["centrality"], n["label"]))
    return {"nodes": ordered, "edges": edges}


def shape_points(kind: str, x: float, y: float, size: float = 1.8) -> str:
    """SVG polygon points: a square for topics, a diamond for institutions (not colour alone)."""
    if kind == "topic":
        corners = [
            (x - size, y - size),
            (x + size, y - size),
            (x + size, y + size),
            (x - size, y + size),
        ]
    elif kind == "institution":
        corners = [
            (x, y - size * 1.3),
            (x + size * 1.3, y),
            (x, y + size * 1.3),
            (x - size * 1.3, y),
        ]
    else:
        return ""
    return " ".join(f"{cx:.2f},{cy:.2f}" for cx, cy in corners)
