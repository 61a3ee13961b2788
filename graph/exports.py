"""A stored slice as files: GraphML (for Gephi, Cytoscape, networkx) and JSON.

Both are well-formed whatever the data: every text passes through `clean_text` again, as a
slice (or a row it was cut from) may predate the importers' cleaning, and one control
character in a name would make the XML malformed or the JSON unencodable (a lone surrogate).
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from profiles.identity import clean_text


def slice_graphml(payload: dict[str, Any]) -> str:
    """GraphML with every node's type, label and community and every edge's reason."""
    return "\n".join(nx.generate_graphml(payload_graph(payload), prettyprint=True)) + "\n"


def slice_json(payload: dict[str, Any], *, researcher: str, data_version: int) -> str:
    """Nodes and edges as plain JSON (networkx node-link layout: "nodes" and "edges")."""
    document = {
        "researcher": researcher,
        "data_version": data_version,
        "directed": True,
        "nodes": [
            {
                key: node[key]
                for key in ("id", "kind", "label", "slug", "center", "score", "community")
                if key in node
            }
            for node in payload["nodes"]
        ],
        "edges": [
            {key: edge[key] for key in ("source", "target", "kind", "why", "weight")}
            for edge in payload["edges"]
        ],
        "totals": payload.get("totals", {}),
    }
    return json.dumps(_clean(document), ensure_ascii=False, indent=2)


def _clean(value: Any) -> Any:
    """Every string in `value` (keys too) through `clean_text`, line breaks kept."""
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def payload_graph(payload: dict[str, Any]) -> nx.DiGraph:
    """A stored payload back as a directed graph (edges point from `source`), for export."""
    graph = nx.DiGraph()
    for n in payload["nodes"]:
        graph.add_node(
            _clean(n["id"]),
            kind=_clean(n["kind"]),
            label=_clean(n["label"]),
            slug=_clean(n.get("slug", "")),
            center=bool(n.get("center")),
            score=float(n.get("score", 0.0)),
            community=int(n.get("community", 0)),
            x=float(n["x"]),
            y=float(n["y"]),
        )
    for e in payload["edges"]:
        graph.add_edge(
            _clean(e["source"]),
            _clean(e["target"]),
            kind=_clean(e["kind"]),
            why=_clean(e["why"]),
            weight=float(e["weight"]),
        )
    return graph
