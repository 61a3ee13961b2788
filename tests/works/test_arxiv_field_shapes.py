"""Property tests: a field of a real arXiv record in any other shape costs only that field.

Real records of the Kaggle snapshot (`demo/arxiv`, a copy of the shared real data) have one
field replaced by a value of another JSON type; parsing must not raise, must note the drop under
that field's name only, and nothing else the parser reads may move. No database.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.works.importing import DEMO
from tests.works.test_openalex_field_shapes import any_json, noted_field
from works.importers.arxiv import ArxivRecord, parse_arxiv

FEEDS: dict[str, set[str]] = {
    "title": {"title"},
    "doi": {"doi"},
    "journal-ref": {"venue"},
    "abstract": {"abstract"},
    "authors_parsed": {"authors"},  # then read from the printed `authors` string
    "categories": {"categories"},
    "versions": {"publication_date"},
    "update_date": {"updated_date"},
}


@cache
def real_records() -> list[dict[str, Any]]:
    lines = (DEMO / "arxiv" / "arxiv-metadata-head.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_mutated_arxiv_field_costs_only_itself(data):
    record = copy.deepcopy(data.draw(st.sampled_from(real_records())))
    key = data.draw(st.sampled_from(sorted(set(record) - {"id"})))
    value = data.draw(any_json.filter(lambda v: type(v) is not type(record[key])))
    original = parse_arxiv("f", 1, record)
    record[key] = value

    mutated = parse_arxiv("f", 1, record)

    assert all(noted_field(reason) == key for reason in mutated.dropped), mutated.dropped
    moved = FEEDS.get(key, set()) | {"dropped"}
    for name in ArxivRecord.__slots__:
        if name not in moved:
            assert getattr(mutated, name) == getattr(original, name), (key, name)
