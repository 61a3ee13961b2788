"""Property tests: a field of a real OpenAlex record in any other shape costs only that field.

Real records from the samples in `demo/openalex` (copies of the shared real data) have one field
replaced by a value of another JSON type. Parsing must not raise, must note the drop under that
field's name only, and everything the parser reads from the other fields must be unchanged.
No database: these run in milliseconds per example.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.works.importing import DEMO
from works.importers.openalex_records import (
    ParsedAuthor,
    ParsedInstitution,
    ParsedWork,
    parse_record,
)

# Which parsed values each record field feeds (anything else must not move when it changes).
WORK_FEEDS: dict[str, set[str]] = {
    "doi": {"doi", "arxiv_id"},
    "ids": {"doi", "arxiv_id"},
    "primary_location": {"source", "venue", "arxiv_id"},
    "host_venue": {"source", "venue", "arxiv_id"},
    "locations": {"arxiv_id", "oa_url", "oa_locations"},
    "open_access": {"oa_status", "oa_url"},
    "best_oa_location": {"oa_url", "oa_locations"},
    "alternate_host_venues": {"arxiv_id"},
    "title": {"title"},
    "display_name": {"title"},
    "type": {"work_type"},
    "publication_year": {"publication_year"},
    "publication_date": {"publication_date"},
    "abstract_inverted_index": {"abstract"},
    "language": {"language"},
    "cited_by_count": {"cited_by_count"},
    "updated_date": {"updated_date"},
    "authorships": {"authorships", "institutions"},
    "topics": {"topics"},
    "concepts": {"topics"},
    "referenced_works": {"references"},
}
AUTHOR_FEEDS: dict[str, set[str]] = {
    "display_name": {"display_name", "slug", "name_variants"},
    "display_name_alternatives": {"name_variants"},
    "ids": {"orcid"},
    "orcid": {"orcid"},
    "last_known_institutions": {"affiliation"},
    "last_known_institution": {"affiliation"},
    "updated_date": {"updated_date"},
}
INSTITUTION_FEEDS: dict[str, set[str]] = {
    "display_name": {"values"},
    "ror": {"values"},
    "country_code": {"values"},
    "type": {"values"},
    "homepage_url": {"homepage_url", "domains"},
    "updated_date": {"updated_date"},
}
# A dropped title falls back to display_name, so a note on either may follow either's mutation.
SAME_FIELD = {"display_name": {"display_name", "title"}, "title": {"title"}}

any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@cache
def real_records() -> dict[str, list[dict[str, Any]]]:
    works = [
        work
        for page in sorted((DEMO / "openalex").glob("works-page-*.json"))
        for work in json.loads(page.read_text())["results"]
    ]
    return {
        "W": works,
        "A": [json.loads(p.read_text()) for p in sorted((DEMO / "openalex/authors").glob("*"))],
        "I": [
            json.loads(p.read_text()) for p in sorted((DEMO / "openalex/institutions").glob("*"))
        ],
    }


FEEDS = {"W": WORK_FEEDS, "A": AUTHOR_FEEDS, "I": INSTITUTION_FEEDS}
SLOTS = {"W": ParsedWork, "A": ParsedAuthor, "I": ParsedInstitution}


def noted_field(reason: str) -> str:
    """`authorships[3].author: …` → `authorships`."""
    return reason.split(":", 1)[0].split("[", 1)[0].split(".", 1)[0]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_field_costs_only_itself(data):
    kind = data.draw(st.sampled_from(["W", "W", "W", "A", "I"]))
    record = copy.deepcopy(data.draw(st.sampled_from(real_records()[kind])))
    key = data.draw(st.sampled_from(sorted(set(record) - {"id"})))
    value = data.draw(any_json.filter(lambda v: type(v) is not type(record[key])))
    original = parse_record("f", 1, record)
    record[key] = value

    mutated = parse_record("f", 1, record)

    assert type(mutated) is type(original)
    allowed = SAME_FIELD.get(key, {key})
    assert all(noted_field(reason) in allowed for reason in mutated.dropped), mutated.dropped
    moved = FEEDS[kind].get(key, set()) | {"dropped"}
    for name in SLOTS[kind].__slots__:
        if name not in moved:
            assert getattr(mutated, name) == getattr(original, name), (key, name)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_mutated_authorship_costs_only_that_authorship(data):
    works = [w for w in real_records()["W"] if len(w["authorships"]) >= 2]
    record = copy.deepcopy(data.draw(st.sampled_from(works)))
    index = data.draw(st.integers(0, len(record["authorships"]) - 1))
    original = parse_record("f", 1, record)
    without = copy.deepcopy(record)
    del without["authorships"][index]
    others = parse_record("f", 1, without)  # what must survive: every other authorship
    assert isinstance(original, ParsedWork) and isinstance(others, ParsedWork)
    if data.draw(st.booleans()):
        record["authorships"][index] = data.draw(any_json.filter(lambda v: not isinstance(v, dict)))
    else:
        record["authorships"][index]["author"] = data.draw(
            any_json.filter(lambda v: not isinstance(v, dict))
        )

    mutated = parse_record("f", 1, record)

    assert isinstance(mutated, ParsedWork)
    assert all(r.startswith(f"authorships[{index}]") for r in mutated.dropped), mutated.dropped
    kept = [(a.author_openalex_id, a.display_name, a.institution_ids) for a in mutated.authorships]
    assert all(
        (a.author_openalex_id, a.display_name, a.institution_ids) in kept
        for a in others.authorships
    )
    assert (mutated.title, mutated.references, mutated.topics) == (
        original.title,
        original.references,
        original.topics,
    )
