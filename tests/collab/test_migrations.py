"""The data migration that carries the one-way invitations and "open to collaborate" over."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from claims.models import CollaborationInvite
from collab.models import CollabRequest, Openness, RequestState
from profiles.models import Researcher
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("collab.migrations.0002_legacy_openness_and_invitations")


def test_an_owner_finds_old_invitations_in_the_inbox_and_stays_open(owner, sender, ada):
    Openness.objects.all().delete()
    Researcher.objects.filter(pk=ada.pk).update(open_to_collaborate=True)
    unowned = ResearcherFactory()
    for researcher, text in [(ada, "Old one"), (ada, "Newer one"), (unowned, "Nobody reads")]:
        CollaborationInvite.objects.create(researcher=researcher, sender=sender, message=text)
    migration.keep_open_records_open(apps, None)
    migration.copy_invitations(apps, None)
    assert Openness.objects.get(researcher=ada).is_open
    copied = CollabRequest.objects.get()  # one open request per pair: the newest
    assert (copied.owner, copied.sender, copied.message) == (owner, sender, "Newer one")
    assert copied.state == RequestState.PENDING and copied.kind == "other"
