"""A stored slice as GraphML and JSON, without a database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import networkx as nx

from graph.algorithms import SliceCaps, build_slice
from graph.drawing import slice_payload
from graph.exports import slice_graphml, slice_json
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
