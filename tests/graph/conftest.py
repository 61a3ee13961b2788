"""The hand-built corpus the SQL cut and the explorer's reads are tried on."""

from __future__ import annotations

import pytest

from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import AuthorshipInstitution, Citation


@pytest.fixture
def corpus(db):
    """Ada wrote W1–W4: W1–W3 with Bo, W4 with Cy. Ed wrote W5–W6 with Bo only.
    Fay's W7 cites W1; W1 cites Gus's W8 and a work not imported. W1–W3 and W7 are on
    Graphs, W4 on Proteins. Ada signed W1 and W2 at Uni, where Bo is affiliated."""
    uni = InstitutionFactory(display_name="Uni")
    ada = ResearcherFactory(display_name="Ada", slug="ada")
    bo = ResearcherFactory(display_name="Bo", affiliation=uni)
    cy = ResearcherFactory(display_name="Cy")
    ed = ResearcherFactory(display_name="Ed")
    fay = ResearcherFactory(display_name="Fay")
    gus = ResearcherFactory(display_name="Gus")
    w = {i: WorkFactory(title=f"W{i}", openalex_id=f"W{i}") for i in range(1, 9)}
    for i in (1, 2, 3, 4):
        mine = AuthorshipFactory(work=w[i], researcher=ada, position=0)
        if i in (1, 2):
            AuthorshipInstitution.objects.create(authorship=mine, institution=uni)
    for i in (1, 2, 3):
        AuthorshipFactory(work=w[i], researcher=bo, position=1)
    AuthorshipFactory(work=w[4], researcher=cy, position=1)
    for i in (5, 6):
        AuthorshipFactory(work=w[i], researcher=bo, position=0)
        AuthorshipFactory(work=w[i], researcher=ed, position=1)
    AuthorshipFactory(work=w[7], researcher=fay, position=0)
    AuthorshipFactory(work=w[8], researcher=gus, position=0)
    Citation.objects.create(citing=w[7], cited=w[1], cited_openalex_id="W1")
    Citation.objects.create(citing=w[1], cited=w[8], cited_openalex_id="W8")
    Citation.objects.create(citing=w[1], cited=None, cited_openalex_id="W404")
    graphs = TopicFactory(display_name="Graphs")
    proteins = TopicFactory(display_name="Proteins")
    for i in (1, 2, 3, 7):
        WorkTopicFactory(work=w[i], topic=graphs)
    WorkTopicFactory(work=w[4], topic=proteins)
    return {
        "ada": ada,
        "bo": bo,
        "cy": cy,
        "ed": ed,
        "fay": fay,
        "w": w,
        "graphs": graphs,
        "uni": uni,
    }
