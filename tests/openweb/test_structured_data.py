"""The JSON-LD uses schema.org's vocabulary only: every type, and every property on the type
that schema.org gives it (directly or from a parent type)."""

from __future__ import annotations

import json
import re
from datetime import date

from django.test import Client

from tests.factories import AuthorshipFactory, InstitutionFactory, ResearcherFactory, WorkFactory
from works.models import Source

# From the schema.org definitions (schema.org/<Type>, "Properties from …" included), the
# properties of each type we emit. Thing's apply to every type.
THING = {"@context", "@type", "name", "url", "sameAs", "identifier", "alternateName", "description"}
VOCABULARY = {
    "Person": THING | {"affiliation"},
    "Organization": THING,
    "ScholarlyArticle": THING
    | {"headline", "author", "datePublished", "isPartOf", "abstract", "about"},
    "Periodical": THING,
    "PropertyValue": THING | {"propertyID", "value"},
}
EXPECTED_VALUE_TYPES = {
    ("Person", "affiliation"): "Organization",
    ("ScholarlyArticle", "author"): "Person",
    ("ScholarlyArticle", "isPartOf"): "Periodical",
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


def test_the_check_catches_a_property_schema_org_lacks():
    wrong = {"@type": "Person", "name": "Ada", "worksAt": "London"}
    assert problems_in(wrong) == ["$: Person has no property 'worksAt'"]
    assert problems_in({"@type": "Author"}) == [
        "$: type 'Author' is not one we checked against schema.org"
    ]
