"""Pure graph functions, without a database."""

from __future__ import annotations

from graph.algorithms import SliceCaps, SliceInputs, build_slice, slice_payload


def inputs() -> SliceInputs:
    return SliceInputs(
        center=(1, "Ada", "ada"),
        coauthors=[(2, "Bo", "bo", 5), (3, "Cy", "cy", 1), (4, "Di", "di", 2)],
        topics=[(10, "Graphs", 4)],
        institutions=[(20, "Uni", 3)],
    )


def test_every_edge_says_why():
    graph = build_slice(inputs(), SliceCaps())
    whys = {graph.nodes[v]["label"]: d["why"] for _, v, d in graph.edges(data=True)}
    assert whys == {
        "Bo": "5 shared works",
        "Cy": "1 shared work",
        "Di": "2 shared works",
        "Graphs": "works on Graphs (4 works)",
        "Uni": "affiliated with Uni on 3 works",
    }


def test_caps_are_respected():
    graph = build_slice(inputs(), SliceCaps(people=1, topics=0, institutions=1))
    kinds = sorted(d["kind"] for _, d in graph.nodes(data=True))
    assert kinds == ["institution", "person", "person"]


def test_payload_puts_the_centre_first_and_coordinates_in_the_drawing():
    payload = slice_payload(build_slice(inputs(), SliceCaps()))
    assert payload["nodes"][0]["label"] == "Ada"
    assert all(5 <= n["x"] <= 95 and 5 <= n["y"] <= 95 for n in payload["nodes"])
    assert payload["edges"][0]["target_label"] == "Bo"  # heaviest edge first
    assert {n["kind"]: bool(n["points"]) for n in payload["nodes"]} == {
        "person": False,
        "topic": True,
        "institution": True,
    }


def test_a_researcher_alone_is_a_single_node():
    payload = slice_payload(build_slice(SliceInputs(center=(1, "Solo", "solo")), SliceCaps()))
    assert [n["label"] for n in payload["nodes"]] == ["Solo"]
    assert payload["edges"] == []
