"""Issue 16's "done when", in Chromium: a moderator finds the two records of one person in the
candidate queue, previews, merges, sees the old URL redirect, undoes, and sees both records
exactly as before (every row of every table of our apps compared)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claims.models import Claim, ClaimState
from profiles.models import Follow
from records.models import DuplicateCandidate
from tests.e2e.conftest import new_page, page_problems, watch
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory
from tests.records.world import database_rows

pytestmark = pytest.mark.e2e
VIEWED = frozenset({"graph_graphslice"})


def test_a_moderator_merges_two_records_of_one_person_and_undoes_it(
    transactional_db, live_server, browser
):
    moderator = UserFactory(username="moderator", is_staff=True)
    follower = UserFactory(username="follower")
    owner = UserFactory(username="owner")
    big = ResearcherFactory(display_name="Esther Duflo", slug="esther-duflo", openalex_id="A1")
    small = ResearcherFactory(display_name="E. Duflo", slug="e-duflo", openalex_id="A2")
    coauthor = ResearcherFactory(display_name="Abhijit Banerjee", slug="abhijit-banerjee")
    for i in range(9):
        work = WorkFactory(title=f"Poor economics, chapter {i + 1}")
        AuthorshipFactory(work=work, researcher=big, position=0)
        AuthorshipFactory(work=work, researcher=coauthor, position=1)
    for i in range(3):
        work = WorkFactory(title=f"Field experiments, note {i + 1}")
        AuthorshipFactory(work=work, researcher=small, position=0)
        AuthorshipFactory(work=work, researcher=coauthor, position=1)
    Follow.objects.create(user=follower, researcher=small)
    Claim.objects.create(
        user=owner, researcher=small, state=ClaimState.APPROVED, claimant_name="Esther Duflo"
    )
    low, high = sorted([big, small], key=lambda r: r.pk)
    DuplicateCandidate.objects.create(
        low=low, high=high, score=0.75, reasons=["Compatible names", "1 shared co-author"]
    )
    # Graph slices are cut when a profile is viewed (this test views them), not by the merge.
    before = database_rows(skip=VIEWED)
    base = live_server.url

    page = new_page(browser, user=moderator, base_url=base)
    problems = watch(page)
    page.goto(f"{base}/moderation/records/")
    row = page.get_by_role("row").filter(has_text="E. Duflo")
    expect(row).to_contain_text("1 shared co-author")
    row.get_by_role("link", name="Preview merge").click()

    preview = page.locator("#merge-preview")
    expect(preview).to_contain_text("nothing has changed yet")
    expect(preview).to_contain_text("12 works")
    expect(preview).to_contain_text("1 follow moving over")
    page.get_by_label("Why (shown in the audit)").fill("Same economist, two OpenAlex ids")
    page.get_by_role("button", name="Merge").click()

    expect(page.locator("#operation-state")).to_have_text("Applied")
    operation_url = page.url
    page.goto(f"{base}/researchers/e-duflo/")
    assert page.url == f"{base}/researchers/esther-duflo/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Esther Duflo")
    expect(page.get_by_text("12 published items")).to_be_visible()

    page.goto(operation_url)
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#operation-state")).to_have_text("Undone")
    page.goto(f"{base}/researchers/e-duflo/")
    assert page.url == f"{base}/researchers/e-duflo/"
    expect(page.get_by_text("3 published items")).to_be_visible()
    page.goto(f"{base}/researchers/esther-duflo/history/")
    expect(page.get_by_role("cell", name="Same economist, two OpenAlex ids")).to_be_visible()

    assert database_rows(skip=VIEWED) == before
    assert problems.take() == []
    assert page_problems(page) == []
    page.context.close()
