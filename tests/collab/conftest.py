"""The collaboration cast: an owner whose record is open, a sender who owns a record too."""

from __future__ import annotations

import pytest

from claims.services.claims import claim_approve, claim_open
from collab.services import OpennessInput, openness_update
from tests.claims.conftest import verify_email
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)


def own(user, researcher, moderator):
    claim = claim_open(
        user=user, researcher_id=researcher.pk, claimant_name=researcher.display_name
    )
    claim_approve(claim_id=claim.pk, moderator=moderator)


def open_to_all(researcher, owner, **changes):
    data = dict(
        is_open=True,
        kinds=[],
        topic_ids=[],
        monthly_capacity=None,
        paused_until=None,
        share_email=False,
    )
    data.update(changes)
    return openness_update(researcher_id=researcher.pk, owner=owner, data=OpennessInput(**data))


@pytest.fixture
def topics(db):
    return {name: TopicFactory(display_name=name) for name in ("Engines", "Poetry", "Looms")}


@pytest.fixture
def ada(db, topics):
    """The owner's record: works on Engines and Poetry."""
    ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada-lovelace", openalex_id="A1")
    for i, topic in enumerate(["Engines", "Engines", "Poetry"]):
        work = WorkFactory(title=f"Ada's work {i}", publication_year=2020 + i)
        AuthorshipFactory(work=work, researcher=ada)
        WorkTopicFactory(work=work, topic=topics[topic])
    return ada


@pytest.fixture
def moderator(db):
    user = UserFactory(username="moderator", is_staff=True)
    verify_email(user)
    return user


@pytest.fixture
def owner(db, ada, moderator):
    user = UserFactory(username="owner")
    verify_email(user)
    own(user, ada, moderator)
    open_to_all(ada, user)
    return user


@pytest.fixture
def sender(db):
    user = UserFactory(username="sender")
    verify_email(user)
    return user


@pytest.fixture
def outsider(db):
    user = UserFactory(username="outsider")
    verify_email(user)
    return user


def topic_ids(topics, *names):
    return [topics[n].pk for n in names]
