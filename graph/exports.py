"""A stored slice as files: GraphML (for Gephi, Cytoscape, networkx) and JSON."""

from __future__ import annotations

import json

import networkx as nx

from graph.algorithms import payload_graph


def slice_graphml(payload: dict) -> str:
    """GraphML with every node's type, label and community and every edge's reason."""
    return "\n".join(nx.generate_graphml(payload_graph(payload), prettyprint=True)) + "\n"


def slice_json(payload: dict, *, researcher: str, data_version: int) -> str:
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
    return json.dumps(document, ensure_ascii=False, indent=2)
