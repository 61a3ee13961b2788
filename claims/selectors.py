"""Reads for claims: the evidence checklist, the moderation queue and the record beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import Claim, ClaimState, FlagState, WorkFlag
from profiles.identity import names_compatible, orcid_normalise
from profiles.models import Institution, Researcher
from profiles.selectors import InstitutionMatches, institution_search
from works.models import Work


@dataclass(frozen=True)
class EvidenceItem:
    key: str
    label: str
    met: bool | None  # None: nothing on the record to compare with
    detail: str
    strong: bool  # counts towards L3 when met

    @property
    def status(self) -> str:
        return {True: "met", False: "not met", None: "not applicable"}[self.met]


@dataclass(frozen=True)
class EvidenceChecklist:
    items: list[EvidenceItem]
    next_steps: list[str] = field(default_factory=list)

    @property
    def strong(self) -> bool:
        """Strong evidence (the brief's L3): an authenticated ORCID iD or institutional e-mail."""
        return any(item.met and item.strong for item in self.items)

    def as_snapshot(self) -> dict[str, Any]:
        return {
            "strong": self.strong,
            "items": [
                {"key": i.key, "label": i.label, "met": i.met, "detail": i.detail}
                for i in self.items
            ],
        }


def email_on_domain(email: str, domain: str) -> bool:
    host = email.rpartition("@")[2].casefold()
    domain = domain.casefold().lstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def record_institutions(researcher: Researcher) -> list[Institution]:
    """The record's affiliation and the institutions on its authorships."""
    return list(
        Institution.objects.filter(
            Q(pk=researcher.affiliation_id) | Q(authorships__researcher=researcher)
        ).distinct()
    )


def orcid_sign_in_enabled() -> bool:
    return "orcid" in settings.SOCIALACCOUNT_PROVIDERS


def evidence_checklist(
    *, user: Any, researcher: Researcher, claimant_name: str
) -> EvidenceChecklist:
    """What the system can check about a claim, with the next step the claimant can take."""
    items: list[EvidenceItem] = []
    steps: list[str] = []

    # The iD ORCID sign-in authenticated; the check character is the importer's business.
    orcids = {
        orcid_normalise(uid)
        for uid in SocialAccount.objects.filter(user=user, provider="orcid").values_list(
            "uid", flat=True
        )
    } - {None}
    if not researcher.orcid:
        items.append(
            EvidenceItem(
                "orcid",
                "ORCID iD matches the record's",
                None,
                "The record has no ORCID iD to compare with.",
                strong=True,
            )
        )
    elif orcid_normalise(researcher.orcid) in orcids:
        items.append(
            EvidenceItem(
                "orcid",
                "ORCID iD matches the record's",
                True,
                f"Signed in with ORCID {researcher.orcid}, the record's iD.",
                strong=True,
            )
        )
    elif not orcid_sign_in_enabled():
        # Nobody can authenticate an ORCID iD here: say so rather than ask for it.
        items.append(
            EvidenceItem(
                "orcid",
                "ORCID iD matches the record's",
                None,
                "ORCID sign-in is not configured on this site, so this cannot be checked here.",
                strong=True,
            )
        )
    else:
        detail = (
            "The ORCID iD you signed in with differs from the record's."
            if orcids
            else "No ORCID iD authenticated by sign-in on this account."
        )
        items.append(EvidenceItem("orcid", "ORCID iD matches the record's", False, detail, True))
        steps.append(
            "Connect your ORCID iD (Account → Connected accounts) to prove the record's iD."
        )

    emails = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    domains = sorted({d for inst in record_institutions(researcher) for d in inst.domains})
    if not domains:
        items.append(
            EvidenceItem(
                "email",
                "Verified e-mail on the institution's domain",
                None,
                "No institution domain is known for this record.",
                strong=True,
            )
        )
    else:
        matching = [e for e in emails if any(email_on_domain(e, d) for d in domains)]
        if matching:
            detail = f"{matching[0]} is verified and on {', '.join(domains)}."
        else:
            detail = f"No verified e-mail on {', '.join(domains)}."
            steps.append(f"Add and verify an e-mail address on {' or '.join(domains)}.")
        items.append(
            EvidenceItem(
                "email",
                "Verified e-mail on the institution's domain",
                bool(matching),
                detail,
                strong=True,
            )
        )

    variants = [researcher.display_name, *researcher.name_variants]
    matched = next((v for v in variants if names_compatible(claimant_name, v)), None)
    items.append(
        EvidenceItem(
            "name",
            "Name matches the record's name variants",
            matched is not None,
            f"“{claimant_name}” matches “{matched}”."
            if matched
            else f"“{claimant_name}” matches none of: {'; '.join(variants)}.",
            strong=False,
        )
    )
    steps.append("A moderator reviews the claim with this checklist and the evidence you gave.")
    return EvidenceChecklist(items=items, next_steps=steps)


def user_has_verified_email(user: Any) -> bool:
    verified: bool = EmailAddress.objects.filter(user=user, verified=True).exists()
    return verified


# --- the moderation queue ---------------------------------------------------------------

AGE_FILTERS: dict[str, tuple[timedelta | None, timedelta | None]] = {
    # key: (at least this old, at most this old)
    "": (None, None),
    "day": (None, timedelta(days=1)),
    "week": (None, timedelta(days=7)),
    "older-week": (timedelta(days=7), None),
    "older-month": (timedelta(days=30), None),
}


def moderation_queue(*, state: str, age: str) -> QuerySet[Claim]:
    """Claims for the queue, oldest first, with the number of competing pending claims."""
    competing = (
        Claim.objects.pending()
        .filter(researcher=OuterRef("researcher"))
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("researcher")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = Claim.objects.select_related("user", "researcher").annotate(
        competing_count=Coalesce(Subquery(competing), 0)
    )
    if state:
        qs = qs.filter(state=state)
    now = timezone.now()
    min_age, max_age = AGE_FILTERS.get(age, (None, None))
    if min_age is not None:
        qs = qs.filter(created_at__lte=now - min_age)
    if max_age is not None:
        qs = qs.filter(created_at__gte=now - max_age)
    return qs.order_by("created_at", "pk")


def competing_claims(claim: Claim) -> QuerySet[Claim]:
    """The other claims on the same record, every state, oldest first."""
    return (
        Claim.objects.filter(researcher_id=claim.researcher_id)
        .exclude(pk=claim.pk)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def record_recent_works(researcher: Researcher, *, limit: int = 15) -> list[Work]:
    return list(
        Work.objects.filter(authorships__researcher=researcher)
        .select_related("source")
        .newest_first()[:limit]
    )


def record_coauthors(researcher: Researcher, *, limit: int = 15) -> list[Researcher]:
    """Co-authors ranked by shared works (the moderator's sense of who this person works with)."""
    return list(
        Researcher.objects.filter(authorships__work__authorships__researcher=researcher)
        .exclude(pk=researcher.pk)
        .annotate(shared_works=Count("authorships", distinct=True))
        .order_by("-shared_works", "display_name", "pk")[:limit]
    )


def pending_work_flags() -> QuerySet[WorkFlag]:
    return (
        WorkFlag.objects.filter(state=FlagState.PENDING)
        .select_related("researcher", "work", "raised_by")
        .order_by("created_at", "pk")
    )


# --- what the profile page shows about claims ----------------------------------------------


@dataclass(frozen=True)
class ClaimPanel:
    own_claim: Claim | None  # the viewer's latest claim on the record
    owner_claim: Claim | None  # only filled for staff and the owner themself

    @property
    def is_owner(self) -> bool:
        return self.own_claim is not None and self.own_claim.state == ClaimState.APPROVED


def claim_panel(*, user: Any, researcher: Researcher) -> ClaimPanel:
    """The viewer's claim on the record and, for staff or the owner, who owns it."""
    if not user.is_authenticated:
        return ClaimPanel(own_claim=None, owner_claim=None)
    claims = list(
        Claim.objects.filter(researcher=researcher)
        .filter(Q(user=user) | Q(state=ClaimState.APPROVED))
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
    own = next((c for c in claims if c.user_id == user.pk), None)
    owner = next((c for c in claims if c.state == ClaimState.APPROVED), None)
    if owner is not None and not (user.is_staff or owner.user_id == user.pk):
        owner = None
    return ClaimPanel(own_claim=own, owner_claim=owner)


# `claim_panel` as one column of the signed-in profile's viewer query (profiles.viewer_page):
# the viewer's latest claim and the record's approved one, as JSON text, in `claim_panel`'s order.
CLAIM_PANEL_SQL = """json_build_object(
  'own', (SELECT json_build_object('id', c.id, 'state', c.state, 'reason', c.reason)
          FROM claims_claim c WHERE c.researcher_id = %(researcher_id)s AND c.user_id = %(user_id)s
          ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
  'owner', (SELECT json_build_object('id', c.id, 'user_id', c.user_id, 'username', u.username)
            FROM claims_claim c JOIN auth_user u ON u.id = c.user_id
            WHERE c.researcher_id = %(researcher_id)s AND c.state = 'approved'
            ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
)::text"""


def claim_panel_from_column(value: str | None, user: Any, researcher: Researcher) -> ClaimPanel:
    """The `ClaimPanel` that `claim_panel` gives, from `CLAIM_PANEL_SQL`'s column."""
    found = json.loads(value) if value else {}
    own = found.get("own")
    own_claim = (
        Claim(id=own["id"], state=own["state"], reason=own["reason"], user_id=user.pk)
        if own
        else None
    )
    owner = found.get("owner")
    owner_claim = None
    if owner and (user.is_staff or owner["user_id"] == user.pk):
        owner_user = get_user_model()(pk=owner["user_id"], username=owner["username"])
        owner_claim = Claim(
            id=owner["id"], state=ClaimState.APPROVED, user_id=owner["user_id"], user=owner_user
        )
    return ClaimPanel(own_claim=own_claim, owner_claim=owner_claim)


@dataclass(frozen=True)
class AffiliationChoices:
    """What the owner's affiliation field offers: never every institution at once."""

    selected: Institution | None
    suggested: list[Institution]  # on the record's works, or on a verified e-mail's domain
    matches: InstitutionMatches  # the search over all known institutions

    @property
    def choices(self) -> list[tuple[str, Institution]]:
        """Each institution once, labelled by why it is offered, the selected one first."""
        seen: set[int] = set()
        out: list[tuple[str, Institution]] = []
        groups = [
            ("selected", [self.selected] if self.selected else []),
            ("suggested", self.suggested),
            ("match", self.matches.institutions),
        ]
        for why, institutions in groups:
            for institution in institutions:
                if institution.pk not in seen:
                    seen.add(institution.pk)
                    out.append((why, institution))
        return out


AFFILIATION_SUGGESTIONS = 12


def affiliation_choices(
    *, researcher: Researcher, user: Any, query: str, selected_id: int | None
) -> AffiliationChoices:
    """The selected institution, the suggested ones and the matches of `query`."""
    selected = Institution.objects.filter(pk=selected_id).first() if selected_id else None
    suggested = owner_affiliation_choices(researcher=researcher, user=user)
    return AffiliationChoices(
        selected=selected,
        suggested=list(suggested[:AFFILIATION_SUGGESTIONS]),
        matches=institution_search(query),
    )


def connected_orcid(user: Any) -> str:
    """The ORCID iD the user authenticated through ORCID sign-in ("" if none)."""
    uid = (
        SocialAccount.objects.filter(user=user, provider="orcid")
        .order_by("pk")
        .values_list("uid", flat=True)
        .first()
    )
    return (orcid_normalise(uid) or "") if uid else ""


def owner_affiliation_choices(*, researcher: Researcher, user: Any) -> QuerySet[Institution]:
    """Known institutions an owner may pick: the record's, or one on a verified e-mail domain."""
    hosts = [
        e.rpartition("@")[2].casefold()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    ]
    condition = Q(authorships__researcher=researcher)
    if researcher.affiliation_id:
        condition |= Q(pk=researcher.affiliation_id)
    if hosts:
        condition |= Q(domains__overlap=hosts)
    return Institution.objects.filter(condition).distinct().order_by("display_name")
