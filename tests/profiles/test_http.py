"""Pages that show the viewer's state are never kept by the browser (Back must not show them
stale); the 404 and 500 pages are the site's, and the 500 page needs no database."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from profiles.models import Researcher
from tests.factories import ResearcherFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
@pytest.mark.parametrize("name", ["home", "profile", "explorer"])
def test_pages_that_depend_on_the_viewer_are_not_stored(who, name):
    researcher = ResearcherFactory(slug="ada")
    client = Client()
    if who == "outsider":
        client.force_login(UserFactory(username="outsider"))
    url = {
        "home": reverse("home"),
        "profile": reverse("profiles:researcher_detail", args=[researcher.slug]),
        "explorer": reverse("graph:explorer", args=[researcher.slug]),
    }[name]
    response = client.get(url)
    assert response.status_code == 200
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    if name == "profile" and who == "anonymous":
        # Stored, by the browser or a shared cache, but revalidated on every use, with an ETag
        # (issue 17): the anonymous profile is the same for every anonymous visitor and has no
        # state an htmx swap changes (test_page_cache).
        assert {"public", "no-cache"} <= cache_control and response.has_header("ETag")
    else:
        assert {"private", "no-store"} <= cache_control


def test_a_response_that_does_not_depend_on_the_viewer_is_left_alone(client):
    from graph.compute import graph_slice_compute
    from graph.services import graph_slice_request

    researcher = ResearcherFactory(slug="ada")
    graph_slice_request(researcher=researcher)
    graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    response = client.get(reverse("graph:slice_json", args=[researcher.slug]))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_404_page_is_in_the_site_layout_with_a_way_home_and_a_search(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' in html and "There is nothing at this address" in html
    assert "/no-such-page/" in html
    assert f'href="{reverse("home")}"' in html
    assert 'role="search"' in html and 'name="q"' in html
    assert "Not Found" not in html


@pytest.fixture
def database_down(transactional_db):
    """Point Django's connection at a port where no PostgreSQL listens (a real refusal)."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    settings_dict.update(HOST="127.0.0.1", PORT="9")
    try:
        yield
    finally:
        connection.close()
        settings_dict.update(saved)


@pytest.mark.parametrize("method", ["get", "post"])
def test_with_the_database_down_a_page_says_so_with_a_503_not_a_500(database_down, method):
    client = Client(raise_request_exception=False)
    url = "/researchers/anyone/" + ("follow/" if method == "post" else "")
    response = getattr(client, method)(url)  # the view needs the database: it fails
    assert response.status_code == 503 and response["Retry-After"] == "30"
    html = response.content.decode()
    assert 'class="site-header"' in html and "cannot reach its database" in html
    assert "Nothing was changed" in html
    assert f'href="{reverse("home")}"' in html and 'role="search"' in html
    assert "Log out" not in html  # no guess about who is asking


def test_a_request_that_lost_a_race_says_so_and_asks_for_a_resend(transactional_db, rf):
    """A real lock wait cut short (SQLSTATE 55P03) while another session holds the row: not
    "cannot reach its database", but a conflict that a resend fixes."""
    import psycopg

    from profiles.http import server_error

    researcher = ResearcherFactory()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other, other.transaction():
        other.execute("SELECT 1 FROM profiles_researcher WHERE id = %s FOR UPDATE", [researcher.pk])
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '50ms'")
                list(Researcher.objects.select_for_update().filter(pk=researcher.pk))
        except OperationalError:
            response = server_error(rf.post("/"))
        else:
            pytest.fail("the row was not locked by the other session")
    assert response.status_code == 503 and response["Retry-After"] == "1"
    html = response.content.decode()
    assert "met another one at the same moment" in html and "send yours again" in html
    assert "cannot reach its database" not in html


def test_any_other_failure_is_the_500_page_in_the_site_layout(rf):
    from profiles.http import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:  # Django calls its handler500 while the exception is being handled
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
