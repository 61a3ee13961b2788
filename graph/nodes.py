"""What a node and an edge of the research graph are, and the words that explain them.

A node id is "<kind>:<database id>" ("person:12"); every edge carries its reason (`why`) and
reads as one sentence (`edge_sentence`) in the hover title and the text list. The reasons are
worded here once and used by the SQL cut, the explorer and the tests alike. Changing a word
changes stored slices: bump `graph.drawing.PAYLOAD_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NODE_KINDS = ("person", "paper", "topic", "institution")
KIND_LABELS = {
    "person": "Person",
    "paper": "Paper",
    "topic": "Topic",
    "institution": "Institution",
}
KIND_PLURALS = {
    "person": "People",
    "paper": "Papers",
    "topic": "Topics",
    "institution": "Institutions",
}
# Shapes carry the node type, so colour is never the only cue.
KIND_SHAPES = {
    "person": "circle",
    "paper": "triangle",
    "topic": "square",
    "institution": "diamond",
}


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
    # Explorer: the nodes each expanded node brought that neither the focus nor another
    # expanded node brought (empty: expanding it added nothing).
    added_by: dict[str, set[str]] = field(default_factory=dict)


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


# The reasons, worded once, used by the SQL cut, the explorer and the tests alike.
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


def why_own_paper_topic(topic: str) -> str:
    """The researcher's own works are "on" a topic; the others share it with them."""
    return f"on topic {topic}"


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
