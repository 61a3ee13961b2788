"""The evidence checklist and its pieces."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount

from claims.selectors import email_on_domain, evidence_checklist
from profiles.identity import names_compatible
from tests.claims.conftest import verify_email
from tests.factories import AuthorshipFactory, InstitutionFactory, ResearcherFactory


@pytest.mark.parametrize(
    ("claimed", "recorded", "expected"),
    [
        ("Jiashi Feng", "Jiashi Feng", True),
        ("J. Feng", "Jiashi Feng", True),
        ("Feng, Jiashi", "Jiashi Feng", True),
        ("José Müller", "Jose Muller", True),
        ("Jiashi Feng", "Jiashi Fang", False),
        ("K. Feng", "Jiashi Feng", False),
        ("Feng", "Jiashi Feng", False),
        ("", "Jiashi Feng", False),
    ],
)
def test_names_match(claimed, recorded, expected):
    assert names_compatible(claimed, recorded) is expected


@pytest.mark.parametrize(
    ("email", "domain", "expected"),
    [
        ("a@nus.edu.sg", "nus.edu.sg", True),
        ("a@comp.nus.edu.sg", "nus.edu.sg", True),
        ("a@evilnus.edu.sg", "nus.edu.sg", False),
        ("a@nus.edu.sg.evil.com", "nus.edu.sg", False),
        ("a@NUS.edu.sg", "nus.edu.sg", True),
    ],
)
def test_email_on_domain(email, domain, expected):
    assert email_on_domain(email, domain) is expected


def by_key(checklist):
    return {item.key: item for item in checklist.items}


def test_it_says_what_cannot_be_checked_on_a_bare_record(claimant):
    record = ResearcherFactory(display_name="Jiashi Feng")
    items = by_key(evidence_checklist(user=claimant, researcher=record, claimant_name="J. Feng"))
    assert items["orcid"].met is None
    assert items["email"].met is None
    assert items["name"].met is True


def test_it_checks_orcid_email_domain_of_authorship_institutions_and_name(claimant, settings):
    uni = InstitutionFactory(domains=["u.example"])
    record = ResearcherFactory(
        display_name="Ada Lovelace", orcid="0000-0001-0000-0001", name_variants=["A. A. Lovelace"]
    )
    authorship = AuthorshipFactory(researcher=record)
    authorship.institutions.add(uni)
    checklist = evidence_checklist(user=claimant, researcher=record, claimant_name="Ada Byron")
    items = by_key(checklist)
    # No ORCID sign-in on this site: the item cannot be met here, and says so.
    assert (items["orcid"].met, items["email"].met, items["name"].met) == (None, False, False)
    assert "not configured on this site" in items["orcid"].detail
    assert not any("ORCID" in step for step in checklist.next_steps)
    assert not checklist.strong
    assert any("u.example" in step for step in checklist.next_steps)
    settings.SOCIALACCOUNT_PROVIDERS = {"orcid": {}}
    checklist = evidence_checklist(user=claimant, researcher=record, claimant_name="Ada Byron")
    assert by_key(checklist)["orcid"].met is False
    assert any("Connect your ORCID iD" in step for step in checklist.next_steps)

    SocialAccount.objects.create(user=claimant, provider="orcid", uid="0000-0001-0000-0001")
    verify_email(claimant, "ada@dept.u.example")
    checklist = evidence_checklist(user=claimant, researcher=record, claimant_name="A. A. Lovelace")
    items = by_key(checklist)
    assert (items["orcid"].met, items["email"].met, items["name"].met) == (True, True, True)
    assert checklist.strong


def test_the_name_item_follows_the_importers_rule_on_a_missing_middle_name(claimant):
    record = ResearcherFactory(display_name="Jiashi Wei Feng", name_variants=["Feng, J. W."])
    checklist = evidence_checklist(user=claimant, researcher=record, claimant_name="J. Feng")
    assert by_key(checklist)["name"].met is False
    checklist = evidence_checklist(user=claimant, researcher=record, claimant_name="Jiashi W. Feng")
    assert by_key(checklist)["name"].met is True
