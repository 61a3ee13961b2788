"""A small random world of records for the property tests, and the whole database as rows."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from hypothesis import strategies as st

from claims.models import Claim, ClaimEvent, ClaimState, FlagState, WorkFlag
from profiles.models import Employment, Follow, Researcher, TrustSnapshot
from records.models import DuplicateCandidate
from tests.factories import InstitutionFactory, WorkFactory
from works.models import Authorship, AuthorshipInstitution

ORCIDS = [None, "0000-0002-1825-0097", "0000-0001-5109-3700"]

# Bookkeeping of the operations themselves, not the data they restore: the operation log,
# the refresh queue and the outbox that `researchers_changed` fills, and the versions it bumps.
NOT_COMPARED_TABLES = {
    "records_operation",
    "profiles_researcherrefreshrequest",
    "profiles_outboxmessage",
    # Derived from the authorships and names (works.importers.coauthor_names): a write marks
    # its works stale, and the next arXiv batch rebuilds their rows from what is then stored.
    "works_coauthornamepair",
    "works_coauthornamemember",
    "works_coauthornamesstale",
}
NOT_COMPARED_COLUMNS = {"profiles_researcher": {"data_version", "updated_at"}}


def database_rows(*, skip: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """Every row of every table of our apps, as PostgreSQL has it, by primary key (but the
    bookkeeping tables above and `skip`)."""
    state: dict[str, list[Any]] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if model._meta.app_label not in {"profiles", "works", "claims", "graph", "records"}:
                continue
            if table in NOT_COMPARED_TABLES or table in skip:
                continue
            drop = NOT_COMPARED_COLUMNS.get(table, set())
            pk = model._meta.pk.column
            cursor.execute(f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY t.{pk}")  # noqa: S608 -- model metadata
            state[table] = [
                {k: v for k, v in json.loads(row[0]).items() if k not in drop}
                for row in cursor.fetchall()
            ]
    return state


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """The plan of a world: records, works and who authors them, follows, claims, flags."""
    n_records = draw(st.integers(2, 4))
    n_works = draw(st.integers(1, 6))
    n_users = draw(st.integers(1, 3))
    authors = [
        draw(st.lists(st.integers(0, n_records - 1), min_size=1, max_size=3, unique=True))
        for _ in range(n_works)
    ]
    return {
        "orcids": [draw(st.sampled_from(ORCIDS)) for _ in range(n_records)],
        "authors": authors,
        "follows": draw(
            st.sets(st.tuples(st.integers(0, n_users - 1), st.integers(0, n_records - 1)))
        ),
        "claims": draw(
            st.lists(
                st.tuples(
                    st.integers(0, n_users - 1),
                    st.integers(0, n_records - 1),
                    st.sampled_from([ClaimState.PENDING, ClaimState.APPROVED, "rejected"]),
                ),
                max_size=4,
            )
        ),
        "flags": draw(st.lists(st.tuples(st.integers(0, n_works - 1), st.booleans()), max_size=3)),
        "employments": draw(
            st.lists(st.tuples(st.integers(0, n_records - 1), st.sampled_from("ab")), max_size=3)
        ),
        "snapshot": draw(st.booleans()),
        "n_users": n_users,
    }


def world_build(plan: dict[str, Any]) -> dict[str, Any]:
    """Create the planned world (skipping what a database constraint forbids)."""
    # Not UserFactory: hashing a password per user would make each example seconds slower.
    users = [
        get_user_model().objects.create(username=f"u{i}-{uuid.uuid4().hex[:8]}", password="!")
        for i in range(plan["n_users"])
    ]
    institution = InstitutionFactory()
    records = []
    for i, orcid in enumerate(plan["orcids"]):
        if orcid and Researcher.objects.filter(orcid=orcid).exists():
            orcid = None
        records.append(
            Researcher.objects.create(
                display_name=f"Ada Lovelace {i}",
                slug=f"ada-{i}-{Researcher.objects.count()}",
                orcid=orcid,
                verification_level=1 if orcid else 0,
                name_variants=[f"A. Lovelace {i}"],
            )
        )
    works = []
    for authors in plan["authors"]:
        work = WorkFactory()
        works.append((work, authors))
        for position, r in enumerate(authors):
            a = Authorship.objects.create(
                work=work, researcher=records[r], position=position, raw_author_name="A. L."
            )
            AuthorshipInstitution.objects.create(authorship=a, institution=institution)
    for u, r in plan["follows"]:
        Follow.objects.create(user=users[u], researcher=records[r])
    for u, r, state in plan["claims"]:
        clash = Claim.objects.filter(researcher=records[r], state=state)
        if state == ClaimState.APPROVED and clash.exists():
            continue
        if state == ClaimState.PENDING and clash.filter(user=users[u]).exists():
            continue
        claim = Claim.objects.create(
            user=users[u], researcher=records[r], state=state, claimant_name="Ada"
        )
        ClaimEvent.objects.create(claim=claim, actor=users[u], to_state=state)
    for w, pending in plan["flags"]:
        work, authors = works[w]
        state = FlagState.PENDING if pending else FlagState.DISMISSED
        researcher = records[authors[0]]
        if pending and WorkFlag.objects.filter(researcher=researcher, work=work, state=state):
            continue
        WorkFlag.objects.create(researcher=researcher, work=work, raised_by=users[0], state=state)
    for r, key in plan["employments"]:
        Employment.objects.get_or_create(
            researcher=records[r], source="orcid", source_key=key,
            defaults={"organization_name": "Analytical Engines Ltd"},
        )  # fmt: skip
    if plan["snapshot"]:
        _snapshot(records[0])
    DuplicateCandidate.objects.create(low=records[0], high=records[1], score=0.9, reasons=["x"])
    return {"users": users, "records": records, "works": [w for w, _ in works]}


def _snapshot(researcher: Researcher) -> None:
    fields: dict[str, object] = {
        f.name: 0
        for f in TrustSnapshot._meta.concrete_fields
        if f.get_internal_type() in {"PositiveSmallIntegerField", "PositiveIntegerField"}
    }
    fields.update(tier="Emerging", claim_status="unclaimed", has_orcid=False)
    fields.update(has_affiliation=False, computed_at=timezone.now(), changed_at=timezone.now())
    TrustSnapshot.objects.create(researcher=researcher, **fields)
