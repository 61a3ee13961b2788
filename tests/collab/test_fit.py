"""The fit between two records: each signal counted in SQL, with its reason, bounded."""

from __future__ import annotations

import pytest

from collab import fit as fit_module
from collab.fit import collab_fit
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Citation

pytestmark = pytest.mark.django_db


def authored(researcher, *, year=2020, topic=None, also=()):
    work = WorkFactory(publication_year=year)
    AuthorshipFactory(work=work, researcher=researcher, position=0)
    for i, other in enumerate(also, start=1):
        AuthorshipFactory(work=work, researcher=other, position=i)
    if topic is not None:
        WorkTopicFactory(work=work, topic=topic)
    return work


def cite(citing, cited):
    Citation.objects.create(citing=citing, cited=cited, cited_openalex_id=f"W{cited.pk}")


def test_it_finds_each_signal_with_its_reason():
    a, b = ResearcherFactory(), ResearcherFactory()
    grace = ResearcherFactory(display_name="Grace Hopper")
    engines, looms = TopicFactory(display_name="Engines"), TopicFactory(display_name="Looms")
    a_work = authored(a, topic=engines, also=[grace])
    b_work = authored(b, topic=engines, also=[grace])
    authored(b, topic=looms)  # a topic only b has
    together = authored(a, also=[b], year=2023)
    together.title = "Our joint paper"
    together.save()
    cite(a_work, b_work)
    cite(a_work, together)  # a citing a work both wrote counts as citing b
    cite(b_work, a_work)
    fit = collab_fit(sender_researcher_id=a.pk, owner_researcher_id=b.pk)
    assert (fit.shared_topics, [t["name"] for t in fit.topic_sample]) == (1, ["Engines"])
    assert (fit.shared_coauthors, fit.coauthor_sample[0]["name"]) == (1, "Grace Hopper")
    assert (fit.sender_cites_owner, fit.owner_cites_sender) == (2, 1)
    assert fit.works_together == 1
    assert fit.reasons == [
        "You have written 1 work together, the latest “Our joint paper”.",
        "You both work on 1 topic: Engines.",
        "You have 1 co-author in common: Grace Hopper.",
        "Your works cite theirs 2 times; theirs cite yours once.",
    ]
    assert fit.strength == "Strong fit" and not fit.truncated


def test_strangers_have_no_overlap_and_no_reasons():
    a, b = ResearcherFactory(), ResearcherFactory()
    authored(a, topic=TopicFactory())
    authored(b, topic=TopicFactory())
    fit = collab_fit(sender_researcher_id=a.pk, owner_researcher_id=b.pk)
    assert fit.reasons == [] and fit.strength == "No overlap found"


def test_a_prolific_record_is_read_through_its_newest_works_only(monkeypatch):
    monkeypatch.setattr(fit_module, "FIT_WORKS_CAP", 3)
    a, b = ResearcherFactory(), ResearcherFactory()
    old_topic, new_topic = TopicFactory(display_name="Old"), TopicFactory(display_name="New")
    authored(a, year=1990, topic=old_topic)  # beyond the newest 3 of a
    for _ in range(3):
        authored(a, year=2022, topic=new_topic)
    authored(b, topic=old_topic)
    authored(b, topic=new_topic)
    fit = collab_fit(sender_researcher_id=a.pk, owner_researcher_id=b.pk)
    assert [t["name"] for t in fit.topic_sample] == ["New"]
    assert fit.truncated
