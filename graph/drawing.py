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
PAYLOAD_VERSION = 2  # 2: labels placed without overlap (label_x/label_y/label_anchor/label_font)

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


# Label geometry, in user units per unit of font size: a conservative average glyph width and
# the text box around the baseline (as Chromium's getBBox reports it for sans-serif fonts).
CHAR_WIDTH = 0.62
ASCENT = 1.0
DESCENT = 0.3
SHORT_LABEL = 16  # the shorter form tried when the full label does not fit anywhere

Box = tuple[float, float, float, float]  # left, top, right, bottom


def label_box(anchor: str, x: float, baseline: float, text: str, font: float) -> Box:
    width = len(text) * font * CHAR_WIDTH
    left = {"middle": x - width / 2, "start": x, "end": x - width}[anchor]
    return (left, baseline - ASCENT * font, left + width, baseline + DESCENT * font)


def boxes_overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_spots(node: dict[str, Any], font: float) -> list[tuple[str, float, float]]:
    """Where a node's label may go: below, above, right, left of its shape."""
    x, y, r = node["x"], node["y"], node["r"] * 1.25  # the widest shape (a diamond) included
    gap = font * 0.25
    return [
        ("middle", x, y + r + gap + ASCENT * font),
        ("middle", x, y - r - gap - DESCENT * font),
        ("start", x + r + gap, y + 0.35 * font),
        ("end", x - r - gap, y + 0.35 * font),
    ]


def place_labels(
    nodes: list[dict[str, Any]], *, font: float, size: float, limit: int | None = None
) -> None:
    """Give each node a label position where it overlaps no other label and no node.

    Most important first (the order of `nodes`): each tries its full label then a shorter one
    at each spot; a node whose label fits nowhere (or past `limit`) keeps it hidden, shown when
    the node is hovered or focused. Sets labelled, short_label, label_x, label_y, label_anchor.
    """
    shapes = {
        n["id"]: (n["x"] - n["r"] * 1.25, n["y"] - n["r"] * 1.25, n["x"] + n["r"] * 1.25,
                  n["y"] + n["r"] * 1.25)
        for n in nodes
    }  # fmt: skip
    placed: list[Box] = []
    for rank, node in enumerate(nodes):
        node["labelled"] = False
        anchor, lx, ly = label_spots(node, font)[0]
        node.update(label_anchor=anchor, label_x=round(lx, 2), label_y=round(ly, 2))
        if limit is not None and rank >= limit:
            continue
        others = [box for key, box in shapes.items() if key != node["id"]]
        for text in dict.fromkeys([node["short_label"], _shorten(node["label"], SHORT_LABEL)]):
            spot = next(
                (
                    (anchor, lx, ly, box)
                    for anchor, lx, ly in label_spots(node, font)
                    for box in [label_box(anchor, lx, ly, text, font)]
                    if box[0] >= 0 and box[1] >= 0 and box[2] <= size and box[3] <= size
                    and not any(boxes_overlap(box, p) for p in placed)
                    and not any(boxes_overlap(box, o) for o in others)
                ),
                None,
            )  # fmt: skip
            if spot is not None:
                anchor, lx, ly, box = spot
                placed.append(box)
                node.update(
                    labelled=True,
                    short_label=text,
                    label_anchor=anchor,
                    label_x=round(lx, 2),
                    label_y=round(ly, 2),
                )
                break


def slice_payload(
    graph: nx.Graph,
    *,
    size: float = 100.0,
    node_size: float = 1.8,
    label_top: int | None = None,
    label_font: float | None = None,
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
    # Labels where they fit, nearest nodes first; every node also has its hover title, its
    # label on hover and focus, and its line in the text list.
    font = label_font or size * 0.032
    place_labels(ordered, font=font, size=size, limit=label_top)
    groups: dict[int, list[str]] = {}
    for n in ordered:
        groups.setdefault(n["community"], []).append(n["label"])
    return {
        "center": center,
        "label_font": round(font, 2),
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
