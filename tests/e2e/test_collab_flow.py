"""The whole direct-collaboration story in Chromium.

A researcher finds another by name, opens Direct collaboration, sees the fit and sends a
request; the owner sees the unread count, accepts; they exchange messages (htmx: sent without a
reload, and the other side's new message appears by itself); the owner reports a message and a
moderator finds it in the reports queue. Three people, three browser contexts.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from claims.services.claims import claim_approve, claim_open
from collab.services import OpennessInput, openness_update
from tests.e2e.conftest import new_page, page_problems, settle, watch
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.e2e


def verified(username: str, **extra):
    user = UserFactory(username=username, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def build():
    moderator = verified("moderator", is_staff=True)
    owner, sender = verified("ada"), verified("charles")
    ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada-lovelace", openalex_id="A1")
    charles = ResearcherFactory(display_name="Charles Babbage", slug="charles-babbage")
    engines = TopicFactory(display_name="Analytical engines")
    for i, who in enumerate([ada, charles]):
        work = WorkFactory(title=f"On engines, part {i + 1}")
        AuthorshipFactory(work=work, researcher=who)
        WorkTopicFactory(work=work, topic=engines)
    for user, record in [(owner, ada), (sender, charles)]:
        claim = claim_open(user=user, researcher_id=record.pk, claimant_name=record.display_name)
        claim_approve(claim_id=claim.pk, moderator=moderator)
    openness_update(
        researcher_id=ada.pk,
        owner=owner,
        data=OpennessInput(
            is_open=True,
            kinds=[],
            topic_ids=[],
            monthly_capacity=10,
            paused_until=None,
            share_email=False,
        ),
    )
    return owner, sender, moderator


def no_reload_marker(page) -> None:
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


def test_find_fit_send_accept_exchange_report_moderate(transactional_db, live_server, browser):
    owner, sender, moderator = build()
    base = live_server.url
    pages = {
        who: new_page(browser, user=user, base_url=base)
        for who, user in [("sender", sender), ("owner", owner), ("moderator", moderator)]
    }
    seen = {who: watch(page) for who, page in pages.items()}
    try:
        # The sender finds Ada by name and opens Direct collaboration.
        s = pages["sender"]
        s.goto(base + "/")
        s.fill("#id_q", "Ada Lovelace")
        s.keyboard.press("Enter")
        s.get_by_role("link", name="Ada Lovelace").first.click()
        expect(s.locator("#direct-collaboration")).to_contain_text("Open")
        s.get_by_role("link", name="Request a collaboration").click()
        # The fit, with its reason, before sending.
        expect(s.locator("#fit")).to_contain_text("You both work on 1 topic: Analytical engines")
        s.get_by_label("Co-authoring").check()
        s.get_by_label("Analytical engines").check()
        s.get_by_label("Your message").fill("Shall we build the engine's notes together?")
        s.get_by_role("button", name="Send the request").click()
        expect(s.locator("#request-state")).to_have_text("Waiting for an answer")

        # The owner sees one unread request in the header, opens it and accepts.
        o = pages["owner"]
        o.goto(base + "/")
        expect(o.locator("#collab-unread")).to_contain_text("1")
        o.locator("#collab-inbox-link").click()
        o.get_by_role("link", name="From Charles Babbage — Co-authoring").click()
        expect(o.locator(".fit-reasons")).to_contain_text("Analytical engines")
        o.get_by_role("button", name="Accept").click()
        expect(o.locator("#request-state")).to_have_text("Accepted")
        expect(o.locator("#collab-unread")).to_have_count(0)

        # They write to each other: sending swaps the thread in place, no reload.
        no_reload_marker(o)
        o.get_by_label("Your message").fill("Gladly. Where do we start?")
        o.get_by_role("button", name="Send", exact=True).click()
        expect(o.locator("#thread-messages")).to_contain_text("Gladly. Where do we start?")
        expect(o.get_by_label("Your message")).to_have_value("")
        assert same_document(o)

        s.goto(o.url)
        expect(s.locator("#thread-messages")).to_contain_text("Gladly. Where do we start?")
        s.get_by_label("Your message").fill("With the tables, you impostor!")
        s.get_by_role("button", name="Send", exact=True).click()
        expect(s.locator("#thread-messages")).to_contain_text("With the tables")
        # ... and the owner's open page shows it by itself (it polls every 10 s).
        expect(o.locator("#thread-messages")).to_contain_text("With the tables", timeout=20_000)
        assert same_document(o)

        # The owner reports that message; a moderator finds it in the reports queue.
        message = o.locator(".thread-message", has_text="With the tables")
        message.locator("summary", has_text="Report this message").click()
        message.get_by_label("What is wrong").fill("Name-calling")
        message.get_by_role("button", name="Report to the moderators").click()
        expect(o.locator(".messages")).to_contain_text("Reported")

        m = pages["moderator"]
        m.goto(base + "/")
        m.get_by_role("link", name="Reports").click()
        report = m.locator("li.flag").first
        expect(report).to_contain_text("A message by charles")
        expect(report).to_contain_text("With the tables, you impostor!")
        expect(report).to_contain_text("Name-calling")

        for who, page in pages.items():
            settle(page)
            problems = seen[who].take() + page_problems(page)
            assert not problems, f"{who}: {problems}"
    finally:
        for page in pages.values():
            page.context.close()
