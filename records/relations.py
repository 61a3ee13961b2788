"""What a merge or split does with the rows of the apps below (see profiles' record_relations).

Registered here by model label, so neither `claims` nor `graph` imports this app.
"""

from __future__ import annotations

from profiles.services.record_relations import OnMerge, record_relation_register


def relations_register() -> None:
    # Two pending claims of one user, one on each record: the one on the merged record goes.
    # (Two approved claims — two owners — refuse the merge before anything moves.)
    record_relation_register(
        "claims.Claim", "researcher", unique_with=("user_id",), unique_when={"state": "pending"}
    )
    record_relation_register(
        "claims.WorkFlag",
        "researcher",
        unique_with=("work_id",),
        unique_when={"state": "pending"},
        work_field="work_id",
    )
    record_relation_register("graph.GraphSlice", "researcher", on_merge=OnMerge.DROP)
    record_relation_register("records.DuplicateCandidate", "low", on_merge=OnMerge.DROP)
    record_relation_register("records.DuplicateCandidate", "high", on_merge=OnMerge.DROP)
