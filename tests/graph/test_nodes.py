"""Nodes, edges and their words: each edge reads as one sentence, direction kept."""

from __future__ import annotations

import pytest

from graph.algorithms import SliceCaps, build_slice
from graph.drawing import slice_payload
from graph.nodes import edge_sentence, node_id, parse_node_id
from tests.graph.known_slice import known


def test_sentences_keep_the_direction_of_citations_and_authorship():
    sentences = {e["sentence"] for e in slice_payload(build_slice(known(), SliceCaps()))["edges"]}
    assert "P2 cites P1" in sentences
    assert "P1 cites P2" not in sentences
    assert "Ada is an author of P1" in sentences
    assert "Ada — Bo: 5 shared works" in sentences
    assert "Bo — Ed: 3 shared works" in sentences


def test_a_node_id_round_trips_and_nonsense_is_none():
    assert parse_node_id(node_id("institution", 30)) == ("institution", 30)
    for nonsense in ("", "person", "person:", "person:-1", "venue:3", "person:1" + "0" * 18):
        assert parse_node_id(nonsense) is None


@pytest.mark.parametrize(
    ("kind", "why", "sentence"),
    [
        ("cites", "cites", "P2 cites P1"),
        ("authored", "author of", "P2 is an author of P1"),
        ("topic", "shares topic Graphs", "P2 — P1: shares topic Graphs"),
    ],
)
def test_an_edge_reads_as_one_sentence(kind, why, sentence):
    assert edge_sentence(kind, why, "P2", "P1") == sentence
