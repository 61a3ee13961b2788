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
