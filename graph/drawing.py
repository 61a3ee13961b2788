"""Drawing a slice: positions, shapes and labels for the server-rendered SVG.

`slice_payload` turns a ranked slice (`graph.algorithms.build_slice` or `explorer_graph`) into
what the templates draw (`templates/graph/_drawing.html`) and the exports read: nodes with
positions and shapes, edges with their reasons and sentences, communities and totals. The
worker stores this payload in `GraphSlice.payload`, keyed by `PAYLOAD_VERSION`.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from graph.algorithms import communities
from graph.nodes import KIND_LABELS, KIND_SHAPES, NODE_KINDS, edge_sentence

# The format of a stored payload. Bump it whenever the layout, the geometry, the wording
# (graph.nodes) or the keys the templates read change: slices stored under another version are
# never served, and are rebuilt on the next request or precompute.
PAYLOAD_VERSION = 1

COMMUNITY_COLOURS = 8  # community outlines cycle through this many CSS classes


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
) -> dict[str, Any]:
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
