"""The JSON-LD uses schema.org's vocabulary only: every type, and every property on the type
that schema.org gives it (directly or from a parent type)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AuthorshipFactory, InstitutionFactory, ResearcherFactory, WorkFactory
from works.models import Source

# From the schema.org definitions (schema.org/<Type>, "Properties from …" included), the
# properties of each type we emit. Thing's apply to every type.
THING = {"@context", "@type", "name", "url", "sameAs", "identifier", "alternateName", "description"}
ORGANIZATION = THING | {"address"}
CREATIVE_WORK_SERIES = THING | {"issn"}
VOCABULARY = {
    "Person": THING | {"affiliation"},
    "Organization": ORGANIZATION,
    # Organization's subtypes we name an institution by (schema.org/CollegeOrUniversity etc.).
    "CollegeOrUniversity": ORGANIZATION,
    "MedicalOrganization": ORGANIZATION,
    "Corporation": ORGANIZATION,
    "GovernmentOrganization": ORGANIZATION,
    "NGO": ORGANIZATION,
    "PostalAddress": THING | {"addressCountry"},
    "ScholarlyArticle": THING
    | {"headline", "author", "datePublished", "isPartOf", "abstract", "about"},
    # CreativeWorkSeries and its subtypes Periodical and BookSeries have `issn`.
    "Periodical": CREATIVE_WORK_SERIES,
    "BookSeries": CREATIVE_WORK_SERIES,
    "CreativeWorkSeries": CREATIVE_WORK_SERIES,
    "PropertyValue": THING | {"propertyID", "value"},
}
EXPECTED_VALUE_TYPES = {
    ("Person", "affiliation"): "Organization",
    ("ScholarlyArticle", "author"): "Person",
    ("ScholarlyArticle", "isPartOf"): "Periodical",
    **{
        (kind, "address"): "PostalAddress"
        for kind, terms in VOCABULARY.items()
        if terms == ORGANIZATION
    },
}


def problems_in(node: object, where: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += problems_in(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        kind = node.get("@type")
        if kind not in VOCABULARY:
            return [f"{where}: type {kind!r} is not one we checked against schema.org"]
        for key, value in node.items():
            if key not in VOCABULARY[kind]:
                found.append(f"{where}: {kind} has no property {key!r}")
            expected = EXPECTED_VALUE_TYPES.get((kind, key))
            values = value if isinstance(value, list) else [value]
            if expected and any(v.get("@type") != expected for v in values):
                found.append(f"{where}.{key}: expected {expected}")
            found += problems_in(value, f"{where}.{key}")
    return found


def jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def test_profiles_and_work_pages_use_only_schema_org_terms(db):
    place = InstitutionFactory(ror_id="006jb1a24")
    ada = ResearcherFactory(
        slug="ada",
        orcid="0000-0002-1825-0097",
        openalex_id="A1",
        headline="Mathematician",
        name_variants=["A. A. King"],
        affiliation=place,
    )
    venue = Source.objects.create(display_name="Memoirs")
    work = WorkFactory(
        doi="10.1/x",
        arxiv_id="1843.0001",
        openalex_id="W1",
        source=venue,
        abstract="Notes.",
        publication_date=date(1843, 9, 1),
    )
    AuthorshipFactory(work=work, researcher=ada)
    for path in ("/researchers/ada/", work.get_absolute_url()):
        (data,) = jsonld(Client().get(path).content.decode())
        assert data["@context"] == "https://schema.org"
        assert problems_in(data) == [], path


@pytest.mark.parametrize("institution_type", ["education", "healthcare", "company", "government",
                                              "nonprofit", "facility", ""])  # fmt: skip
def test_institution_pages_use_only_schema_org_terms(db, institution_type):
    place = InstitutionFactory(
        ror_id="006jb1a24",
        institution_type=institution_type,
        country_code="GB",
        homepage_url="https://www.london.ac.uk/",
    )
    html = Client().get(reverse("works:institution_detail", args=[place.pk])).content.decode()
    (data,) = jsonld(html)
    assert data["@context"] == "https://schema.org"
    assert problems_in(data) == []


@pytest.mark.parametrize("source_type", ["journal", "book series", "conference", "repository", ""])
def test_venue_pages_use_only_schema_org_terms(db, source_type):
    venue = Source.objects.create(
        display_name="Memoirs", issn_l="1234-5678", openalex_id="S1", source_type=source_type
    )
    html = Client().get(reverse("works:venue_detail", args=[venue.pk])).content.decode()
    (data,) = jsonld(html)
    assert data["@context"] == "https://schema.org"
    assert problems_in(data) == []


def test_the_check_catches_a_property_schema_org_lacks():
    wrong = {"@type": "Person", "name": "Ada", "worksAt": "London"}
    assert problems_in(wrong) == ["$: Person has no property 'worksAt'"]
    assert problems_in({"@type": "Author"}) == [
        "$: type 'Author' is not one we checked against schema.org"
    ]
