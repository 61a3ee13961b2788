"""The OpenAlex parser on records alone: no database (no `db` fixture: a query would fail)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.works.importing import openalex_work
from works.importers.fields import RecordError
from works.importers.openalex_records import (
    InstitutionValues,
    ParsedAuthor,
    ParsedInstitution,
    ParsedSource,
    ParsedTopic,
    ParsedWork,
    ScoredTopic,
    SourceValues,
    TopicValues,
    entity_kind,
    parse_record,
    parse_work,
    rebuild_abstract,
)


def work(**overrides: Any) -> ParsedWork:
    return parse_work("works.jsonl", 7, openalex_work(1, **overrides))


def test_a_new_schema_work_parses_into_named_values():
    parsed = work()
    assert (parsed.path, parsed.line, parsed.openalex_id) == ("works.jsonl", 7, "W1")
    assert parsed.doi == "10.9999/test.1"
    assert (parsed.title, parsed.work_type, parsed.language) == ("Work number 1", "article", "en")
    assert (parsed.publication_year, parsed.publication_date) == (2021, date(2021, 3, 4))
    assert parsed.updated_date == datetime(2025, 1, 1, tzinfo=UTC)
    assert parsed.abstract == "Hello world"
    assert parsed.source == SourceValues("S77", "Journal of Tests", "", "")
    assert parsed.venue == "Journal of Tests"
    assert parsed.institutions == [
        InstitutionValues("I55", "05testu01", "Test University", "NL", "education")
    ]
    assert parsed.topics == [
        ScoredTopic(
            TopicValues(
                "openalex", "T900", "Testing", "Software", "Computer Science", "Physical Sciences"
            ),
            0.9,
        )
    ]
    assert parsed.topics[0].topic.key == ("openalex", "T900")
    [authorship] = parsed.authorships
    assert authorship.author_openalex_id == "A11"
    assert (authorship.position, authorship.display_name) == (0, "Ada Tester1")
    assert authorship.is_corresponding and authorship.institution_ids == ["I55"]
    assert authorship.slug == "ada-tester1-a11"


def test_an_old_schema_work_takes_its_host_venue_and_its_strong_concepts():
    record = openalex_work(1)
    for key in ("primary_location", "locations", "topics"):
        del record[key]
    record["host_venue"] = {
        "id": "https://openalex.org/S12",
        "display_name": "Old Venue Letters",
        "issn_l": "1234-5678",
        "type": "journal",
    }
    record["concepts"] = [
        {"id": "https://openalex.org/C41008148", "display_name": "Computer science", "score": 0.8},
        {"id": "https://openalex.org/C1", "display_name": "Barely related", "score": 0.1},
    ]
    parsed = parse_work("old.jsonl", 1, record)
    assert parsed.source == SourceValues("S12", "Old Venue Letters", "1234-5678", "journal")
    assert [(t.topic.origin, t.topic.display_name, t.score) for t in parsed.topics] == [
        ("openalex_concept", "Computer science", 0.8)
    ]


@pytest.mark.parametrize(
    ("overrides", "arxiv_id"),
    [
        ({"ids": {"arxiv": "https://arxiv.org/abs/2101.00001v2"}}, "2101.00001"),
        ({"doi": "https://doi.org/10.48550/arXiv.2102.00002"}, "2102.00002"),
        (
            {"locations": [{"landing_page_url": "https://arxiv.org/abs/2103.00003"}]},
            "2103.00003",
        ),
        ({}, None),
    ],
)
def test_the_arxiv_id_comes_from_ids_the_arxiv_doi_or_a_location(overrides, arxiv_id):
    assert work(**overrides).arxiv_id == arxiv_id


def test_an_author_listed_twice_is_one_authorship_and_a_nameless_anonymous_one_is_dropped():
    record = openalex_work(1)
    first = record["authorships"][0]
    record["authorships"] = [
        first,
        first,
        {"author": {"display_name": "Name Only"}, "raw_author_name": "N. Only"},
        {"author": {}},
    ]
    parsed = parse_work("w.jsonl", 1, record)
    assert [(a.position, a.author_openalex_id, a.display_name) for a in parsed.authorships] == [
        (0, "A11", "Ada Tester1"),
        (1, None, "Name Only"),
    ]
    assert parsed.authorships[1].slug is None  # name-only: resolved by the name rule later
    assert parsed.authorships[1].raw_author_name == "N. Only"


def test_references_drop_self_citations_and_duplicates_in_order():
    refs = ["https://openalex.org/W9", "https://openalex.org/W1", "W8", "https://openalex.org/W9"]
    assert work(referenced_works=refs).references == ["W9", "W8"]


def test_the_abstract_is_rebuilt_from_word_positions():
    assert rebuild_abstract({"world": [1, 3], "Hello": [0], "again": [2]}) == (
        "Hello world again world"
    )
    assert rebuild_abstract(None) == ""


def test_the_abstract_is_read_from_the_encoded_string_of_snapshot_files():
    # Snapshot part files descended from MAG carry the index as a JSON string with a length.
    encoded = '{"IndexLength": 4, "InvertedIndex": {"world": [1, 3], "Hello": [0], "again": [2]}}'
    assert rebuild_abstract(encoded) == "Hello world again world"
    assert rebuild_abstract('{"b": [1], "a": [0]}') == "a b"
    assert rebuild_abstract({"IndexLength": 1, "InvertedIndex": {"Alone": [0]}}) == "Alone"
    assert rebuild_abstract("null") == ""
    with pytest.raises(RecordError, match="abstract_inverted_index: a string that is not JSON"):
        rebuild_abstract("Hello world")


@pytest.mark.parametrize(
    ("overrides", "message", "lost"),
    [
        (
            {"title": None, "display_name": None},
            "title: no usable title; stored as 'Untitled work'",
            {"title": "Untitled work"},
        ),
        (
            {"publication_year": 40000},
            "publication_year: out of range: 40000",
            {"publication_year": None},
        ),
        (
            {"publication_date": "someday"},
            "publication_date: not a date: 'someday'",
            {"publication_date": None},
        ),
        (
            {"abstract_inverted_index": {"word": ["x"]}},
            "abstract_inverted_index: positions must be lists of integers",
            {"abstract": ""},
        ),
        (
            {"referenced_works": ["not-an-id", "https://openalex.org/W9"]},
            "referenced_works[0]: not an OpenAlex work id: 'not-an-id'",
            {"references": ["W9"]},
        ),
        (
            {"doi": 10.1},
            "doi: not a DOI: got float",
            {"doi": None},
        ),
        (
            {"cited_by_count": "many"},
            "cited_by_count: expected an integer, got str",
            {"cited_by_count": 0},
        ),
    ],
)
def test_a_field_in_a_bad_shape_is_dropped_and_the_work_kept(overrides, message, lost):
    good, parsed = work(), work(**overrides)

    assert parsed.dropped == [message]
    for name in ParsedWork.__slots__:
        expected = lost.get(name, getattr(good, name))
        if name != "dropped":
            assert getattr(parsed, name) == expected, name


def test_an_authorship_in_a_bad_shape_is_dropped_alone():
    good = openalex_work(1)["authorships"][0]
    anonymous = {"author": "Ada", "raw_author_name": "Ada Lovelace"}
    parsed = work(authorships=["nope", good, anonymous, {"author": {}, "institutions": 3}])

    assert parsed.dropped == [
        "authorships[0]: expected an object, got str",
        "authorships[2].author: expected an object, got str",
        "authorships[3]: neither an author id nor a name",
    ]
    assert [a.display_name for a in parsed.authorships] == ["Ada Tester1", "Ada Lovelace"]
    assert parsed.authorships[1].author_openalex_id is None  # kept by name


def test_an_entity_without_a_usable_name_lands_under_its_id():
    author = parse_record("f", 1, {"id": "https://openalex.org/A5", "display_name": 5})
    assert isinstance(author, ParsedAuthor)
    assert author.display_name == "A5"
    assert author.dropped == ["display_name: expected a string, got int"]
    source = parse_record("f", 2, {"id": "https://openalex.org/S4", "type": ["journal"]})
    assert isinstance(source, ParsedSource)
    assert source.values == SourceValues("S4", "S4", "", "")
    assert source.dropped == [
        "display_name: missing; stored under its id S4",
        "type: expected a string, got list",
    ]


def test_records_are_routed_by_the_letter_of_their_id():
    assert isinstance(parse_record("f", 1, openalex_work(1)), ParsedWork)
    author = parse_record(
        "f",
        2,
        {
            "id": "https://openalex.org/A5",
            "display_name": "Jiashi Feng",
            "display_name_alternatives": ["J. Feng", "Jiashi Feng", " "],
            "orcid": "https://orcid.org/0000-0001-6843-0064",
            "last_known_institutions": [
                {"id": "https://openalex.org/I2", "display_name": "NUS", "country_code": "SG"}
            ],
        },
    )
    assert isinstance(author, ParsedAuthor)
    assert author.name_variants == ["J. Feng"]
    assert author.orcid == "0000-0001-6843-0064"
    assert author.affiliation == InstitutionValues("I2", None, "NUS", "SG", "")
    institution = parse_record(
        "f",
        3,
        {
            "id": "https://openalex.org/I3",
            "display_name": "Uni",
            "homepage_url": "https://www.uni.example/about",
        },
    )
    assert isinstance(institution, ParsedInstitution)
    assert institution.values.openalex_id == "I3" and institution.domains == ["uni.example"]
    source = parse_record("f", 4, {"id": "https://openalex.org/S4", "display_name": "J"})
    assert isinstance(source, ParsedSource) and source.values == SourceValues("S4", "J", "", "")
    topic = parse_record(
        "f",
        5,
        {"id": "https://openalex.org/T5", "display_name": "T", "field": {"display_name": "F"}},
    )
    assert isinstance(topic, ParsedTopic) and topic.values.key == ("openalex", "T5")
    assert topic.values.field == "F"
    assert parse_record("f", 6, {"id": "https://openalex.org/F6"}) is None  # funders: skipped


@pytest.mark.parametrize("record", [{}, {"id": 5}, {"id": "https://example.org/nothing"}])
def test_a_record_without_an_openalex_id_is_bad_input(record):
    with pytest.raises(RecordError, match="id"):
        entity_kind(record)


def test_an_institution_known_only_by_its_id_is_kept_under_it():
    authorship = openalex_work(1)["authorships"][0]
    authorship["institutions"] = [
        {"id": "https://openalex.org/I9", "display_name": None},
        {"id": None, "display_name": "Somewhere without an id"},
    ]
    parsed = work(authorships=[authorship])

    assert parsed.institutions == [InstitutionValues("I9", None, "I9", "", "")]
    assert parsed.authorships[0].institution_ids == ["I9"]


# Open access (issue 13): a green work of the real samples has its repository copy.
GREEN_LOCATION = {
    "is_oa": True,
    "landing_page_url": "https://hdl.handle.net/10986/6723",
    "pdf_url": "https://openknowledge.worldbank.org/bitstreams/2eabb69f/download",
    "source": {"id": "https://openalex.org/S4306401280", "display_name": "World Bank OKR"},
    "license": "cc-by",
    "version": "submittedVersion",
}
CLOSED_LOCATION = {
    "is_oa": False,
    "landing_page_url": "https://doi.org/10.1596/1813-9450-3630",
    "pdf_url": None,
    "source": {"id": "https://openalex.org/S4210231086", "display_name": "WB working papers"},
}


def open_work(**overrides: Any) -> ParsedWork:
    fields: dict[str, Any] = {
        "open_access": {
            "is_oa": True,
            "oa_status": "green",
            "oa_url": GREEN_LOCATION["pdf_url"],
            "any_repository_has_fulltext": True,
        },
        "best_oa_location": GREEN_LOCATION,
        "locations": [CLOSED_LOCATION, GREEN_LOCATION],
    }
    return work(**{**fields, **overrides})


def test_open_access_gives_the_status_the_best_copy_and_the_open_locations():
    parsed = open_work()
    assert (parsed.oa_status, parsed.oa_url) == ("green", GREEN_LOCATION["pdf_url"])
    assert parsed.oa_locations == [
        {
            "url": "https://hdl.handle.net/10986/6723",
            "pdf_url": GREEN_LOCATION["pdf_url"],
            "source": "World Bank OKR",
            "version": "submittedVersion",
            "license": "cc-by",
        }
    ]  # the closed location is not a free copy; the best one is listed once
    assert parsed.dropped == []


def test_a_closed_work_has_no_link_and_a_work_without_oa_fields_has_nothing():
    closed = work(
        open_access={"is_oa": False, "oa_status": "closed", "oa_url": None},
        best_oa_location=None,
        locations=[CLOSED_LOCATION],
    )
    assert (closed.oa_status, closed.oa_url, closed.oa_locations) == ("closed", "", [])
    assert (work().oa_status, work().oa_url, work().oa_locations) == ("", "", [])


def test_without_oa_url_the_best_location_gives_the_link():
    parsed = open_work(open_access={"is_oa": True, "oa_status": "GREEN"})
    assert (parsed.oa_status, parsed.oa_url) == ("green", GREEN_LOCATION["pdf_url"])
    page_only = {**GREEN_LOCATION, "pdf_url": None}
    parsed = open_work(open_access=None, best_oa_location=page_only, locations=[page_only])
    assert (parsed.oa_status, parsed.oa_url) == ("", "https://hdl.handle.net/10986/6723")


@pytest.mark.parametrize(
    ("overrides", "reason", "kept"),
    [
        ({"open_access": ["green"]}, "open_access: expected an object, got list", "locations"),
        (
            {"open_access": {"oa_status": "platinum", "oa_url": GREEN_LOCATION["pdf_url"]}},
            "open_access.oa_status: not a known status: 'platinum'",
            "url",
        ),
        (
            {"open_access": {"oa_status": "green", "oa_url": "javascript:alert(1)"}},
            "open_access.oa_url: not a web link: 'javascript:alert(1)'",
            "status",
        ),
        (
            {"open_access": {"oa_status": "green", "oa_url": 7}},
            "open_access.oa_url: expected a URL, got int",
            "status",
        ),
        (
            {"best_oa_location": "https://example.org/x.pdf"},
            "best_oa_location: expected an object, got str",
            "url",
        ),
        (
            {"locations": [CLOSED_LOCATION, {**GREEN_LOCATION, "pdf_url": "ftp://x/y.pdf"}]},
            "locations[1].pdf_url: not a web link: 'ftp://x/y.pdf'",
            "url",
        ),
        ({"locations": [3, GREEN_LOCATION]}, "locations[0]: expected an object, got int", "url"),
    ],
)
def test_an_open_access_field_in_a_bad_shape_costs_only_itself(overrides, reason, kept):
    parsed = open_work(**overrides)
    assert parsed.dropped == [reason]
    assert parsed.title == "Work number 1" and parsed.authorships
    if kept == "url":
        assert parsed.oa_url == GREEN_LOCATION["pdf_url"]
    elif kept == "status":
        assert parsed.oa_status == "green"
    else:
        assert parsed.oa_locations and parsed.oa_url == GREEN_LOCATION["pdf_url"]
