"""A stored slice as GraphML and JSON, without a database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.algorithms import SliceCaps, build_slice
from graph.drawing import slice_payload
from graph.exports import slice_graphml, slice_json
from profiles.identity import clean_text
from tests.graph.known_slice import known


def test_graphml_export_keeps_types_and_reasons():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    document = slice_graphml(payload)
    ET.fromstring(document)  # noqa: S314 - our own output, checked to be well-formed XML
    graph = nx.parse_graphml(document)
    assert graph.is_directed()
    assert graph.nodes["person:1"]["kind"] == "person"
    assert graph.nodes["paper:11"]["label"] == "P2"
    assert graph.edges["paper:11", "paper:10"]["why"] == "cites"
    assert graph.number_of_edges() == len(payload["edges"])


def test_json_export_lists_nodes_and_edges_with_reasons():
    payload = slice_payload(build_slice(known(), SliceCaps()))
    document = json.loads(slice_json(payload, researcher="ada", data_version=3))
    assert document["researcher"] == "ada" and document["data_version"] == 3
    assert {n["id"] for n in document["nodes"]} == {n["id"] for n in payload["nodes"]}
    whys = {(e["source"], e["target"]): e["why"] for e in document["edges"]}
    assert whys[("paper:11", "paper:10")] == "cites"
    assert whys[("person:1", "institution:30")] == "affiliated with Uni on 3 works"


# Any text at all: control characters, lone surrogates, U+FFFE/U+FFFF, line breaks.
any_text = st.text(st.characters(codec=None, categories=None), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(any_text, min_size=2, max_size=2), why=any_text)
def test_exports_are_well_formed_whatever_the_names(names, why):
    inputs = known()
    center = replace(inputs.center, label=names[0])
    nodes = [replace(n, label=names[1]) if n.id == "person:2" else n for n in inputs.nodes]
    edges = [replace(e, why=why) if e.target == "person:2" else e for e in inputs.edges]
    payload = slice_payload(
        build_slice(replace(inputs, center=center, nodes=nodes, edges=edges), SliceCaps())
    )

    document = slice_graphml(payload)
    ET.fromstring(document.encode("utf-8"))  # noqa: S314 - our own output, checked to be well-formed XML
    graph = nx.parse_graphml(document)
    assert graph.nodes["person:1"]["label"] == clean_text(names[0], multiline=True)
    assert graph.nodes["person:2"]["label"] == clean_text(names[1], multiline=True)

    text = slice_json(payload, researcher=names[0], data_version=1)
    parsed = json.loads(text.encode("utf-8"))
    labels = {n["id"]: n["label"] for n in parsed["nodes"]}
    assert labels["person:2"] == clean_text(names[1], multiline=True)
