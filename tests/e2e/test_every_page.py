"""Every page of the site, as the visitor it is for, at 1280 px and at 375 px.

Each visit takes a full-page screenshot (under tmp/screenshots, or BZPEER_SCREENSHOT_DIR) with
every <details> opened, and fails on a console error, an uncaught exception, a CSP violation,
horizontal overflow or a duplicated element id. All problems are reported together.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.utils import timezone

from claims.models import WorkFlag
from claims.services.claims import claim_approve, claim_open
from collab.models import CollabKind
from collab.services import (
    OpennessInput,
    message_post,
    openness_update,
    report_file,
    request_accept,
    request_send,
)
from graph.compute import graph_slice_compute
from graph.services import graph_slice_request
from profiles.models import Researcher
from profiles.services.trust import trust_recompute
from records.models import DuplicateCandidate
from records.services.operations import records_merge
from tests.conftest import SEED
from tests.e2e.conftest import SCREENSHOT_DIR, new_page, page_problems, settle, watch
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    UserFactory,
    WorkFactory,
)
from works.importers.seed import seed_profile_import
from works.models import ImportFile, ImportFileState, ImportRun, Source, Topic, Work, WorkTopic
from works.services import corpus_figures_refresh
from works.topics_derived import derive_topics

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 375)


@dataclass(frozen=True)
class Visit:
    who: str
    path: str
    status: int = 200
    name: str = ""  # the screenshot's name, when the path holds a one-off key


def verified_user(username: str, **extra):
    user = UserFactory(username=username, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def build_site() -> tuple[dict[str, object], list[Visit]]:
    """The seed, a claimed record with a flag and collaboration requests, a pending claim."""
    seed = seed_profile_import(path=SEED).researcher
    derive_topics()
    cast = {
        "anonymous": None,
        "outsider": verified_user("outsider"),
        "claimant": verified_user("claimant", first_name="Jiashi", last_name="Feng"),
        "owner": verified_user("owner"),
        "moderator": verified_user("moderator", is_staff=True),
        "sender": verified_user("sender"),  # owns Charles Babbage's record, writes to Ada
    }
    institution = InstitutionFactory(display_name="University of Somewhere")
    ada = ResearcherFactory(
        display_name="Ada Lovelace", slug="ada-lovelace", openalex_id="A5000000001"
    )
    babbage = ResearcherFactory(display_name="Charles Babbage", slug="charles-babbage")
    for i in range(4):
        work = WorkFactory(title=f"Notes on the analytical engine, part {i + 1}")
        AuthorshipFactory(work=work, researcher=ada, position=0)
        AuthorshipFactory(work=work, researcher=babbage, position=1)
        work.authorships.filter(researcher=ada).get().institutions.add(institution)
    owned = claim_open(user=cast["owner"], researcher_id=ada.pk, claimant_name="Ada Lovelace")
    claim_approve(claim_id=owned.pk, moderator=cast["moderator"])
    pending = claim_open(user=cast["claimant"], researcher_id=seed.pk, claimant_name="Jiashi Feng")
    flag = WorkFlag.objects.create(
        researcher=ada, work=work, raised_by=cast["owner"], note="Written by my namesake."
    )
    babbage_claim = claim_open(
        user=cast["sender"], researcher_id=babbage.pk, claimant_name="Charles Babbage"
    )
    claim_approve(claim_id=babbage_claim.pk, moderator=cast["moderator"])
    topic_ids = list(Topic.objects.values_list("pk", flat=True)[:2])
    for i, topic_id in enumerate(topic_ids):
        WorkTopic.objects.create(
            work=WorkFactory(title=f"Ada on topic {i}"), topic_id=topic_id
        ).work.authorships.create(researcher=ada, position=0)
    openness_update(
        researcher_id=ada.pk,
        owner=cast["owner"],
        data=OpennessInput(
            is_open=True,
            kinds=[CollabKind.COAUTHORING, CollabKind.DATA_CODE],
            topic_ids=[],
            monthly_capacity=5,
            paused_until=None,
            share_email=False,
        ),
    )
    openness_update(
        researcher_id=babbage.pk,
        owner=cast["sender"],
        data=OpennessInput(
            is_open=True,
            kinds=[],
            topic_ids=[],
            monthly_capacity=None,
            paused_until=None,
            share_email=True,
        ),
    )
    thread = request_send(
        sender=cast["sender"],
        researcher_id=ada.pk,
        kind=CollabKind.COAUTHORING,
        topic_ids=topic_ids[:1],
        message="Shall we write up the engine notes together? " * 3,
        work_ids=[work.pk],
    )
    request_accept(request_id=thread.pk, owner=cast["owner"])
    message_post(request_id=thread.pk, author=cast["owner"], body="Gladly. Where do we start?")
    rude = message_post(
        request_id=thread.pk, author=cast["sender"], body="With the tables, of course. " * 8
    )
    report_file(request_id=thread.pk, reporter=cast["owner"], reason="Rude", message_id=rude.pk)
    waiting = request_send(
        sender=cast["outsider"],
        researcher_id=ada.pk,
        kind=CollabKind.DATA_CODE,
        topic_ids=topic_ids[1:],
        message="Could I use your data set? " + "x" * 120,
    )
    # Record repair (issue 16): a possible duplicate of Ada's record and a merge to look at.
    namesake = ResearcherFactory(display_name="A. Lovelace", slug="a-lovelace")
    AuthorshipFactory(researcher=namesake)
    DuplicateCandidate.objects.create(
        low=ada, high=namesake, score=0.75, reasons=["Compatible names", "1 shared co-author"]
    )
    babbage_twin = ResearcherFactory(display_name="C. Babbage", slug="c-babbage")
    AuthorshipFactory(researcher=babbage_twin)
    merge = records_merge(
        source_id=babbage_twin.pk, target_id=babbage.pk, actor=cast["moderator"], reason="same"
    )
    researchers = list(Researcher.objects.values_list("pk", flat=True))
    trust_recompute(researcher_ids=researchers)
    for researcher in Researcher.objects.filter(
        slug__in=["jiashi-feng", "ada-lovelace", "charles-babbage"]
    ):
        graph_slice_request(researcher=researcher)
        graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)

    # Account pages reached from a mail: a confirmation key and a password-reset key.
    unverified = UserFactory(username="newcomer")
    address = EmailAddress.objects.create(user=unverified, email=unverified.email)
    confirm_key = EmailConfirmationHMAC(address).key
    reset_key = f"{user_pk_to_url_str(unverified)}-{default_token_generator.make_token(unverified)}"
    topic = Topic.objects.filter(works__authorships__researcher=seed).first()
    assert topic is not None
    seed_work = Work.objects.filter(authorships__researcher=seed).newest_first().first()
    assert seed_work is not None
    engine_work = work.get_absolute_url()
    venue = Source.objects.create(display_name="Annals of Engines", issn_l="1234-5678")
    Work.objects.filter(title__startswith="Notes on the analytical engine").update(source=venue)
    corpus_figures_refresh()  # the home page's figures, as the worker counts them
    # An import run under way: a file done, one importing (long paths), one failed, one waiting.
    import_run = ImportRun.objects.create(source="openalex", paths=["/srv/openalex-snapshot"])
    part = "/srv/openalex-snapshot/data/works/updated_date=2025-01-01/part_{:03d}.gz"
    now = timezone.now()
    ImportFile.objects.create(
        run=import_run, path=part.format(0), size=10**8, mtime_ns=1, state=ImportFileState.DONE,
        worker="worker-1.example.org:4242", attempt=1, started_at=now, heartbeat_at=now,
        finished_at=now, bytes_done=10**8, read=90_000, created=89_000, updated=1_000, failed=1,
        errors=[f"{part.format(0)}:31337: not a JSON object"],
    )  # fmt: skip
    ImportFile.objects.create(
        run=import_run, path=part.format(1), size=10**8, mtime_ns=1,
        state=ImportFileState.RUNNING, worker="worker-2.example.org:4243", attempt=2,
        started_at=now, heartbeat_at=now, bytes_done=4 * 10**7, read=36_000,
    )  # fmt: skip
    ImportFile.objects.create(
        run=import_run, path=part.format(2), size=10**8, mtime_ns=1,
        state=ImportFileState.FAILED, started_at=now, heartbeat_at=now, finished_at=now,
        error="its worker stopped answering 3 times (killed, out of memory, or its machine "
        "went down); see the workers' logs",
    )  # fmt: skip
    ImportFile.objects.create(run=import_run, path=part.format(3), size=10**8, mtime_ns=1)

    visits = [
        Visit("anonymous", "/"),
        Visit("anonymous", "/?q=Feng"),
        Visit("anonymous", "/?q=video"),
        Visit("anonymous", "/?q=video&kind=works"),
        Visit("anonymous", "/?q=video&kind=works&year_from=2030&year_to=2020&topic=0"),
        Visit("anonymous", "/?q=feng&kind=researchers"),
        Visit("anonymous", "/?q=vison&kind=topics"),
        Visit("anonymous", "/researchers/jiashi-feng/"),
        Visit("anonymous", "/researchers/ada-lovelace/"),
        Visit("anonymous", "/researchers/jiashi-feng/explorer/"),
        Visit("anonymous", f"/topics/{topic.pk}/"),
        Visit("anonymous", seed_work.get_absolute_url(), name="work-seed"),
        Visit("anonymous", engine_work, name="work-engine"),
        Visit("anonymous", f"/venues/{venue.pk}/"),
        Visit("anonymous", f"/institutions/{institution.pk}/"),
        Visit("anonymous", "/researchers/ada-lovelace/coauthors/"),
        Visit("anonymous", "/researchers/jiashi-feng/coauthors/"),
        Visit("anonymous", "/accounts/login/"),
        Visit("anonymous", "/accounts/signup/"),
        Visit("anonymous", "/accounts/password/reset/"),
        Visit("anonymous", "/accounts/password/reset/done/"),
        Visit("anonymous", f"/accounts/password/reset/key/{reset_key}/", name="password-reset-key"),
        Visit("anonymous", "/accounts/confirm-email/"),
        Visit("anonymous", f"/accounts/confirm-email/{confirm_key}/", name="confirm-email-key"),
        Visit("anonymous", "/no-such-page/", status=404),
        Visit("outsider", "/"),
        Visit("outsider", "/researchers/jiashi-feng/"),
        Visit("outsider", "/researchers/ada-lovelace/"),
        Visit("outsider", engine_work, name="work-engine"),
        Visit("outsider", f"/venues/{venue.pk}/"),
        Visit("outsider", f"/institutions/{institution.pk}/"),
        Visit("outsider", "/researchers/jiashi-feng/claim/"),
        Visit("outsider", "/following/"),
        Visit("outsider", "/claims/"),
        Visit("outsider", "/accounts/email/"),
        Visit("outsider", "/accounts/password/change/"),
        Visit("outsider", "/accounts/3rdparty/"),
        Visit("outsider", "/accounts/logout/"),
        Visit("claimant", f"/claims/{pending.pk}/"),
        Visit("claimant", "/researchers/jiashi-feng/"),
        Visit("owner", "/researchers/ada-lovelace/"),
        Visit("owner", "/researchers/ada-lovelace/manage/"),
        Visit("owner", f"/claims/{owned.pk}/"),
        Visit("moderator", "/moderation/claims/"),
        Visit("moderator", f"/moderation/claims/{pending.pk}/"),
        Visit("moderator", f"/moderation/claims/{owned.pk}/"),
        Visit("moderator", "/moderation/flags/"),
        Visit("moderator", "/researchers/ada-lovelace/"),
        Visit("moderator", "/moderation/records/"),
        Visit("moderator", "/moderation/records/merge/?source=a-lovelace&target=ada-lovelace"),
        Visit("moderator", "/moderation/records/ada-lovelace/split/"),
        Visit(
            "moderator",
            f"/moderation/records/flags/{flag.pk}/move/?flags={flag.pk}&target=a-lovelace",
            name="flag-move",
        ),
        Visit("moderator", f"/operations/{merge.pk}/", name="operation"),
        Visit("moderator", "/researchers/charles-babbage/history/"),
        Visit("owner", "/researchers/ada-lovelace/duplicates/"),
        Visit("owner", "/researchers/ada-lovelace/history/"),
        Visit("moderator", "/moderation/collaboration/"),
        Visit("moderator", "/imports/"),
        Visit("moderator", f"/imports/{import_run.pk}/", name="import-run"),
        Visit("outsider", "/researchers/ada-lovelace/collaborate/"),  # already sent: why not
        Visit("claimant", "/researchers/ada-lovelace/collaborate/"),  # the form, no own record
        Visit("owner", "/researchers/charles-babbage/collaborate/"),  # the form with the fit
        Visit("outsider", "/collaboration/?box=sent"),
        Visit("outsider", f"/collaboration/{waiting.public_id}/", name="outsider-request"),
        Visit("owner", "/collaboration/"),
        Visit("owner", f"/collaboration/{waiting.public_id}/", name="owner-request"),
        Visit("owner", f"/collaboration/{thread.public_id}/", name="owner-thread"),
        Visit("owner", "/researchers/ada-lovelace/manage/collaboration/"),
        Visit("sender", "/researchers/charles-babbage/"),
        Visit("sender", f"/collaboration/{thread.public_id}/", name="sender-thread"),
        Visit("sender", "/collaboration/?box=sent"),
    ]
    return cast, visits


def shot_name(visit: Visit) -> str:
    slug = visit.name or re.sub(r"[^a-z0-9]+", "-", visit.path.lower()).strip("-") or "home"
    return f"{visit.who}-{slug[:80]}.png"


def test_every_page_is_clean_at_desktop_and_phone_widths(transactional_db, live_server, browser):
    cast, visits = build_site()
    problems: list[str] = []
    for width in WIDTHS:
        shots = SCREENSHOT_DIR / str(width)
        shutil.rmtree(shots, ignore_errors=True)
        shots.mkdir(parents=True)
        for who, user in cast.items():
            mine = [v for v in visits if v.who == who]
            if not mine:
                continue
            page = new_page(browser, width=width, user=user, base_url=live_server.url)
            seen = watch(page)
            for visit in mine:
                response = page.goto(live_server.url + visit.path)
                assert response is not None
                settle(page)
                page.screenshot(path=SCREENSHOT_DIR / str(width) / shot_name(visit), full_page=True)
                found = seen.take()
                if visit.status == 404:  # Chromium logs the page's own 404 as an error
                    found = [p for p in found if "status of 404" not in p]
                if response.status != visit.status:
                    found.append(f"answered {response.status}, expected {visit.status}")
                # What is folded away must fit too (the trust breakdown's table, ...).
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                found += page_problems(page)
                problems += [f"{width}px {who} {visit.path}: {p}" for p in found]
            page.context.close()
    assert not problems, "\n".join(problems)
