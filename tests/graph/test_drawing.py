"""Drawing a slice: the centre in the middle, every node inside the picture, one shape per type."""

from __future__ import annotations

from graph.algorithms import SliceCaps, build_slice
from graph.drawing import slice_payload
from graph.nodes import SliceInputs
from tests.graph.known_slice import known, person


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


def test_a_researcher_alone_is_a_single_node():
    payload = slice_payload(build_slice(SliceInputs(center=person(1, "Solo")), SliceCaps()))
    assert [n["label"] for n in payload["nodes"]] == ["Solo"]
    assert payload["edges"] == []


# --- labels (issue 10) ------------------------------------------------------------------------

import networkx as nx  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from graph.drawing import boxes_overlap, label_box  # noqa: E402


def visible_label_boxes(payload: dict) -> list[tuple]:
    font = payload["label_font"]
    return [
        label_box(n["label_anchor"], n["label_x"], n["label_y"], n["short_label"], font)
        for n in payload["nodes"]
        if n["labelled"]
    ]


def assert_no_overlap(payload: dict, size: float) -> None:
    boxes = visible_label_boxes(payload)
    for i, a in enumerate(boxes):
        assert min(a[0], a[1]) >= 0 and max(a[2], a[3]) <= size, a
        for b in boxes[i + 1 :]:
            assert not boxes_overlap(a, b), (a, b)


def test_labels_never_overlap_and_the_centre_is_labelled():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    assert_no_overlap(payload, 100)
    assert payload["nodes"][0]["labelled"]
    assert sum(n["labelled"] for n in payload["nodes"]) >= len(payload["nodes"]) // 2


def crowded_graph(n: int, seed: int, long_names: bool) -> nx.Graph:
    """A centre and n - 1 nodes of mixed types, every third hanging off the previous one."""
    kinds = ["paper", "topic", "institution", "person"]
    prefix = "Strip Pooling: Rethinking Spatial Pooling " if long_names else "N"
    ids = ["person:0"] + [f"{kinds[(i * 7 + seed) % 4]}:{i}" for i in range(1, n)]
    graph = nx.Graph(center=ids[0])
    for i, node in enumerate(ids):
        kind = node.split(":")[0]
        graph.add_node(node, kind=kind, label=f"{prefix}{i}", center=i == 0, score=1 / (i + 1))
    for i in range(1, n):
        parent = ids[i - 1] if i % 3 == 0 else ids[0]
        graph.add_edge(parent, ids[i], kind="topic", weight=1, why="x", source=parent)
    return graph


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 50), long_names=st.booleans())
def test_labels_never_overlap_however_crowded(n, seed, long_names):
    graph = crowded_graph(n, seed, long_names)
    payload = slice_payload(graph)
    assert_no_overlap(payload, 100)
    explorer = slice_payload(graph, size=1000, node_size=13, label_font=16)
    assert_no_overlap(explorer, 1000)
