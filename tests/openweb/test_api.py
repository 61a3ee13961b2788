"""The read API: OpenAPI document, keyset pages, filters, source ids, CORS, rate limits."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from graph.compute import graph_slice_compute
from openweb.api import CLIENT_LIMIT
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Source


@pytest.fixture
def client() -> Client:
    """A client from an address of its own (the limit's counts in Redis outlive a test run)."""
    return Client(REMOTE_ADDR="10." + ".".join(str(random.randint(1, 254)) for _ in range(3)))


def test_the_openapi_document_is_served_at_a_stable_url_and_validates(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/api/v1/researchers",
        "/api/v1/researchers/{slug}",
        "/api/v1/researchers/{slug}/works",
        "/api/v1/researchers/{slug}/graph-slice",
        "/api/v1/works",
        "/api/v1/works/{work_id}",
        "/api/v1/topics",
        "/api/v1/institutions",
        "/api/v1/venues",
    ):
        assert set(spec["paths"][path]) == {"get"}, path  # read-only


def walk(client: Client, url: str, **params) -> list[dict]:
    results, cursor, pages = [], None, 0
    while True:
        page = client.get(url, {**params, "limit": 3, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        body = page.json()
        assert len(body["results"]) <= 3
        results += body["results"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return results
        assert pages < 20


def test_keyset_pages_give_every_record_once_in_id_order(client, db):
    made = [ResearcherFactory(display_name=f"Person {i}") for i in range(8)]
    made[3].delete()
    slugs = [r["slug"] for r in walk(client, "/api/v1/researchers")]
    assert slugs == [r.slug for r in made if r.pk != made[3].pk]


def test_a_page_costs_the_same_deep_in_the_list(client, db):
    people = [ResearcherFactory() for _ in range(12)]
    first = client.get("/api/v1/researchers", {"limit": 2})
    cursor = first.json()["next_cursor"]
    with CaptureQueriesContext(connection) as early:
        client.get("/api/v1/researchers", {"limit": 2, "cursor": cursor})
    late_cursor = client.get("/api/v1/researchers", {"limit": 10}).json()["next_cursor"]
    with CaptureQueriesContext(connection) as late:
        late_page = client.get("/api/v1/researchers", {"limit": 2, "cursor": late_cursor})
    assert [r["slug"] for r in late_page.json()["results"]] == [p.slug for p in people[10:]]
    assert len(early) == len(late) == 1
    assert "OFFSET" not in late[0]["sql"]


def test_bad_input_gets_a_clear_error(client, db):
    bad_cursor = client.get("/api/v1/works", {"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json() == {
        "detail": "Bad cursor: pass back the next_cursor of a page of the same listing."
    }
    too_many = client.get("/api/v1/works", {"limit": 1000})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["query", "limit"]
    backwards = client.get("/api/v1/works", {"from": 2020, "to": 2010})
    assert backwards.json() == {"detail": "from (2020) is after to (2010)."}
    assert client.get("/api/v1/researchers/nobody").status_code == 404
    assert client.get("/api/v1/works/999999").status_code == 404
    assert client.get("/api/v1/works/abc").status_code == 422
    assert client.post("/api/v1/works").status_code == 405


def test_responses_carry_the_source_ids(client, db):
    place = InstitutionFactory(display_name="Bangor University", ror_id="006jb1a24")
    ada = ResearcherFactory(
        slug="ada", openalex_id="A1", orcid="0000-0002-1825-0097", affiliation=place
    )
    venue = Source.objects.create(display_name="Nature", openalex_id="S1", issn_l="0028-0836")
    work = WorkFactory(doi="10.1/x", arxiv_id="2101.00001", openalex_id="W1", source=venue)
    AuthorshipFactory(work=work, researcher=ada, raw_author_name="A. Lovelace")
    topic = TopicFactory(external_id="T10004")
    WorkTopicFactory(work=work, topic=topic)
    person = client.get("/api/v1/researchers/ada").json()
    assert (person["openalex_id"], person["orcid"]) == ("A1", "0000-0002-1825-0097")
    assert person["affiliation"]["ror_id"] == "006jb1a24"
    assert person["url"] == "http://testserver/researchers/ada/"
    detail = client.get(f"/api/v1/works/{work.pk}").json()
    assert (detail["doi"], detail["arxiv_id"], detail["openalex_id"]) == (
        "10.1/x",
        "2101.00001",
        "W1",
    )
    assert detail["venue"] == {
        "id": venue.pk,
        "display_name": "Nature",
        "source_type": "",
        "openalex_id": "S1",
        "issn_l": "0028-0836",
    }
    assert detail["authors"] == [{"position": 0, "name": "A. Lovelace", "researcher": "ada"}]
    assert detail["topics"][0]["external_id"] == "T10004"
    assert detail["url"] == f"http://testserver{work.get_absolute_url()}"


def test_the_filters_match_the_sites(client, db):
    ada = ResearcherFactory(slug="ada", display_name="Ada Lovelace")
    ResearcherFactory(display_name="Charles Babbage")
    topic = TopicFactory()
    venue = Source.objects.create(display_name="Memoirs")
    old = WorkFactory(title="Old", publication_year=1830, work_type="book")
    new = WorkFactory(title="New", publication_year=1843, source=venue, doi="10.1/NEW")
    WorkTopicFactory(work=new, topic=topic)
    AuthorshipFactory(work=old, researcher=ada)
    AuthorshipFactory(work=new, researcher=ada)
    WorkFactory(title="Someone else's", publication_year=1843)

    def titles(url: str, **params) -> list[str]:
        return [w["title"] for w in client.get(url, params).json()["results"]]

    assert titles("/api/v1/researchers/ada/works") == ["Old", "New"]
    assert titles("/api/v1/researchers/ada/works", **{"from": 1840}) == ["New"]
    assert titles("/api/v1/researchers/ada/works", type="book") == ["Old"]
    assert titles("/api/v1/works", topic=topic.pk) == ["New"]
    assert titles("/api/v1/works", venue=venue.pk) == ["New"]
    assert titles("/api/v1/works", doi="https://doi.org/10.1/new") == ["New"]
    # With a year filter, newest first (then the latest id).
    assert titles("/api/v1/works", **{"from": 1843, "to": 1843}) == ["Someone else's", "New"]
    names = [
        r["display_name"]
        for r in client.get("/api/v1/researchers", {"name": "lovel"}).json()["results"]
    ]
    assert names == ["Ada Lovelace"]


def test_the_graph_slice_is_202_while_built_then_200(client, db):
    ada = ResearcherFactory(slug="ada")
    AuthorshipFactory(researcher=ada)
    pending = client.get("/api/v1/researchers/ada/graph-slice")
    assert pending.status_code == 202
    assert pending.json() == {"status": "pending", "data_version": 1, "payload": None}
    graph_slice_compute(researcher_id=ada.pk, data_version=ada.data_version)
    ready = client.get("/api/v1/researchers/ada/graph-slice")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert any(node["id"] == f"person:{ada.pk}" for node in ready.json()["payload"]["nodes"])


def test_any_origin_may_read_and_only_read(client, db):
    response = client.get("/api/v1/topics", headers={"Origin": "https://elsewhere.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/topics",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    page = client.get("/", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in page  # the site's pages are not shared


def test_each_client_has_its_own_rate_limit(client, db, monkeypatch):
    monkeypatch.setattr(CLIENT_LIMIT, "num_requests", 3)
    assert [client.get("/api/v1/topics").status_code for _ in range(4)] == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="10." + ".".join(str(random.randint(1, 254)) for _ in range(3)))
    assert other.get("/api/v1/topics").status_code == 200


def test_a_single_entity_costs_a_constant_number_of_queries(client, db):
    work = WorkFactory()
    for position in range(30):
        AuthorshipFactory(work=work, position=position)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/works/{work.pk}").status_code == 200
    assert len(queries) == 1  # the work with its venue, authors and topics as JSON


def test_a_client_cannot_escape_its_limit_by_writing_x_forwarded_for(client, db, monkeypatch):
    monkeypatch.setattr(CLIENT_LIMIT, "num_requests", 2)
    codes = [
        client.get("/api/v1/topics", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_an_unreachable_cache_lets_requests_through(client, db, caches_unreachable):
    assert client.get("/api/v1/topics").status_code == 200


def test_year_filtered_works_come_newest_first_over_the_year_index(client, db):
    made = [WorkFactory(title=f"W{i}", publication_year=2000 + i % 4) for i in range(10)]
    WorkFactory(title="Undated", publication_year=None)
    listed = walk(client, "/api/v1/works", **{"from": 2001, "to": 2003})
    expected = sorted(
        (w for w in made if w.publication_year >= 2001),
        key=lambda w: (w.publication_year, w.pk),
        reverse=True,
    )
    assert [w["title"] for w in listed] == [w.title for w in expected]
    # A cursor of the id-ordered listing is refused, not misread.
    id_cursor = client.get("/api/v1/works", {"limit": 1}).json()["next_cursor"]
    refused = client.get("/api/v1/works", {"from": 2001, "cursor": id_cursor})
    assert refused.status_code == 400
    second_page = client.get("/api/v1/works", {"from": 2001, "limit": 2}).json()["next_cursor"]
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/works", {"from": 2001, "cursor": second_page})
    (sql,) = [q["sql"] for q in queries.captured_queries if "works_work" in q["sql"]]
    assert 'ORDER BY "works_work"."publication_year" DESC NULLS LAST, "works_work"."id" DESC' in sql
    assert "OFFSET" not in sql
