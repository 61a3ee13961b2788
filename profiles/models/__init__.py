"""The profiles app's models, one module per domain, re-exported here (Django's `app.models`).

`outbox`: follow-up tasks owed by committed changes. `researchers`: researchers, institutions,
employments, follows. `trust`: trust snapshots, the refresh queue and nightly recompute runs.
Modules import each other by module path, never through this package, so there is no import
cycle between them.
"""

from profiles.models.outbox import OutboxMessage
from profiles.models.researchers import (
    VERIFICATION_EXPLANATIONS,
    ClaimStatus,
    Employment,
    Follow,
    Institution,
    NameWords,
    Researcher,
    ResearcherQuerySet,
    VerificationLevel,
)
from profiles.models.trust import (
    POINT_FIELDS,
    ResearcherRefreshRequest,
    TrustRecomputeBatch,
    TrustRecomputeRun,
    TrustSnapshot,
)

__all__ = [
    "POINT_FIELDS",
    "VERIFICATION_EXPLANATIONS",
    "ClaimStatus",
    "Employment",
    "Follow",
    "Institution",
    "NameWords",
    "OutboxMessage",
    "Researcher",
    "ResearcherQuerySet",
    "ResearcherRefreshRequest",
    "TrustRecomputeBatch",
    "TrustRecomputeRun",
    "TrustSnapshot",
    "VerificationLevel",
]
