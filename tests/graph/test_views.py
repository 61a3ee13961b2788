"""The research-graph fragment: pending, ready, failed, stale, and the broker down."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from graph.compute import graph_slice_compute
from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from graph.services import QUEUE_UNREACHABLE
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


@pytest.fixture
def researcher(db):
    me = ResearcherFactory(slug="me", display_name="Me Myself")
    for i in range(3):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(
            work=work, researcher=ResearcherFactory(display_name=f"Co {i}"), position=1
        )
    return me


def slice_url(researcher):
    return reverse("graph:slice", args=[researcher.slug])


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_it_answers_pending_then_ready(client, researcher, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    # Inside the test transaction nothing commits, so nothing is enqueued: no worker runs it.
    first = client.get(slice_url(researcher), HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert 'data-state="pending"' in html
    assert 'hx-trigger="load delay:1s"' in html  # keeps polling
    assert "<html" not in html

    assert graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    ready = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="ready"' in ready
    assert "hx-trigger" not in ready  # polling stops
    assert "Co 0" in ready and "1 shared work" in ready


def test_it_degrades_when_the_broker_is_unreachable(
    transactional_db, client, researcher, unreachable_broker
):
    # Autocommit, as in production: the enqueue runs (and fails) within the request.
    response = client.get(slice_url(researcher), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="failed"' in html
    assert QUEUE_UNREACHABLE in html
    assert "Retry" in html and 'hx-post="/researchers/me/graph-slice/"' in html
    # The page itself does not depend on the broker.
    page = client.get(reverse("profiles:researcher_detail", args=["me"]))
    assert page.status_code == 200
    assert "Building this graph slice…" in page.content.decode()


def test_retry_puts_a_failed_slice_back_in_the_queue(client, researcher):
    GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
        status=SliceStatus.FAILED,
        error="boom",
    )
    response = client.post(slice_url(researcher), HTTP_HX_REQUEST="true")
    assert 'data-state="pending"' in response.content.decode()
    assert GraphSlice.objects.get().status == SliceStatus.PENDING


def test_retry_needs_the_csrf_token(researcher):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(slice_url(researcher)).status_code == 403


def test_an_anonymous_visitor_retries_with_the_token_its_fragment_carries(researcher):
    # The profile an anonymous visitor sees carries no CSRF token (templates/base.html): the
    # failed fragment's Retry form holds its own, and the fragment sets the cookie it matches.
    from django.test import Client

    GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
        status=SliceStatus.FAILED,
        error="boom",
    )
    visitor = Client(enforce_csrf_checks=True)
    profile = visitor.get(reverse("profiles:researcher_detail", args=["me"]))
    assert "X-CSRFToken" not in profile.content.decode() and not profile.cookies
    fragment = visitor.get(slice_url(researcher), HTTP_HX_REQUEST="true")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', fragment.content.decode())
    assert token and "csrftoken" in fragment.cookies
    retried = visitor.post(
        slice_url(researcher), {"csrfmiddlewaretoken": token.group(1)}, HTTP_HX_REQUEST="true"
    )
    assert retried.status_code == 200 and 'data-state="pending"' in retried.content.decode()


def test_a_slice_nobody_picks_up_is_reported_with_a_retry(client, researcher):
    GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
    )
    GraphSlice.objects.update(requested_at=timezone.now() - timedelta(minutes=5))
    html = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="failed"' in html
    assert "taking longer than it should" in html and "Retry" in html


def test_compute_is_idempotent(researcher):
    GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
    )
    assert graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    computed_at = GraphSlice.objects.get().computed_at
    assert not graph_slice_compute(
        researcher_id=researcher.pk, data_version=researcher.data_version
    )
    assert GraphSlice.objects.get().computed_at == computed_at


def test_a_new_data_version_gets_a_new_slice(client, researcher):
    client.get(slice_url(researcher))
    researcher.data_version += 1
    researcher.save()
    client.get(slice_url(researcher))
    assert sorted(GraphSlice.objects.values_list("data_version", flat=True)) == [1, 2]


def test_a_slice_drawn_in_another_payload_format_is_never_served(client, researcher):
    # A deploy changed the drawing: the stored slice (older format, same data) is stale.
    client.get(slice_url(researcher))
    graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    GraphSlice.objects.update(payload_version=PAYLOAD_VERSION - 1)
    html = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="pending"' in html and "Co 0" not in html
    for name in ("graph:slice_graphml", "graph:slice_json"):
        assert client.get(reverse(name, args=[researcher.slug])).status_code == 404
    current = GraphSlice.objects.get(payload_version=PAYLOAD_VERSION)
    assert current.status == SliceStatus.PENDING

    # Once rebuilt in the current format it is served, and the old one is gone.
    assert graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    html = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="ready"' in html and "Co 0" in html
    assert list(GraphSlice.objects.values_list("payload_version", flat=True)) == [PAYLOAD_VERSION]


def test_it_answers_404_for_an_unknown_researcher(client, db):
    assert client.get(reverse("graph:slice", args=["nobody"])).status_code == 404


# --- Exports ---------------------------------------------------------------------------


def test_exports_wait_for_the_slice(client, researcher):
    for name in ("graph:slice_graphml", "graph:slice_json"):
        assert client.get(reverse(name, args=[researcher.slug])).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_a_ready_slice_downloads_as_graphml_and_json(client, researcher, who, request):
    import json

    import networkx as nx

    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    client.get(slice_url(researcher))
    graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    ready = client.get(slice_url(researcher)).content.decode()
    assert reverse("graph:slice_graphml", args=[researcher.slug]) in ready

    response = client.get(reverse("graph:slice_graphml", args=[researcher.slug]))
    assert response["Content-Type"].startswith("application/graphml+xml")
    assert "attachment" in response["Content-Disposition"]
    graph = nx.parse_graphml(response.content.decode())
    labels = {d["label"] for _, d in graph.nodes(data=True)}
    assert {"Me Myself", "Co 0", "Co 1", "Co 2"} <= labels
    assert {d["why"] for _, _, d in graph.edges(data=True)} >= {"1 shared work", "author of"}

    document = json.loads(client.get(reverse("graph:slice_json", args=[researcher.slug])).content)
    assert document["researcher"] == "me"
    assert len(document["edges"]) == graph.number_of_edges()


# --- The explorer ------------------------------------------------------------------------


def explorer_url(researcher, **params):
    from urllib.parse import urlencode

    url = reverse("graph:explorer", args=[researcher.slug])
    return url + ("?" + urlencode(params) if params else "")


def test_the_profile_links_to_the_explorer(client, researcher):
    page = client.get(reverse("profiles:researcher_detail", args=[researcher.slug]))
    html = page.content.decode()
    assert f'href="{explorer_url(researcher)}"' in html
    assert 'aria-disabled="true"' not in html.split("Open full explorer")[0][-200:]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_the_explorer_opens_centred_on_the_researcher(client, researcher, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(explorer_url(researcher))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Centred on <strong>Me Myself</strong>" in html
    assert 'class="node node-person' in html and "Co 0" in html
    assert "js/explorer.js" in html and "<script>" not in html  # no inline script (CSP)


def test_an_htmx_request_gets_only_the_explorer_region(client, researcher):
    response = client.get(
        explorer_url(researcher), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="explorer"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="explorer"')
    assert "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def co_author(name):
    from profiles.models import Researcher

    return Researcher.objects.get(display_name=name)


def test_selecting_expanding_and_recentring(client, researcher):
    co = co_author("Co 1")
    node = f"person:{co.pk}"
    # Select: the details panel offers expansion and recentring.
    html = client.get(explorer_url(researcher, selected=node)).content.decode()
    assert '<h2 id="details-heading">Co 1</h2>' in html
    assert "Expand neighbourhood" in html and "Recentre here" in html

    # Expand: Co 1's own co-author joins the picture.
    far = ResearcherFactory(display_name="Far Away")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=co, position=0)
    AuthorshipFactory(work=work, researcher=far, position=1)
    assert "Far Away" not in client.get(explorer_url(researcher)).content.decode()
    expanded = client.get(explorer_url(researcher, selected=node, open=node)).content.decode()
    assert "Far Away" in expanded
    assert "Collapse neighbourhood" in expanded

    # Recentre: Co 1 is the centre, the researcher is still on the picture.
    centred = client.get(explorer_url(researcher, focus=node, open=f"person:{researcher.pk}"))
    html = centred.content.decode()
    assert "Centred on <strong>Co 1</strong>" in html
    assert "Me Myself" in html and "Far Away" in html


def test_filters_hide_a_type_but_not_the_centre(client, researcher):
    html = client.get(explorer_url(researcher, hide="person,paper")).content.decode()
    assert "Centred on <strong>Me Myself</strong>" in html
    assert "Co 0" not in html
    assert 'id="filter-person" href="' in html and 'aria-pressed="false"' in html


def test_zoom_and_pan_change_the_view_box(client, researcher):
    html = client.get(explorer_url(researcher)).content.decode()
    assert 'viewBox="0.0 0.0 1000.0 1000.0"' in html
    zoomed = client.get(explorer_url(researcher, zoom=2, cx=600, cy=500)).content.decode()
    assert 'viewBox="350.0 250.0 500.0 500.0"' in zoomed


def test_search_offers_nodes_to_add(client, researcher):
    stranger = ResearcherFactory(display_name="Stranger Danger")
    html = client.get(explorer_url(researcher, q="Stranger")).content.decode()
    assert "Search results for" in html and "Add to graph" in html
    assert f"open=person%3A{stranger.pk}" in html


def test_a_node_already_on_the_graph_is_selected_not_added(client, researcher):
    on_graph = co_author("Co 2")
    html = client.get(explorer_url(researcher, q="Co 2")).content.decode()
    results = html.split('id="results-heading"')[1].split("</section>")[0]
    assert "(on the graph)" in results and "Select it" in results
    assert "Add to graph" not in results
    assert f"selected=person%3A{on_graph.pk}" in results
    assert f"open=person%3A{on_graph.pk}" not in results


def test_search_puts_the_matching_paper_before_people_who_only_look_alike(client, researcher):
    ResearcherFactory(display_name="Poling Li")
    ResearcherFactory(display_name="Paula Poolman")
    WorkFactory(title="Strip Pooling: Rethinking Spatial Pooling for Scene Parsing")
    html = client.get(explorer_url(researcher, q="pooling")).content.decode()
    results = html.split('id="results-heading"')[1].split("</section>")[0]
    items = re.findall(r"<li>(.*?)</li>", results, re.S)
    assert "Strip Pooling" in items[0]
    assert "Poling Li" not in results


def test_expanding_a_node_that_adds_nothing_says_so(client, researcher):
    lone = co_author("Co 1")  # a co-author with no other work: nothing beyond the researcher
    node = f"person:{lone.pk}"
    html = client.get(explorer_url(researcher, selected=node, open=node)).content.decode()
    assert "Expanding it added nothing new" in html
    far = ResearcherFactory(display_name="Far Away")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=lone, position=0)
    AuthorshipFactory(work=work, researcher=far, position=1)
    html = client.get(explorer_url(researcher, selected=node, open=node)).content.decode()
    assert "Far Away" in html and "Expanding it added nothing new" not in html
    # Selected but not expanded: nothing to report.
    plain = client.get(explorer_url(researcher, selected=node)).content.decode()
    assert "added nothing" not in plain


def test_an_unknown_node_is_404_and_nonsense_is_ignored(client, researcher):
    assert client.get(explorer_url(researcher, focus="person:999999")).status_code == 404
    ok = client.get(explorer_url(researcher, focus="drop table", zoom="x", open="a:b"))
    assert ok.status_code == 200
    assert client.get(reverse("graph:explorer", args=["nobody"])).status_code == 404
