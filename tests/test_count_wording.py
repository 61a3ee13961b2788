"""Counts read "1 author", "2 authors": the noun after (or under) every count on the work,
profile, institution, venue and co-author pages agrees with it (Django's `pluralize`)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Follow
from profiles.services.trust import trust_recompute
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Citation, Source

NOUNS = (
    "author",
    "co-author",
    "work",
    "reference",
    "researcher",
    "follower",
    "topic",
    "collaborator",
    "citation",
    "item",
)
NOUN = "|".join(sorted(NOUNS, key=len, reverse=True))
# "3 published items", "1 work in BZPEER", "1 co-author": a count, up to two words, a noun.
COUNTED = re.compile(rf"(?<![\w.–-])(\d[\d,]*)\+? ((?:[a-z]+ ){{0,2}}?)({NOUN})(s?)\b")
# The header figures: the number shown above its label (dd before dt on screen).
FIGURE = re.compile(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>([\d,]+)\+?</dd>")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def wording_problems(html: str) -> tuple[list[str], int]:
    """Every count whose noun disagrees with it, and how many counts were checked."""
    problems, checked = [], 0
    for label, number in FIGURE.findall(html):
        # The counted noun is the label's first ("work with an author here").
        word = next((w for w in label.split() if w in NOUNS or w.removesuffix("s") in NOUNS), "")
        if word:
            checked += 1
            if word.endswith("s") == (number == "1"):
                problems.append(f"figure {number} {label!r}")
    # The figures are checked above; read together they would pair one's number with the next
    # one's label.
    for match in COUNTED.finditer(text_of(FIGURE.sub(" | ", html))):
        number, _, _, s = match.groups()
        checked += 1
        if (s == "s") == (number == "1"):
            problems.append(match.group(0))
    return problems, checked


def world(n: int) -> dict[str, str]:
    """A record, its institution, venue and first work, with n of every counted thing."""
    uni = InstitutionFactory(display_name="University of London")
    venue = Source.objects.create(display_name="Memoirs", source_type="journal")
    ada = ResearcherFactory(slug="ada", display_name="Ada Lovelace", affiliation=uni)
    babbage = ResearcherFactory(slug="babbage", display_name="Charles Babbage")
    works = [
        WorkFactory(title=f"Note {i}", publication_year=1843, source=venue, cited_by_count=1)
        for i in range(n)
    ]
    for i, work in enumerate(works):
        AuthorshipFactory(work=work, researcher=ada, position=0).institutions.add(uni)
        WorkTopicFactory(work=work, topic=TopicFactory(display_name=f"Engines {i}"))
    first = works[0]
    for i in range(1, n):  # the first work has n authors: Ada and n - 1 others
        AuthorshipFactory(work=first, researcher=ResearcherFactory(), position=i)
    for i in range(n):
        cited = WorkFactory(title=f"Cited {i}", openalex_id=f"W9{i}")
        Citation.objects.create(citing=first, cited=cited, cited_openalex_id=cited.openalex_id)
        citing = WorkFactory(title=f"Citing {i}", publication_year=1850)
        Citation.objects.create(citing=citing, cited=first, cited_openalex_id=f"W8{i}")
        Follow.objects.create(user=UserFactory(), researcher=ada)
    # Charles Babbage wrote with n people.
    shared = WorkFactory(title="Engine", publication_year=1830)
    AuthorshipFactory(work=shared, researcher=babbage, position=0)
    for i in range(n):
        AuthorshipFactory(work=shared, researcher=ResearcherFactory(), position=i + 1)
    trust_recompute(researcher_ids=[ada.pk, babbage.pk])
    return {
        "work": first.get_absolute_url(),
        "profile": reverse("profiles:researcher_detail", args=["ada"]),
        "institution": reverse("works:institution_detail", args=[uni.pk]),
        "venue": reverse("works:venue_detail", args=[venue.pk]),
        "coauthors": reverse("profiles:coauthors", args=["babbage"]),
    }


@pytest.mark.parametrize("n", [1, 2])
def test_every_count_on_the_record_pages_agrees_with_its_noun(db, n):
    pages = world(n)
    for kind, path in pages.items():
        html = Client().get(path).content.decode()
        problems, checked = wording_problems(html)
        assert problems == [], kind
        assert checked >= 1, kind
    work = text_of(Client().get(pages["work"]).content.decode())
    profile = Client().get(pages["profile"]).content.decode()
    if n == 1:
        assert "1 work in BZPEER cites this one." in work
        assert '<dt id="followers-label">follower</dt><dd id="followers-count">1</dd>' in profile
        assert "1 published item" in text_of(profile)
    else:
        assert "2 works in BZPEER cite this one." in work
        assert '<dt id="followers-label">followers</dt><dd id="followers-count">2</dd>' in profile


def test_the_check_finds_a_wrong_plural():
    assert wording_problems("<dl><div><dt>authors</dt><dd>1</dd></div></dl>")[0] == [
        "figure 1 'authors'"
    ]
    assert wording_problems("<p>1 published items, 3 co-author</p>") == (
        ["1 published items", "3 co-author"],
        2,
    )
    assert wording_problems("<p>2 works, 1 topic; 0 researchers</p>") == ([], 3)
    assert wording_problems("<dt>work with an author here</dt><dd>1</dd>") == ([], 1)
