"""The fit between a sender's record and an owner's record, computed in one SQL query.

Four signals, each with its reason: topics both have written on, co-authors they have in
common, citations between their works (each way), and works they wrote together. The cost is
bounded for prolific records: each side is read through its newest FIT_WORKS_CAP works (the
authorship index gives them in order), and the page says when a side was cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

FIT_WORKS_CAP = 500
FIT_SAMPLE = 5  # names shown per signal

FIT_SQL = """
WITH a AS (
    SELECT au.work_id FROM works_authorship au JOIN works_work w ON w.id = au.work_id
    WHERE au.researcher_id = %(a)s
    ORDER BY w.publication_year DESC NULLS LAST, w.id DESC LIMIT %(cap)s
), b AS (
    SELECT au.work_id FROM works_authorship au JOIN works_work w ON w.id = au.work_id
    WHERE au.researcher_id = %(b)s
    ORDER BY w.publication_year DESC NULLS LAST, w.id DESC LIMIT %(cap)s
), together AS (
    SELECT work_id FROM a INTERSECT SELECT work_id FROM b
), topics AS (
    SELECT t.id, t.display_name, ta.n + tb.n AS n
    FROM (SELECT topic_id, count(*) AS n FROM works_worktopic JOIN a USING (work_id)
          GROUP BY topic_id) ta
    JOIN (SELECT topic_id, count(*) AS n FROM works_worktopic JOIN b USING (work_id)
          GROUP BY topic_id) tb USING (topic_id)
    JOIN works_topic t ON t.id = ta.topic_id
), coauthors AS (
    SELECT r.id, r.display_name, r.slug, ca.n + cb.n AS n
    FROM (SELECT researcher_id, count(*) AS n FROM works_authorship JOIN a USING (work_id)
          WHERE researcher_id NOT IN (%(a)s, %(b)s) GROUP BY researcher_id) ca
    JOIN (SELECT researcher_id, count(*) AS n FROM works_authorship JOIN b USING (work_id)
          WHERE researcher_id NOT IN (%(a)s, %(b)s) GROUP BY researcher_id) cb
      USING (researcher_id)
    JOIN profiles_researcher r ON r.id = ca.researcher_id
)
SELECT
    (SELECT count(*) FROM a) AS a_works,
    (SELECT count(*) FROM b) AS b_works,
    (SELECT count(*) FROM together) AS together,
    (SELECT json_agg(x) FROM (
        SELECT w.title FROM together JOIN works_work w ON w.id = together.work_id
        ORDER BY w.publication_year DESC NULLS LAST, w.id DESC LIMIT %(sample)s) x
    ) AS together_titles,
    (SELECT count(*) FROM topics) AS topics,
    (SELECT json_agg(x) FROM (
        SELECT id, display_name AS name FROM topics ORDER BY n DESC, display_name
        LIMIT %(sample)s) x
    ) AS topic_sample,
    (SELECT count(*) FROM coauthors) AS coauthors,
    (SELECT json_agg(x) FROM (
        SELECT display_name AS name, slug FROM coauthors ORDER BY n DESC, display_name
        LIMIT %(sample)s) x
    ) AS coauthor_sample,
    (SELECT count(*) FROM works_citation c JOIN a ON a.work_id = c.citing_id
        JOIN b ON b.work_id = c.cited_id) AS a_cites_b,
    (SELECT count(*) FROM works_citation c JOIN b ON b.work_id = c.citing_id
        JOIN a ON a.work_id = c.cited_id) AS b_cites_a
"""


@dataclass(frozen=True)
class Fit:
    """How a sender's record and an owner's record meet, each signal with its reason."""

    shared_topics: int = 0
    topic_sample: list[dict[str, Any]] = field(default_factory=list)
    shared_coauthors: int = 0
    coauthor_sample: list[dict[str, Any]] = field(default_factory=list)
    sender_cites_owner: int = 0
    owner_cites_sender: int = 0
    works_together: int = 0
    together_titles: list[str] = field(default_factory=list)
    truncated: bool = False  # a side had more than FIT_WORKS_CAP works

    @property
    def reasons(self) -> list[str]:
        """One sentence per signal that is there, in the order a reader weighs them."""
        out = []
        if self.works_together:
            out.append(
                f"You have written {_n(self.works_together, 'work')} together, the latest "
                f"“{self.together_titles[0]}”."
            )
        if self.shared_topics:
            names = ", ".join(t["name"] for t in self.topic_sample)
            out.append(f"You both work on {_n(self.shared_topics, 'topic')}: {names}.")
        if self.shared_coauthors:
            names = ", ".join(c["name"] for c in self.coauthor_sample)
            out.append(f"You have {_n(self.shared_coauthors, 'co-author')} in common: {names}.")
        if self.sender_cites_owner or self.owner_cites_sender:
            out.append(
                f"Your works cite theirs {_times(self.sender_cites_owner)}; "
                f"theirs cite yours {_times(self.owner_cites_sender)}."
            )
        return out

    @property
    def strength(self) -> str:
        """A word for the whole: how many of the four signals are present."""
        signals = sum(
            bool(x)
            for x in (
                self.works_together,
                self.shared_topics,
                self.shared_coauthors,
                self.sender_cites_owner + self.owner_cites_sender,
            )
        )
        return {0: "No overlap found", 1: "Some overlap", 2: "Good fit"}.get(signals, "Strong fit")

    def as_snapshot(self) -> dict[str, Any]:
        return {"strength": self.strength, "reasons": self.reasons, "truncated": self.truncated}


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _times(count: int) -> str:
    return {0: "never", 1: "once"}.get(count, f"{count} times")


def collab_fit(*, sender_researcher_id: int, owner_researcher_id: int) -> Fit:
    """The fit between two records, over the newest FIT_WORKS_CAP works of each."""
    params = {
        "a": sender_researcher_id,
        "b": owner_researcher_id,
        "cap": FIT_WORKS_CAP,
        "sample": FIT_SAMPLE,
    }
    with connection.cursor() as cursor:
        cursor.execute(FIT_SQL, params)
        row = cursor.fetchone()
    (a_works, b_works, together, titles, topics, topic_sample, coauthors, co_sample, ab, ba) = row
    return Fit(
        shared_topics=topics,
        topic_sample=topic_sample or [],
        shared_coauthors=coauthors,
        coauthor_sample=co_sample or [],
        sender_cites_owner=ab,
        owner_cites_sender=ba,
        works_together=together,
        together_titles=[t["title"] for t in titles or []],
        truncated=max(a_works, b_works) >= FIT_WORKS_CAP,
    )
