"""Researchers (public author records), their institutions, employments and who follows them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Lower


class Institution(models.Model):
    openalex_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    ror_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=500)
    country_code = models.CharField(max_length=2, blank=True)
    institution_type = models.CharField(max_length=50, blank=True)
    homepage_url = models.URLField(max_length=500, blank=True)
    domains = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    updated_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            GinIndex(fields=["domains"], name="institution_domains_gin"),
            # The owner's affiliation search ("all known institutions", by any part of the name).
            GinIndex(
                fields=["display_name"], name="institution_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class VerificationLevel(models.IntegerChoices):
    """The brief's verification levels; see docs/architecture.md."""

    L0 = 0, "L0"  # name-only record, no persistent identifier
    L1 = 1, "L1"  # anchored to an OpenAlex author id or an ORCID iD
    L2 = 2, "L2"  # claimed by an account, approved by a moderator on evidence
    L3 = 3, "L3"  # L2 plus strong evidence (ORCID OAuth or institutional e-mail)


VERIFICATION_EXPLANATIONS = {
    VerificationLevel.L0: "a name-only record, with no persistent identifier yet.",
    VerificationLevel.L1: "anchored to a persistent identifier (OpenAlex author id or ORCID iD).",
    VerificationLevel.L2: "claimed by an account and approved by a moderator on evidence.",
    VerificationLevel.L3: (
        "claimed and approved, with strong evidence: an ORCID iD authenticated by sign-in "
        "or a verified e-mail on the institution's domain."
    ),
}


class ClaimStatus(models.TextChoices):
    UNCLAIMED = "unclaimed", "Unclaimed author"
    PENDING = "pending", "Claim pending"
    CLAIMED = "claimed", "Claimed"


class NameWords(models.Func):
    """The lower-case words of a name, as an array ("Wang, Y." → {wang, y}).

    The same expression is indexed (GIN, `researcher_name_words`), so "every query word is a
    whole word of the name" (`@>`) is an index lookup whatever the length of the words.
    """

    template = "regexp_split_to_array(lower(%(expressions)s), '[^[:alnum:]]+')"
    output_field = ArrayField(models.TextField())


class ResearcherQuerySet(models.QuerySet["Researcher"]):
    """Reads by name live in profiles.search (ranked, counted, with a looser pass)."""


class Researcher(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    display_name = models.CharField(max_length=500)
    name_variants = ArrayField(models.CharField(max_length=500), default=list, blank=True)
    # `profiles.identity.name_keys` of the display name and the variants: the name rule's
    # candidate lookup (`works.importers.names`) is an index scan on them. NULL until computed:
    # a trigger (migration 0011) sets it back to NULL when a write changes the names without
    # it, and the lookup computes the missing ones first, so a stale key is never trusted.
    name_keys = ArrayField(models.TextField(), null=True, blank=True, editable=False)
    headline = models.CharField(max_length=300, blank=True)
    affiliation = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="researchers"
    )
    open_to_collaborate = models.BooleanField(default=False)
    openalex_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    orcid = models.CharField(max_length=19, unique=True, null=True, blank=True)
    verification_level = models.PositiveSmallIntegerField(
        choices=VerificationLevel.choices, default=VerificationLevel.L0
    )
    claim_status = models.CharField(
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.UNCLAIMED
    )
    # Bumped whenever imported data touching this researcher changes; derived artefacts
    # (graph slices, trust snapshots) are keyed by it, so stale ones are never served as fresh.
    data_version = models.PositiveIntegerField(default=1)
    source_updated_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResearcherQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verification_level__lte=3), name="researcher_level_0_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(claim_status__in=ClaimStatus.values),
                name="researcher_claim_status_valid",
            ),
            # A persistent identifier is what makes a record L1 or better.
            models.CheckConstraint(
                condition=models.Q(verification_level=0)
                | models.Q(openalex_id__isnull=False)
                | models.Q(orcid__isnull=False)
                | models.Q(claim_status=ClaimStatus.CLAIMED),
                name="researcher_level_needs_identifier",
            ),
        ]
        indexes = [
            GinIndex(
                fields=["display_name"], name="researcher_name_trgm", opclasses=["gin_trgm_ops"]
            ),
            models.Index(Lower("display_name"), name="researcher_name_lower"),
            GinIndex(NameWords("display_name"), name="researcher_name_words"),
            GinIndex(fields=["name_keys"], name="researcher_name_keys"),
            models.Index(
                fields=["id"],
                condition=models.Q(name_keys__isnull=True),
                name="researcher_name_keys_missing",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def verification_label(self) -> str:
        return VerificationLevel(self.verification_level).label

    @property
    def verification_explanation(self) -> str:
        return VERIFICATION_EXPLANATIONS[VerificationLevel(self.verification_level)]

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""

    @property
    def openalex_url(self) -> str:
        return f"https://openalex.org/{self.openalex_id}" if self.openalex_id else ""


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "researcher"], name="follow_once"),
        ]
        indexes = [models.Index(fields=["researcher", "created_at"], name="follow_researcher_idx")]


class Employment(models.Model):
    """A position a researcher lists in a public record (ORCID employments), as imported."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="employments")
    source = models.CharField(max_length=20, default="orcid")
    source_key = models.CharField(max_length=64)  # the ORCID put-code
    organization_name = models.CharField(max_length=500)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="employments"
    )
    department = models.CharField(max_length=500, blank=True)
    role_title = models.CharField(max_length=500, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["researcher", "source", "source_key"], name="employment_once_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_title or 'Member'}, {self.organization_name}"
