"""The trust score as a pure function: documented signals, integer points, named tiers.

See docs/trust.md. Every signal gives a whole number of points, the score is their sum (0–100),
so the breakdown on the profile always adds up to the figure shown. Count signals (works,
close collaborators, topics, followers) are log-scaled: the first works count most, and full
points are reached at a documented count. They are expressed as integer thresholds ("the k-th
point is earned at t_k works") so that Python (here) and SQL (the set-based recomputation in
`profiles.services.trust`) compute exactly the same figure without any floating point.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

# Bump when the formula changes: stored snapshots say which formula produced them.
FORMULA_VERSION = 1


@dataclass(frozen=True)
class LogScale:
    """`max_points` points over a count, log-scaled, all of them at `full_at`."""

    max_points: int
    full_at: int

    @cached_property
    def thresholds(self) -> tuple[int, ...]:
        """t_k = ceil((1 + full_at)^(k / max) - 1), strictly increasing; t_max = full_at."""
        out: list[int] = []
        for k in range(1, self.max_points + 1):
            t = math.ceil((1 + self.full_at) ** (k / self.max_points) - 1 - 1e-9)
            out.append(max(t, out[-1] + 1 if out else 1))
        out[-1] = max(out[-1], self.full_at)
        return tuple(out)

    def points(self, count: int) -> int:
        return bisect_right(self.thresholds, max(count, 0))

    def next_threshold(self, count: int) -> int | None:
        """The count that earns the next point, or None when the signal is full."""
        earned = self.points(count)
        return self.thresholds[earned] if earned < self.max_points else None


VERIFICATION_POINTS = {0: 0, 1: 5, 2: 18, 3: 30}
CLAIM_POINTS = {"unclaimed": 0, "pending": 3, "claimed": 15}
ORCID_POINTS = 5
AFFILIATION_POINTS = 5
PUBLICATIONS = LogScale(max_points=15, full_at=500)
COLLABORATION = LogScale(max_points=10, full_at=50)
TOPICS = LogScale(max_points=5, full_at=50)
COMMUNITY = LogScale(max_points=15, full_at=500)

# (lowest score, name), highest first.
TIERS = (
    (80, "Highly trusted"),
    (55, "Trusted"),
    (30, "Established"),
    (0, "Emerging"),
)


@dataclass(frozen=True)
class TrustInputs:
    verification_level: int
    claim_status: str
    works: int
    followers: int
    topics: int
    close_collaborators: int
    has_orcid: bool
    has_affiliation: bool


@dataclass(frozen=True)
class Contribution:
    signal: str
    label: str
    points: int
    max_points: int
    reason: str
    how_to_raise: str


@dataclass(frozen=True)
class TrustResult:
    score: int
    tier: str
    contributions: tuple[Contribution, ...]

    def points(self) -> dict[str, int]:
        return {c.signal: c.points for c in self.contributions}


SIGNALS = (
    ("verification", "Verification level", 30),
    ("claim", "Claim status", 15),
    ("identity", "Identity completeness", ORCID_POINTS + AFFILIATION_POINTS),
    ("publications", "Publication record", PUBLICATIONS.max_points),
    ("collaboration", "Collaboration network", COLLABORATION.max_points),
    ("topics", "Topical breadth", TOPICS.max_points),
    ("community", "Community", COMMUNITY.max_points),
)
MAX_POINTS = {signal: top for signal, _, top in SIGNALS}
assert sum(MAX_POINTS.values()) == 100
assert max(VERIFICATION_POINTS.values()) == MAX_POINTS["verification"]
assert max(CLAIM_POINTS.values()) == MAX_POINTS["claim"]


def tier_for(score: int) -> str:
    for lowest, name in TIERS:
        if score >= lowest:
            return name
    return TIERS[-1][1]


def signal_points(inputs: TrustInputs) -> dict[str, int]:
    """Each signal's whole points; the score is their sum."""
    return {
        "verification": VERIFICATION_POINTS.get(inputs.verification_level, 0),
        "claim": CLAIM_POINTS.get(inputs.claim_status, 0),
        "identity": ORCID_POINTS * inputs.has_orcid + AFFILIATION_POINTS * inputs.has_affiliation,
        "publications": PUBLICATIONS.points(inputs.works),
        "collaboration": COLLABORATION.points(inputs.close_collaborators),
        "topics": TOPICS.points(inputs.topics),
        "community": COMMUNITY.points(inputs.followers),
    }


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _count_advice(scale: LogScale, count: int, noun: str, action: str) -> str:
    nxt = scale.next_threshold(count)
    if nxt is None:
        return ""
    return (
        f"{action}: the next point comes at {_plural(nxt, noun)} "
        f"(full points at {scale.full_at:,})."
    )


def explain(
    inputs: TrustInputs, points: dict[str, int], *, orcid_sign_in: bool = True
) -> tuple[Contribution, ...]:
    """The breakdown a visitor reads: what each signal is worth here and how to raise it.

    Advice names only what this site can do: with no ORCID sign-in configured
    (`orcid_sign_in=False`) nobody can connect an ORCID iD here, so it says so instead.
    """
    level = inputs.verification_level
    reasons = {
        "verification": f"Verification L{level}.",
        "claim": {
            "unclaimed": "Nobody has claimed this record yet.",
            "pending": "A claim is waiting for a moderator.",
            "claimed": "Claimed by its author and approved by a moderator.",
        }.get(inputs.claim_status, ""),
        "identity": "; ".join(
            [
                "ORCID iD recorded" if inputs.has_orcid else "No ORCID iD",
                "affiliation known" if inputs.has_affiliation else "no affiliation",
            ]
        )
        + ".",
        "publications": f"{_plural(inputs.works, 'work')} attributed.",
        "collaboration": f"{_plural(inputs.close_collaborators, 'close collaborator')}.",
        "topics": f"{_plural(inputs.topics, 'distinct topic')}.",
        "community": f"{_plural(inputs.followers, 'follower')} on BZPEER.",
    }
    strong = (
        "signing in with the record's ORCID iD or a verified e-mail on its institution's domain"
        if orcid_sign_in
        else "a verified e-mail on its institution's domain"
    )
    raise_verification = {
        0: (
            "If this is you, claim the record: a moderator's approval makes it L2. "
            "Imported data with an OpenAlex author id or an ORCID iD would make it L1."
        ),
        1: f"Claim the record and have a moderator approve it (L2); {strong} makes it L3.",
        # The level is fixed when the claim is approved, from the evidence at that moment.
        2: f"L3 needs strong evidence when the claim is approved ({strong}).",
    }
    owner_can = []
    if not inputs.has_orcid and orcid_sign_in:
        owner_can.append("connect an ORCID iD")
    if not inputs.has_affiliation:
        owner_can.append("set an affiliation")
    identity_advice = ""
    if owner_can:
        who = (
            "The owner can"
            if inputs.claim_status == "claimed"
            else "Once the record is claimed, its owner can"
        )
        identity_advice = f"{who} {' and '.join(owner_can)} on their profile page."
    if not inputs.has_orcid and not orcid_sign_in:
        identity_advice = (
            identity_advice + " ORCID sign-in is not configured on this site, so an ORCID iD "
            "can only come with imported data."
        ).strip()
    advice = {
        "verification": raise_verification.get(level, ""),
        "claim": {
            "unclaimed": "If this is you, claim the record: approval adds the full points.",
            "pending": "The points come in full once a moderator approves the claim.",
        }.get(inputs.claim_status, ""),
        "identity": identity_advice,
        "publications": _count_advice(
            PUBLICATIONS, inputs.works, "work", "Import or attribute more works"
        ),
        "collaboration": _count_advice(
            COLLABORATION,
            inputs.close_collaborators,
            "close collaborator",
            "Co-authors with several shared works count",
        ),
        "topics": _count_advice(TOPICS, inputs.topics, "topic", "Breadth across topics counts"),
        "community": _count_advice(
            COMMUNITY, inputs.followers, "follower", "Followers on BZPEER count"
        ),
    }
    return tuple(
        Contribution(
            signal=signal,
            label=label,
            points=points[signal],
            max_points=top,
            reason=reasons[signal],
            how_to_raise=advice[signal] if points[signal] < top else "",
        )
        for signal, label, top in SIGNALS
    )


def trust_score(inputs: TrustInputs) -> TrustResult:
    """The score (0–100), its tier and the contribution of every signal."""
    points = signal_points(inputs)
    score = sum(points.values())
    return TrustResult(score=score, tier=tier_for(score), contributions=explain(inputs, points))
