"""Topics for works whose source gave none, derived offline from title and abstract.

Method (documented in docs/trust.md, "Topics"): over the corpus of works that have no topic
from their source (OpenAlex topic or concept, arXiv category), TF-IDF of unigrams and bigrams
(English and boilerplate research words removed; the title counted twice) factorised by
non-negative matrix factorisation (scikit-learn NMF, NNDSVD initialisation: no randomness, so
the same corpus always gives the same topics). The number of topics grows with the corpus,
about five works per topic: k = round(n / 5) clamped to [2, 100]. Each topic is named after
its strongest terms; a work gets every topic whose weight is at least half its strongest
one. Stored as `works.Topic(origin="derived")` with `WorkTopic` rows (score = the normalised
weight).

A refit replaces the derived assignments; it runs when a work without topics has none derived
yet, and nightly. The fit reads a capped sample (evenly spaced by id); every untopiced work is
then assigned and stored chunk by chunk, so a refit's memory stays bounded.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.text import slugify
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from profiles.services.refresh import (
    QUEUE_ERRORS,
    ChangeReason,
    researchers_changed,
    researchers_request_refresh,
)
from works.models import Topic, TopicOrigin, WorkTopic

MIN_DOCUMENTS = 6
MAX_FIT_DOCUMENTS = 20_000
MIN_TOPICS, MAX_TOPICS = 2, 100
DOCUMENTS_PER_TOPIC = 5
SECOND_TOPIC_RATIO = 0.5
TRANSFORM_CHUNK = 5_000

# Words every abstract uses; they say nothing about the topic.
RESEARCH_BOILERPLATE = frozenset(
    """
    paper propose proposed proposes method methods approach approaches novel new results result
    show shows shown demonstrate demonstrates experiments experimental extensive state art
    performance existing based using use used work works problem problems task tasks achieve
    achieves achieved significantly significant effective effectively different various
    framework study studies model models terms propose also well however first two three one
    datasets dataset benchmark benchmarks code available publicly source superior outperforms
    outperform improve improves improved improvement better large small simple key challenging
    challenge important recent recently furthermore moreover particular specifically especially
    introduce introduces present presents leads lead including provide provides previous
    paradigm respectively remarkable way ways make makes making given learn learned aim
    """.split()  # noqa: SIM905 - a paragraph reads better than 110 quoted words
)
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | RESEARCH_BOILERPLATE)
TOKEN_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b"  # noqa: S105 - a regex, not a secret


@dataclass(frozen=True)
class DerivedTopic:
    external_id: str
    display_name: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Derivation:
    topics: list[DerivedTopic]
    # (work id, index into topics, score)
    assignments: list[tuple[int, int, float]]


def topic_count(n_documents: int) -> int:
    return max(MIN_TOPICS, min(MAX_TOPICS, round(n_documents / DOCUMENTS_PER_TOPIC)))


def _document(title: str, abstract: str) -> str:
    return f"{title}. {title}. {abstract}"


def _name(terms: list[str]) -> str:
    """The strongest term (as the bigram that contains it, when one is strong too), then the
    next strongest term that does not repeat it."""
    if not terms:
        return ""

    def phrase(term: str, pool: list[str]) -> str:
        if " " in term:
            return term
        return next((t for t in pool if " " in t and term in t.split()), term)

    def chained(first: str) -> str:
        # "human pose" + "pose estimation" reads as "human pose estimation".
        for t in terms:
            words = t.split()
            if len(words) == 2 and words[0] == first.split()[-1] and words[1] not in first:
                return f"{first} {words[1]}"
            if len(words) == 2 and words[1] == first.split()[0] and words[0] not in first:
                return f"{words[0]} {first}"
        return first

    first = phrase(terms[0], terms)
    if " " in first:
        first = chained(first)
    used = first.split()
    initials = "".join(w[0] for w in used)

    def repeats(term: str) -> bool:
        # A word already used, its plural or stem, or the phrase's acronym ("nas").
        return term == initials or any(w[:4] == u[:4] for w in term.split() for u in used)

    rest = [t for t in terms[1:] if not repeats(t)]
    if not rest:
        return first[:1].upper() + first[1:]
    second = phrase(rest[0], rest)
    name = f"{first} · {second}"
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class FittedTopics:
    """A fitted model: the vectorizer, the factorisation and the named topics."""

    vectorizer: TfidfVectorizer
    model: NMF
    topics: list[DerivedTopic]

    def assign(self, documents: list[tuple[int, str, str]]) -> list[tuple[int, int, float]]:
        """(work id, topic index, score): every topic at least half the work's strongest."""
        if not documents:
            return []
        matrix = self.vectorizer.transform([_document(t, a) for _, t, a in documents])
        weights = self.model.transform(matrix)
        out: list[tuple[int, int, float]] = []
        for (work_id, _, _), row in zip(documents, weights, strict=True):
            best = float(row.max())
            if best <= 0:
                continue
            for index in np.flatnonzero(row >= best * SECOND_TOPIC_RATIO):
                out.append((work_id, int(index), round(float(row[index]) / best, 4)))
        return out


def fit(sample: list[tuple[int, str, str]], corpus_size: int) -> FittedTopics | None:
    """Fit the topics on a sample (id order) of a corpus of `corpus_size` documents."""
    if corpus_size < MIN_DOCUMENTS or len(sample) < MIN_DOCUMENTS:
        return None
    vectorizer = TfidfVectorizer(
        stop_words=STOP_WORDS,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.5,
        sublinear_tf=True,
        lowercase=True,
    )
    try:
        matrix = vectorizer.fit_transform([_document(t, a) for _, t, a in sorted(sample)])
    except ValueError:  # no term survives (tiny or degenerate corpus)
        return None
    k = min(topic_count(corpus_size), matrix.shape[1], matrix.shape[0])
    if k < MIN_TOPICS:
        return None
    model = NMF(n_components=k, init="nndsvd", max_iter=400, random_state=0)
    model.fit(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    topics: list[DerivedTopic] = []
    seen: dict[str, int] = {}
    for component in model.components_:
        top = [str(vocabulary[i]) for i in np.argsort(-component)[:8] if component[i] > 0]
        name = _name(top) or "Untitled topic"
        slug = slugify(name)[:80] or "topic"
        seen[slug] = seen.get(slug, 0) + 1
        external_id = f"{slug}-{seen[slug]}" if seen[slug] > 1 else slug
        topics.append(DerivedTopic(external_id=external_id, display_name=name, terms=tuple(top)))
    return FittedTopics(vectorizer=vectorizer, model=model, topics=topics)


def fit_step(corpus_size: int) -> int:
    """Every step-th document (by id) is in the fitted sample."""
    return max(1, math.ceil(corpus_size / MAX_FIT_DOCUMENTS))


def derive(documents: list[tuple[int, str, str]]) -> Derivation:
    """Pure: topics and assignments for (work id, title, abstract) documents."""
    documents = sorted(documents)
    fitted = fit(documents[:: fit_step(len(documents))], len(documents))
    if fitted is None:
        return Derivation(topics=[], assignments=[])
    assignments: list[tuple[int, int, float]] = []
    for start in range(0, len(documents), TRANSFORM_CHUNK):
        assignments += fitted.assign(documents[start : start + TRANSFORM_CHUNK])
    return Derivation(topics=fitted.topics, assignments=assignments)


UNTOPICED = """
    NOT EXISTS (
        SELECT 1 FROM works_worktopic wt JOIN works_topic t ON t.id = wt.topic_id
        WHERE wt.work_id = w.id AND t.origin <> 'derived'
    )
"""


def _rows(sql: str, params: list[int]) -> list[tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1], row[2] or "") for row in cursor.fetchall()]


def _untopiced_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM works_work w WHERE {UNTOPICED}")  # noqa: S608 - UNTOPICED is a constant of this module
        row = cursor.fetchone()
    return row[0] if row else 0


def _fit_sample(step: int) -> list[tuple[int, str, str]]:
    return _rows(
        f"""
        SELECT id, title, abstract FROM (
            SELECT w.id, w.title, w.abstract, row_number() OVER (ORDER BY w.id) AS n
            FROM works_work w WHERE {UNTOPICED}
        ) numbered WHERE (n - 1) %% %s = 0 ORDER BY id
        """,  # noqa: S608 - UNTOPICED is a constant of this module
        [step],
    )


def _untopiced_chunk(after: int) -> list[tuple[int, str, str]]:
    return _rows(
        f"""
        SELECT w.id, w.title, w.abstract FROM works_work w
        WHERE w.id > %s AND {UNTOPICED} ORDER BY w.id LIMIT %s
        """,  # noqa: S608 - UNTOPICED is a constant of this module
        [after, TRANSFORM_CHUNK],
    )


def _store_chunk(work_ids: list[int], wanted: dict[tuple[int, int], float]) -> set[int]:
    """Make the chunk's derived rows equal `wanted`; returns the works whose topics changed."""
    existing = {
        (w, t): score
        for w, t, score in WorkTopic.objects.filter(
            work_id__in=work_ids, topic__origin=TopicOrigin.DERIVED
        ).values_list("work_id", "topic_id", "score")
    }
    stale = [pair for pair in existing if pair not in wanted]
    fresh = [pair for pair in wanted if pair not in existing]
    rescored = [pair for pair in wanted if pair in existing and existing[pair] != wanted[pair]]
    if stale:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                DELETE FROM works_worktopic wt
                USING unnest(%s::bigint[], %s::bigint[]) AS s(w, t)
                WHERE wt.work_id = s.w AND wt.topic_id = s.t
                """,
                [[w for w, _ in stale], [t for _, t in stale]],
            )
    WorkTopic.objects.bulk_create(
        [WorkTopic(work_id=w, topic_id=t, score=wanted[(w, t)]) for w, t in fresh],
        batch_size=5000,
    )
    for w, t in rescored:
        WorkTopic.objects.filter(work_id=w, topic_id=t).update(score=wanted[(w, t)])
    return {w for w, _ in stale} | {w for w, _ in fresh}


def derive_topics() -> set[int]:
    """Refit the derived topics over the corpus; returns the researchers whose topics moved
    (reported through `researchers_changed` in the same transaction).

    Bounded memory: the fit reads a sample of at most MAX_FIT_DOCUMENTS, then the untopiced
    works are assigned and stored chunk by chunk (keyset on id). One transaction.
    """
    with transaction.atomic():
        _snapshot_derived_topics()
        corpus_size = _untopiced_count()
        fitted = fit(_fit_sample(fit_step(corpus_size)), corpus_size) if corpus_size else None
        topic_ids: list[int] = []
        for topic in fitted.topics if fitted else []:
            row, _ = Topic.objects.update_or_create(
                origin=TopicOrigin.DERIVED,
                external_id=topic.external_id,
                defaults={"display_name": topic.display_name, "subfield": ", ".join(topic.terms)},
            )
            topic_ids.append(row.pk)
        changed: set[int] = set()
        after = 0
        while chunk := _untopiced_chunk(after):
            assignments = fitted.assign(chunk) if fitted else []
            wanted = {(w, topic_ids[i]): score for w, i, score in assignments}
            changed |= _store_chunk([w for w, _, _ in chunk], wanted)
            after = chunk[-1][0]
        # Works that have gained a topic from their source keep only that one.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                DELETE FROM works_worktopic d USING works_topic dt
                WHERE dt.id = d.topic_id AND dt.origin = 'derived' AND EXISTS (
                    SELECT 1 FROM works_worktopic wt JOIN works_topic t ON t.id = wt.topic_id
                    WHERE wt.work_id = d.work_id AND t.origin <> 'derived'
                ) RETURNING d.work_id
                """
            )
            changed |= {row[0] for row in cursor.fetchall()}
        Topic.objects.filter(origin=TopicOrigin.DERIVED, worktopic__isnull=True).delete()
        if not changed:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT researcher_id FROM works_authorship WHERE work_id = ANY(%s)",
                [sorted(changed)],
            )
            moved = sorted(row[0] for row in cursor.fetchall())
        # Only those whose shown topics changed get a new data version (their graph slices are
        # rebuilt: the listener precomputes the stale ones); the others' figures are refreshed
        # without one, so a refit that reshuffles works behind the scenes drops no slice.
        shown = _shown_topics_changed(moved)
        researchers_changed(researcher_ids=shown, reason=ChangeReason.DERIVED_TOPICS)
        researchers_request_refresh(researcher_ids=sorted(set(moved) - set(shown)))
        return set(moved)


# What a researcher shows of their topics: the 12 most frequent over their works, with their
# counts (the profile's topics and the graph slice's topic nodes, `graph.cut`'s cap).
SHOWN_TOPICS = 12
_BEFORE = "derived_topics_before_refit"


def _snapshot_derived_topics() -> None:
    """The derived assignments as they are before a refit (names, as topics may go), for
    `_shown_topics_changed`; a temporary table dropped with the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_BEFORE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_BEFORE} ON COMMIT DROP AS "  # noqa: S608 - constants
            "SELECT wt.work_id, t.display_name FROM works_worktopic wt "
            "JOIN works_topic t ON t.id = wt.topic_id WHERE t.origin = 'derived'"
        )


def _shown_topics_changed(researcher_ids: list[int]) -> list[int]:
    """Of these researchers, those whose shown topics (names, counts, order) differ from
    before the refit."""
    if not researcher_ids:
        return []
    shown = """
        SELECT researcher_id, display_name, works, rank FROM (
            SELECT a.researcher_id, t.display_name, count(*) AS works,
                   row_number() OVER (PARTITION BY a.researcher_id
                                      ORDER BY count(*) DESC, t.display_name) AS rank
            FROM works_authorship a JOIN ({topics}) t ON t.work_id = a.work_id
            WHERE a.researcher_id = ANY(%(ids)s)
            GROUP BY a.researcher_id, t.display_name
        ) ranked WHERE rank <= %(cap)s
    """
    now = (
        "SELECT wt.work_id, tp.display_name FROM works_worktopic wt "
        "JOIN works_topic tp ON tp.id = wt.topic_id"
    )
    before = (
        f"{now} WHERE tp.origin <> 'derived' "  # noqa: S608 - composed from the module's constants
        f"UNION ALL SELECT work_id, display_name FROM {_BEFORE}"
    )
    after_sql, before_sql = shown.format(topics=now), shown.format(topics=before)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT researcher_id FROM (({after_sql}) EXCEPT ({before_sql})) a "  # noqa: S608
            f"UNION SELECT researcher_id FROM (({before_sql}) EXCEPT ({after_sql})) b",
            {"ids": researcher_ids, "cap": SHOWN_TOPICS},
        )
        return sorted(row[0] for row in cursor.fetchall())


UNASSIGNED_KEY = "topics:derived:unassigned"


def _unassigned_count() -> int:
    """Works with no topic at all (none from the source, none derived)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM works_work w "
            "WHERE NOT EXISTS (SELECT 1 FROM works_worktopic wt WHERE wt.work_id = w.id)"
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def derive_topics_if_needed(*, researcher_ids: Iterable[int]) -> set[int]:
    """Refit only when one of these researchers has a work with no topic at all, and the
    corpus has changed since the last refit (a work the model cannot place — a title of stop
    words — must not cause a refit on every refresh; the nightly refit still sees it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM works_authorship a
                WHERE a.researcher_id = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM works_worktopic wt WHERE wt.work_id = a.work_id)
            )
            """,
            [list(researcher_ids)],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        return set()
    unassigned = _unassigned_count()
    known = None
    with contextlib.suppress(*QUEUE_ERRORS):  # without the cache, refit
        known = cache.get(UNASSIGNED_KEY)
    if known == unassigned:
        return set()
    moved = derive_topics()
    with contextlib.suppress(*QUEUE_ERRORS):
        cache.set(UNASSIGNED_KEY, _unassigned_count(), timeout=None)
    return moved
