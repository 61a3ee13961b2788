"""Works, their ordered authorships, venues, topics and citation edges."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from profiles.models import Institution, Researcher
from profiles.paths import path_of


class Source(models.Model):
    """A venue: journal, repository, conference series (OpenAlex `source`)."""

    openalex_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=500)
    issn_l = models.CharField(max_length=9, blank=True)
    source_type = models.CharField(max_length=50, blank=True)
    updated_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The site search's venue part: any part of the name, typos (pg_trgm).
            GinIndex(fields=["display_name"], name="source_name_trgm", opclasses=["gin_trgm_ops"])
        ]

    def __str__(self) -> str:
        return self.display_name


class TopicOrigin(models.TextChoices):
    OPENALEX = "openalex", "OpenAlex topic"
    OPENALEX_CONCEPT = "openalex_concept", "OpenAlex concept"
    ARXIV = "arxiv", "arXiv category"
    DERIVED = "derived", "Derived from titles and abstracts"


class Topic(models.Model):
    origin = models.CharField(max_length=20, choices=TopicOrigin.choices)
    external_id = models.CharField(max_length=100)
    display_name = models.CharField(max_length=300)
    subfield = models.CharField(max_length=300, blank=True)
    field = models.CharField(max_length=300, blank=True)
    domain = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "external_id"], name="topic_origin_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=TopicOrigin.values), name="topic_origin_valid"
            ),
        ]
        indexes = [
            # The site search's topic part: any part of the name, typos (pg_trgm).
            GinIndex(fields=["display_name"], name="topic_name_trgm", opclasses=["gin_trgm_ops"])
        ]

    def __str__(self) -> str:
        return self.display_name


class OpenAccessStatus(models.TextChoices):
    """OpenAlex's `open_access.oa_status`: how (and whether) a work can be read for free."""

    DIAMOND = "diamond", "diamond (open journal, no fee)"
    GOLD = "gold", "gold (open journal)"
    HYBRID = "hybrid", "hybrid (open in a subscription journal)"
    BRONZE = "bronze", "bronze (free to read at the publisher)"
    GREEN = "green", "green (a copy in a repository)"
    CLOSED = "closed", "closed"


class WorkQuerySet(models.QuerySet["Work"]):
    def newest_first(self) -> WorkQuerySet:
        """The profile's order: newest year first, then by title."""
        return self.order_by(
            models.F("publication_year").desc(nulls_last=True), Lower("title"), "title", "pk"
        )


class Work(models.Model):
    # Unique through `work_openalex_id_once` (Meta), which carries the id and updated_date.
    # NULL, not "", for a work OpenAlex does not know: a unique key must allow many of them.
    openalex_id = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    doi = models.CharField(max_length=300, unique=True, null=True, blank=True)
    arxiv_id = models.CharField(max_length=50, unique=True, null=True, blank=True)
    work_type = models.CharField(max_length=50, default="article")
    publication_year = models.PositiveSmallIntegerField(null=True, blank=True)
    publication_date = models.DateField(null=True, blank=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="works"
    )
    venue = models.CharField(max_length=500, blank=True)  # display name, kept when no Source
    cited_by_count = models.PositiveIntegerField(default=0)
    # Open access (OpenAlex `open_access`, `best_oa_location`, `locations`): the status, the
    # best free copy (a PDF when there is one) and every open location. Database defaults,
    # since the other importers insert works without them.
    oa_status = models.CharField(
        max_length=10, choices=OpenAccessStatus.choices, blank=True, db_default=""
    )
    oa_url = models.CharField(max_length=2000, blank=True, db_default="")
    # [{"url", "pdf_url", "source", "version", "license"}], the best first (OA_LOCATIONS_KEPT).
    oa_locations = models.JSONField(blank=True, db_default=models.Value([], models.JSONField()))
    updated_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    topics = models.ManyToManyField(Topic, through="WorkTopic", related_name="works")
    # The site search's document (works.search): the title weighs more than the abstract
    # (A > B), both parsed with the `english` configuration (stemming, stop words): titles
    # and abstracts are overwhelmingly English in OpenAlex. Stored, so ranking reads it
    # instead of parsing every matching abstract again.
    search_document = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("abstract", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = WorkQuerySet.as_manager()

    class Meta:
        constraints = [
            # The importers look works up by OpenAlex id for every citation edge and every
            # record: the index carries what they read (id, updated_date), so the lookup is an
            # index-only scan instead of a random read of the large works table.
            models.UniqueConstraint(
                fields=["openalex_id"],
                include=["id", "updated_date"],
                name="work_openalex_id_once",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="work_title_not_empty"),
            models.CheckConstraint(
                condition=models.Q(oa_status__in=["", *OpenAccessStatus.values]),
                name="work_oa_status_valid",
            ),
            # Only web links are stored: the page links them as they are.
            models.CheckConstraint(
                condition=models.Q(oa_url="") | models.Q(oa_url__iregex=r"^https?://\S+$"),
                name="work_oa_url_http",
            ),
        ]
        indexes = [
            models.Index(fields=["publication_year"], name="work_year_idx"),
            # The orders of a work's citing works (and of venue pages): walked from the top
            # with a LIMIT, so a work cited 50,000 times never sorts all its citers.
            models.Index(
                models.F("publication_year").desc(nulls_last=True),
                models.F("id").desc(),
                name="work_newest",
            ),
            models.Index(
                models.F("cited_by_count").desc(), models.F("id").desc(), name="work_most_cited"
            ),
            # The site search: the words, and year and type beside them (btree_gin), so a
            # year range or a type is applied inside the index and only the works that match
            # all of it are read from the table (works.search).
            GinIndex(
                fields=["search_document", "publication_year", "work_type"],
                name="work_search_year_type",
            ),
            # A work's figures beside its id, read index-only by the nightly metrics (each
            # researcher's works joined to their citations, dates and types; the co-author
            # pairs' latest shared work) instead of a scan of the whole table per batch
            # (profiles.services.trust), and by the work page's citers.
            models.Index(
                fields=["id"],
                include=["cited_by_count", "publication_year", "publication_date", "work_type"],
                name="work_id_figures",
            ),
            # The home page's "recently added".
            models.Index(models.F("created_at").desc(), "id", name="work_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path_of("works:work_detail", self.pk, self.slug)

    @property
    def slug(self) -> str:
        """A readable URL part from the title; never stored, so a changed title moves it
        and the old URL redirects (the id is what identifies the work)."""
        return slugify(self.title)[:80].strip("-") or "work"

    @property
    def arxiv_pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def open_access_url(self) -> str:
        """Where to read it for free: the best open location, else the arXiv PDF."""
        return self.oa_url or self.arxiv_pdf_url

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""


class Authorship(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="authorships")
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveIntegerField()  # 0-based order in the author list
    raw_author_name = models.CharField(max_length=500, blank=True)
    is_corresponding = models.BooleanField(default=False)
    institutions = models.ManyToManyField(
        Institution, through="AuthorshipInstitution", related_name="authorships"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "position"], name="authorship_work_position"),
            models.UniqueConstraint(
                fields=["work", "researcher"], name="authorship_work_researcher"
            ),
        ]
        indexes = [models.Index(fields=["researcher", "work"], name="authorship_researcher_work")]


class AuthorshipInstitution(models.Model):
    authorship = models.ForeignKey(Authorship, on_delete=models.CASCADE)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorship", "institution"], name="authorship_institution_once"
            ),
        ]


class WorkTopic(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    score = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "topic"], name="work_topic_once"),
        ]
        indexes = [models.Index(fields=["topic", "work"], name="worktopic_topic_work")]


class Citation(models.Model):
    """`citing` references the work with OpenAlex id `cited_openalex_id`.

    Kept even when the cited work is not imported yet; `cited` is filled when it is.
    """

    # Ten edges per work: every index here is paid for on each of them. `citing` is served by
    # `citation_once` and `cited` by `citation_cited_citing` (both lead with it), so neither
    # has an index of its own.
    citing = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="references", db_index=False
    )
    cited_openalex_id = models.CharField(max_length=32)
    cited = models.ForeignKey(
        Work,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cited_by",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["citing", "cited_openalex_id"], name="citation_once"),
        ]
        indexes = [
            models.Index(fields=["cited", "citing"], name="citation_cited_citing"),
            # Only edges still waiting for their cited work: the importer resolves them when
            # it arrives; a resolved edge is never looked up by OpenAlex id again.
            models.Index(
                fields=["cited_openalex_id"],
                name="citation_pending_oa",
                condition=models.Q(cited__isnull=True),
            ),
        ]


class CorpusFigures(models.Model):
    """The home page's figures about the whole corpus: one row, counted by the worker.

    Counting a million works on a page view would cost a second; `works.services.
    corpus_figures_refresh` counts them (beat, hourly, and after an import) and the home page
    reads this row.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    researchers = models.PositiveBigIntegerField(default=0)
    works = models.PositiveBigIntegerField(default=0)
    citations = models.PositiveBigIntegerField(default=0)  # sum of the works' cited_by_count
    topics = models.PositiveBigIntegerField(default=0)
    institutions = models.PositiveBigIntegerField(default=0)
    venues = models.PositiveBigIntegerField(default=0)
    # The most active topics: [{"id", "name", "works"}], most works published since
    # `active_since` first.
    active_topics = models.JSONField(default=list)
    active_since = models.PositiveSmallIntegerField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="corpus_figures_one_row"),
        ]


class MergedAuthorId(models.Model):
    """An OpenAlex author id that OpenAlex merged into another (the snapshot's
    `merged_ids/authors/*.csv.gz`: `merge_date,id,merge_into_id`).

    Read by the works importer, which credits an authorship naming `old_id` to the record of
    the id it was merged into (following chains), and by the duplicate-candidates job, which
    proposes merging two BZPEER records when one holds `old_id` and the other its survivor.
    """

    old_id = models.CharField(max_length=32, unique=True)
    into_id = models.CharField(max_length=32)
    merge_date = models.DateField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(old_id=models.F("into_id")), name="merged_author_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(old_id__regex=r"^A[0-9]+$")
                & models.Q(into_id__regex=r"^A[0-9]+$"),
                name="merged_author_ids_shape",
            ),
        ]
        indexes = [models.Index(fields=["into_id"], name="merged_author_into")]

    def __str__(self) -> str:
        return f"{self.old_id} → {self.into_id}"


class ImportRun(models.Model):
    """One `import_openalex DIR --background`: the files it found, each imported by one task.

    The run's state, counts and rate are read from its files (`works.import_run_selectors`).
    """

    source = models.CharField(max_length=20)
    paths = models.JSONField(default=list)  # what the command was given, resolved
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(source=""), name="import_run_names_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} import #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("works:import_run_detail", args=[self.pk])


class ImportFileState(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    UNCHANGED = "unchanged", "Unchanged since an earlier import"
    FAILED = "failed", "Failed"


class ImportFile(models.Model):
    """One file of an import run and what its task made of it.

    A file is recognised as imported before by its path, size and modification time (what
    rsync and `aws s3 sync` compare): hashing a snapshot of hundreds of gigabytes would cost
    another full read of it, and OpenAlex rewrites changed records into new part files.
    `attempt` fences a worker's writes: a worker taken over (its heartbeat went stale) can no
    longer change the row.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    path = models.TextField()
    size = models.PositiveBigIntegerField()
    mtime_ns = models.BigIntegerField()
    state = models.CharField(
        max_length=10, choices=ImportFileState.choices, default=ImportFileState.PENDING
    )
    # For an unchanged file: the earlier import it matched.
    same_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    bytes_done = models.PositiveBigIntegerField(default=0)
    read = models.PositiveBigIntegerField(default=0)
    created = models.PositiveBigIntegerField(default=0)
    updated = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    fields_dropped = models.PositiveBigIntegerField(default=0)
    researchers_touched = models.PositiveBigIntegerField(default=0)
    errors = models.JSONField(default=list)  # the first bad records, "file:line: reason"
    error = models.TextField(blank=True)  # why the file could not be imported at all

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "path"], name="import_file_once_per_run"),
            models.CheckConstraint(
                condition=~models.Q(state="running")
                | models.Q(started_at__isnull=False, heartbeat_at__isnull=False),
                name="import_file_running_has_started",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["done", "failed"])
                | models.Q(finished_at__isnull=False),
                name="import_file_finished_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="unchanged") | models.Q(same_as__isnull=False),
                name="import_file_unchanged_names_earlier",
            ),
        ]
        indexes = [
            # "Imported before, unchanged?": one probe per file of a new run.
            models.Index(
                fields=["path", "size", "mtime_ns"],
                condition=models.Q(state="done"),
                name="import_file_done_key",
            ),
            # The sweeper: files whose worker stopped beating.
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(state="running"),
                name="import_file_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.state})"

    @property
    def rate(self) -> float | None:
        """Records read per second, while it runs and once done."""
        end = self.finished_at or self.heartbeat_at
        if self.started_at is None or end is None:
            return None
        seconds = (end - self.started_at).total_seconds()
        return self.read / seconds if seconds > 0 else None

    @property
    def share_done(self) -> float:
        return min(self.bytes_done / self.size, 1.0) if self.size else 1.0


class DeferredIndex(models.Model):
    """An index or foreign key a bulk load (`import_openalex --bulk`) dropped, to be built
    again when it finishes (`works.importers.openalex_bulk`).

    Kept in the database, not in the loading process: a load that dies leaves these rows, and
    `import_openalex --bulk-finish` builds what they name.
    """

    name = models.CharField(max_length=63, unique=True)
    table = models.CharField(max_length=63)
    # The statement that builds it again: CREATE INDEX …, or ALTER TABLE … ADD CONSTRAINT ….
    statement = models.TextField()
    deferred_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CoauthorNamePair(models.Model):
    """The name rule's evidence as an index: for every two co-authors of a work (of at most
    `works.importers.coauthor_names.LARGE_WORK` authors), each pair of the forms of their names
    (both directions; a form is the folded name, "wang|2|jun h"; its key, the part every
    compatible name shares, "wang|2|j"). "A researcher named like this author who shares a
    work with one named like that author" is then a range scan: by the two keys, or by an exact
    form and a key. Derived data, rebuilt by `coauthor_names_refresh` for the works the
    triggers of migration 0011 mark stale; no foreign keys, on purpose."""

    pk = models.CompositePrimaryKey(
        "key_a", "key_b", "form_a", "form_b", "researcher_a", "researcher_b", "work_id"
    )
    key_a = models.TextField(db_collation="C")
    key_b = models.TextField(db_collation="C")
    form_a = models.TextField(db_collation="C")
    form_b = models.TextField(db_collation="C")
    researcher_a = models.BigIntegerField()
    researcher_b = models.BigIntegerField()
    work_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["form_a", "key_b"],
                include=["researcher_a", "researcher_b"],
                name="coauthornamepair_form",
            ),
            models.Index(fields=["work_id"], name="coauthornamepair_work"),
        ]


class CoauthorNameMember(models.Model):
    """Authors of large works by name form: pairs would grow with the square of the authors
    (a 3,000-author paper, 9 M pairs), so for those works the evidence is a join on the work."""

    pk = models.CompositePrimaryKey("key", "form", "work_id", "researcher_id")
    key = models.TextField(db_collation="C")
    form = models.TextField(db_collation="C")
    work_id = models.BigIntegerField()
    researcher_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["form"], name="coauthornamemember_form"),
            models.Index(fields=["work_id", "key"], name="coauthornamemember_work"),
        ]


class CoauthorNamesStale(models.Model):
    """Works whose name pairs may be out of date: written by triggers on `works_authorship`
    (any insert, update, delete) and on `profiles_researcher` (a change of its names), read and
    emptied by `coauthor_names_refresh`. Duplicates are allowed: a unique key would let a mark
    made during a refresh be swallowed by the row the refresh is about to delete."""

    id = models.BigAutoField(primary_key=True)
    work_id = models.BigIntegerField()
