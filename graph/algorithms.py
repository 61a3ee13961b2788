"""Pure graph functions over ids and edges (networkx only): no database, no drawing.

A slice is cut in two steps. The SQL cut (`graph.cut`) fetches a bounded set of *candidates*
around the researcher with indexed SQL; `build_slice` then ranks every candidate by
personalised PageRank from the researcher and keeps the best `SliceCaps` of each node type, so
the picture stays readable whatever the size of the record. `communities` groups a slice
(Louvain); `graph.drawing` lays it out for a server-rendered SVG.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from graph.nodes import NODE_KINDS, Edge, Node, SliceInputs


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
    ranks: dict[str, float] = nx.pagerank(
        graph, personalization={center: 1.0}, weight="rank_weight"
    )
    return ranks


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
