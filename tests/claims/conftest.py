"""The claims cast: a verified claimant, an owner of a record, tasks run in-process."""

from __future__ import annotations

import importlib
import random

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client

from claims.services.claims import claim_approve, claim_open
from tests.factories import ResearcherFactory, UserFactory


def verify_email(user, email: str | None = None) -> EmailAddress:
    address, _ = EmailAddress.objects.update_or_create(
        user=user,
        email=email or user.email,
        defaults={"verified": True, "primary": email is None},
    )
    return address


@pytest.fixture
def default_reason_templates(db) -> None:
    """The reason templates a data migration adds. A transactional test's flush empties the
    table, and the slow, transactional tests run first (tests/conftest.py): a test that uses the
    templates puts them back the way the migration does (idempotent)."""
    importlib.import_module("claims.migrations.0002_default_reason_templates").add(apps, None)


@pytest.fixture
def claimant(db):
    user = UserFactory(username="claimant", first_name="Jiashi", last_name="Feng")
    verify_email(user)
    return user


@pytest.fixture
def record(db):
    return ResearcherFactory(display_name="Ada Lovelace", slug="ada-lovelace", openalex_id="A1")


@pytest.fixture
def pending_claim(claimant, record):
    return claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")


@pytest.fixture
def owner(db, record, moderator):
    user = UserFactory(username="owner")
    verify_email(user)
    claim = claim_open(user=user, researcher_id=record.pk, claimant_name="Ada Lovelace")
    claim_approve(claim_id=claim.pk, moderator=moderator)
    return user


@pytest.fixture
def fresh_client() -> Client:
    """A client from its own address, so allauth's per-IP limits in Redis start at zero."""
    ip = ".".join(str(random.randint(1, 254)) for _ in range(3))
    return Client(REMOTE_ADDR=f"10.{ip}")
