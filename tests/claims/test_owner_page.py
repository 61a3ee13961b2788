"""The owner's page: an affiliation from any known institution (searched, never all listed),
an ORCID iD through ORCID sign-in when the site has it, and plain words when it does not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.services.errors import ClaimError
from claims.services.owner import researcher_orcid_attach
from profiles.models import Researcher
from profiles.services.trust import trust_recompute
from tests.conftest import ROOT
from tests.conftest import _database_url as current_database_url
from tests.factories import AuthorshipFactory, InstitutionFactory, ResearcherFactory

ORCID_PROVIDERS = {"orcid": {"APPS": [{"client_id": "APP-1", "secret": "s", "key": ""}]}}


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def manage_url(record) -> str:
    return reverse("claims:owner_manage", args=[record.slug])


def test_the_page_offers_the_records_institutions_and_a_search_not_every_institution(
    owner_client, record
):
    mine = InstitutionFactory(display_name="Analytical University")
    AuthorshipFactory(researcher=record).institutions.add(mine)
    InstitutionFactory.create_batch(30, display_name="Elsewhere College")
    html = owner_client.get(manage_url(record)).content.decode()
    assert "Analytical University" in html and "Elsewhere College" not in html
    assert html.count('name="affiliation"') == 2  # "No affiliation" and the record's own
    assert 'name="affiliation_q"' in html


def test_the_search_finds_any_known_institution_and_states_its_cut_off(owner_client, record):
    InstitutionFactory.create_batch(25, display_name="Elsewhere College")
    wanted = InstitutionFactory(display_name="Elsewhere Institute of Engines")
    url = manage_url(record)
    fragment = owner_client.get(
        url,
        {"affiliation_q": "elsewhere"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="affiliation-choices",
    ).content.decode()
    assert "<html" not in fragment and 'id="affiliation-choices"' in fragment
    assert fragment.count('name="affiliation"') == 21  # "none" and the 20 closest
    assert "The 20 closest of 26 institutions" in fragment
    narrowed = owner_client.get(url, {"affiliation_q": "engines"}).content.decode()
    assert f'value="{wanted.pk}"' in narrowed and "1 institution matches" in narrowed
    by_domain = InstitutionFactory(display_name="Somewhere", domains=["engines.example"])
    found = owner_client.get(url, {"affiliation_q": "engines.example"}).content.decode()
    assert f'value="{by_domain.pk}"' in found


def test_the_search_costs_the_same_whatever_the_number_of_institutions(owner_client, record):
    InstitutionFactory.create_batch(3, display_name="Tiny College")
    url = manage_url(record)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "affiliation-choices"}
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url, {"affiliation_q": "college"}, **headers)
    InstitutionFactory.create_batch(60, display_name="Large College")
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url, {"affiliation_q": "college"}, **headers)
    assert len(many) == len(few)


def test_the_owner_saves_any_known_institution_but_not_an_unknown_id(owner_client, record):
    unrelated = InstitutionFactory(display_name="Elsewhere College")
    url = manage_url(record)
    refused = owner_client.post(url, {"headline": "x", "affiliation": 999_999_999})
    assert refused.status_code == 200  # the form says the choice is not valid
    assert Researcher.objects.get(pk=record.pk).affiliation is None
    saved = owner_client.post(
        url,
        {"headline": "<b>Engines</b>", "affiliation": unrelated.pk},
    )
    assert saved.status_code == 302
    assert Researcher.objects.get(pk=record.pk).affiliation == unrelated
    html = Client().get(reverse("profiles:researcher_detail", args=[record.slug])).content
    assert "&lt;b&gt;Engines&lt;/b&gt;" in html.decode() and "Elsewhere College" in html.decode()
    assert owner_client.post(url, {"headline": "", "affiliation": ""}).status_code == 302
    assert Researcher.objects.get(pk=record.pk).affiliation is None


# --- ORCID ------------------------------------------------------------------------------------


def test_without_orcid_sign_in_the_page_says_so_and_offers_nothing_it_cannot_do(
    owner_client, record
):
    html = owner_client.get(manage_url(record)).content.decode()
    assert "ORCID sign-in is not configured on this site" in html
    assert "Connect your ORCID iD" not in html and "/accounts/orcid/" not in html


def test_without_orcid_sign_in_the_trust_breakdown_gives_no_orcid_advice(owner, record):
    trust_recompute(researcher_ids=[record.pk])
    html = Client().get(reverse("profiles:researcher_detail", args=[record.slug])).content.decode()
    breakdown = html.split('id="trust-breakdown"')[1].split("</details>")[0]
    assert "connect an ORCID iD" not in breakdown and "sign in with ORCID" not in breakdown
    assert "ORCID sign-in is not configured on this site" in breakdown
    assert "set an affiliation on their profile page" in breakdown


def test_with_orcid_sign_in_the_breakdown_names_the_owners_orcid_step(owner, record, settings):
    settings.SOCIALACCOUNT_PROVIDERS = ORCID_PROVIDERS
    trust_recompute(researcher_ids=[record.pk])
    html = Client().get(reverse("profiles:researcher_detail", args=[record.slug])).content.decode()
    breakdown = html.split('id="trust-breakdown"')[1].split("</details>")[0]
    assert "connect an ORCID iD and set an affiliation on their profile page" in breakdown
    assert "not configured" not in breakdown


def test_the_claim_checklist_does_not_ask_for_an_orcid_sign_in_the_site_lacks(db, outsider):
    from tests.claims.conftest import verify_email

    verify_email(outsider)
    with_orcid = ResearcherFactory(slug="with-orcid", orcid="0000-0002-1825-0097")
    client = Client()
    client.force_login(outsider)
    html = client.get(reverse("claims:claim_create", args=[with_orcid.slug])).content.decode()
    assert "ORCID sign-in is not configured on this site" in html
    assert "Connect your ORCID" not in html


def test_a_connected_orcid_id_is_offered_and_added_to_the_record(
    owner, owner_client, record, settings
):
    settings.SOCIALACCOUNT_PROVIDERS = ORCID_PROVIDERS
    SocialAccount.objects.create(user=owner, provider="orcid", uid="0000-0002-1825-0097")
    html = owner_client.get(manage_url(record)).content.decode()
    assert "Add ORCID iD 0000-0002-1825-0097 to my record" in html
    level = Researcher.objects.get(pk=record.pk).verification_level
    url = reverse("claims:owner_orcid_attach", args=[record.slug])
    assert owner_client.post(url).status_code == 302
    assert owner_client.post(url).status_code == 302  # twice: the same, no error
    researcher = Researcher.objects.get(pk=record.pk)
    assert researcher.orcid == "0000-0002-1825-0097"
    assert researcher.verification_level == level  # self-declared: the level stays
    assert "the one you signed in with" in owner_client.get(manage_url(record)).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "claimant", "moderator"])
def test_nobody_but_the_owner_adds_an_orcid_id(pending_claim, owner, record, who, request):
    client = Client()
    if who != "anonymous":
        user = request.getfixturevalue(who)
        uid = f"0000-0000-0000-000{len(who)}"
        SocialAccount.objects.create(user=user, provider="orcid", uid=uid)
        client.force_login(user)
    response = client.post(reverse("claims:owner_orcid_attach", args=[record.slug]))
    assert response.status_code in (302, 404)
    assert Researcher.objects.get(pk=record.pk).orcid is None


def test_an_orcid_id_on_another_record_is_refused(owner, record):
    ResearcherFactory(display_name="Someone Else", orcid="0000-0002-1825-0097")
    SocialAccount.objects.create(user=owner, provider="orcid", uid="0000-0002-1825-0097")
    with pytest.raises(ClaimError, match="Someone Else"):
        researcher_orcid_attach(researcher_id=record.pk, user=owner)
    assert Researcher.objects.get(pk=record.pk).orcid is None


def test_without_a_connected_orcid_id_nothing_is_added(owner, record):
    with pytest.raises(ClaimError, match="Connect your ORCID iD"):
        researcher_orcid_attach(researcher_id=record.pk, user=owner)


def test_with_orcid_sign_in_configured_the_page_links_to_allauths_orcid_connect(db):
    """The provider's URLs exist only when it is installed at start-up: a fresh process (on
    the test database, where allauth looks its application up)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(ORCID_CLIENT_ID="APP-1", ORCID_SECRET="s", DATABASE_URL=current_database_url())
    code = """
import django; django.setup()
from types import SimpleNamespace
from django.template.loader import render_to_string
from django.test import RequestFactory
request = RequestFactory().get("/researchers/ada/manage/")
html = render_to_string("claims/owner_manage.html#orcid", {
    "request": request,
    "researcher": SimpleNamespace(orcid=None, slug="ada"),
    "orcid": {"enabled": True, "connected": ""},
})
print(html)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert 'href="/accounts/orcid/login/?process=connect' in out.stdout
    assert "next=%2Fresearchers%2Fada%2Fmanage%2F" in out.stdout
