"""Stored trust snapshots, the queue of researchers waiting for a refresh, recompute runs.

Re-exported by `profiles/models/__init__.py` (so Django registers them with the app).
Written only by `profiles.services.trust` (set-based SQL); read by the profile page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from profiles.metrics_chart import YearChart, year_chart
from profiles.models.researchers import Researcher
from profiles.trust import (
    TrustInputs,
    TrustResult,
    explain,
)

POINT_FIELDS = {
    "verification": "points_verification",
    "claim": "points_claim",
    "identity": "points_identity",
    "publications": "points_publications",
    "collaboration": "points_collaboration",
    "topics": "points_topics",
    "community": "points_community",
}


class TrustSnapshot(models.Model):
    """The latest trust computation for a researcher: its inputs, each signal's points, the score.

    `history` keeps the previous scores (newest first, a few entries) — a new entry is added
    only when the score changes, so a recomputation that finds nothing new adds nothing.
    """

    researcher = models.OneToOneField(
        Researcher, primary_key=True, on_delete=models.CASCADE, related_name="trust_snapshot"
    )
    score = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=30)
    formula_version = models.PositiveSmallIntegerField()
    # Inputs, as the worker read them.
    verification_level = models.PositiveSmallIntegerField()
    claim_status = models.CharField(max_length=16)
    works_count = models.PositiveIntegerField()
    followers_count = models.PositiveIntegerField()
    topics_count = models.PositiveIntegerField()
    close_collaborators_count = models.PositiveIntegerField()
    has_orcid = models.BooleanField()
    has_affiliation = models.BooleanField()
    # Each signal's contribution (whole points; the score is their sum).
    points_verification = models.PositiveSmallIntegerField()
    points_claim = models.PositiveSmallIntegerField()
    points_identity = models.PositiveSmallIntegerField()
    points_publications = models.PositiveSmallIntegerField()
    points_collaboration = models.PositiveSmallIntegerField()
    points_topics = models.PositiveSmallIntegerField()
    points_community = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()  # last time the worker computed it
    changed_at = models.DateTimeField()  # last time the score changed
    history = models.JSONField(default=list, blank=True)  # [{"score", "tier", "at"}], newest first
    # Not a trust input: the researcher's most frequent topics ([{"id", "name", "works"}]),
    # computed in the same pass so search results show them without counting works.
    top_topics = models.JSONField(default=list, blank=True)
    # Not trust inputs either: citation metrics, computed in the same pass (issue 13), from
    # each work's citation count as its source gives it (`Work.cited_by_count`).
    # Database defaults: rows written by COPY (bench/search.py) may leave them out.
    citations_total = models.PositiveIntegerField(db_default=0)
    h_index = models.PositiveIntegerField(db_default=0)  # h works cited at least h times each
    i10_index = models.PositiveIntegerField(db_default=0)  # works cited at least 10 times
    # [{"year", "works", "citations"}] by year of publication, oldest first.
    per_year = models.JSONField(db_default=models.Value("[]"), blank=True)
    # [[type, works]], most works first: the choices of the profile's type filter.
    work_types = models.JSONField(db_default=models.Value("[]"), blank=True)
    # What the profile shows of the record that grows with its size, computed here rather than
    # on each view (issue 17): its topics ([{"id", "name", "origin", "works"}], the 30 most
    # frequent), close collaborators ([{"slug", "name", "shared", "last_shared"}], the 12
    # closest) and its first works. The page uses the first works and the works count only
    # while `data_version` is the researcher's own (nothing changed since); the topics and close
    # collaborators also after a change, until the worker's next pass, saying on the page that
    # they are from before it (profiles.selectors.researcher_profile_queryset).
    data_version = models.PositiveIntegerField(null=True, blank=True)
    topics_list = models.JSONField(db_default=models.Value("[]"), blank=True)
    close_collaborators_list = models.JSONField(db_default=models.Value("[]"), blank=True)
    # The first page of works as the profile first shows it (newest first), one work more to
    # know there is a next page: [work id, …]. Fetched by id, not sorted from all the works.
    first_works = models.JSONField(db_default=models.Value("[]"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="trust_snapshot_score_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    score=models.F("points_verification")
                    + models.F("points_claim")
                    + models.F("points_identity")
                    + models.F("points_publications")
                    + models.F("points_collaboration")
                    + models.F("points_topics")
                    + models.F("points_community")
                ),
                name="trust_snapshot_score_is_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.tier}"

    @property
    def inputs(self) -> TrustInputs:
        return TrustInputs(
            verification_level=self.verification_level,
            claim_status=self.claim_status,
            works=self.works_count,
            followers=self.followers_count,
            topics=self.topics_count,
            close_collaborators=self.close_collaborators_count,
            has_orcid=self.has_orcid,
            has_affiliation=self.has_affiliation,
        )

    @property
    def charts(self) -> list[YearChart]:
        """Works and citations per year, as bars (computed from the stored `per_year`)."""
        per_year = self.per_year if isinstance(self.per_year, list) else []
        return [
            year_chart(per_year, key="works", label="works"),
            year_chart(per_year, key="citations", label="citations"),
        ]

    @property
    def breakdown(self) -> TrustResult:
        """The stored points, explained (text from the pure formula, figures from the row)."""
        points = {signal: getattr(self, field) for signal, field in POINT_FIELDS.items()}
        # Advice about ORCID only where this site offers ORCID sign-in (settings).
        orcid_sign_in = "orcid" in settings.SOCIALACCOUNT_PROVIDERS
        return TrustResult(
            score=self.score,
            tier=self.tier,
            contributions=explain(self.inputs, points, orcid_sign_in=orcid_sign_in),
        )


class ResearcherRefreshRequest(models.Model):
    """A researcher whose derived figures and trust are out of date (the coalescing "dirty set").

    Many events about one researcher (a burst of follows) leave a single row; one drain task
    recomputes every waiting researcher in a batch and deletes their rows.
    """

    researcher = models.OneToOneField(
        Researcher, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)


class TrustRecomputeRun(models.Model):
    """One recomputation of every researcher (nightly), split into id-range batches."""

    started_at = models.DateTimeField(default=timezone.now)
    batch_size = models.PositiveIntegerField()
    batches_total = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)


class TrustRecomputeBatch(models.Model):
    """A finished batch of a run; unique per (run, first id), so a redelivered batch counts once."""

    run = models.ForeignKey(TrustRecomputeRun, on_delete=models.CASCADE, related_name="batches")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    researchers = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField()
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "first_id"], name="trust_batch_once"),
        ]
