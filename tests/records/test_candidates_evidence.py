"""The candidates' evidence, read per chunk of records and compared in Python, makes the same
decisions as the single SQL statement it replaced (kept here as the reference), on random
worlds: which pairs are proposed, with which score and reasons."""

from __future__ import annotations

import itertools
import random

import pytest
from django.db import connection

from profiles.models import Institution, Researcher
from records.services import candidates
from records.services.candidates import Candidate, _score, pairs_evidence
from works.models import Authorship, AuthorshipInstitution, Topic, Work, WorkTopic

# The statement used until issue 16's speed fix, with its LIMIT as a parameter.
REFERENCE_SQL = """
WITH pairs AS (SELECT * FROM unnest(%s::int[], %s::int[]) AS p(a, b)),
recent AS (
  SELECT r.id AS researcher_id, w.work_id
  FROM (SELECT a AS id FROM pairs UNION SELECT b FROM pairs) r
  CROSS JOIN LATERAL (
    SELECT work_id FROM works_authorship WHERE researcher_id = r.id
    ORDER BY work_id DESC LIMIT %s
  ) w
),
coauthors AS (
  SELECT DISTINCT rc.researcher_id, x.researcher_id AS other
  FROM recent rc JOIN works_authorship x ON x.work_id = rc.work_id
  WHERE x.researcher_id <> rc.researcher_id
),
institutions AS (
  SELECT DISTINCT rc.researcher_id, ai.institution_id
  FROM recent rc
  JOIN works_authorship au ON au.work_id = rc.work_id AND au.researcher_id = rc.researcher_id
  JOIN works_authorshipinstitution ai ON ai.authorship_id = au.id
),
topics AS (
  SELECT DISTINCT rc.researcher_id, wt.topic_id
  FROM recent rc JOIN works_worktopic wt ON wt.work_id = rc.work_id
)
SELECT p.a, p.b,
  (SELECT count(*) FROM coauthors ca JOIN coauthors cb
     ON cb.other = ca.other AND cb.researcher_id = p.b
   WHERE ca.researcher_id = p.a AND ca.other <> p.b),
  (SELECT count(*) FROM institutions ia JOIN institutions ib
     ON ib.institution_id = ia.institution_id AND ib.researcher_id = p.b
   WHERE ia.researcher_id = p.a),
  (SELECT count(*) FROM topics ta JOIN topics tb
     ON tb.topic_id = ta.topic_id AND tb.researcher_id = p.b
   WHERE ta.researcher_id = p.a),
  EXISTS (SELECT 1 FROM coauthors c WHERE c.researcher_id = p.a AND c.other = p.b)
FROM pairs p
"""


def reference(pairs: list[tuple[int, int, bool]], limit: int) -> list[Candidate]:
    same = {(a, b): s for a, b, s in pairs}
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, [[p[0] for p in pairs], [p[1] for p in pairs], limit])
        rows = cursor.fetchall()
    found = []
    for a, b, coauthors, institutions, topics, coauthored in rows:
        if coauthored or not (coauthors or institutions or topics):
            continue
        score, reasons = _score(same[(a, b)], coauthors, institutions, topics)
        found.append(Candidate(a, b, score, reasons))
    return found


def world(rng: random.Random) -> list[int]:
    """30 records, 90 works of 1–4 of them, institutions on some authorships, topics."""
    researchers = Researcher.objects.bulk_create(
        Researcher(display_name=f"R {i}", slug=f"r-{rng.random():.12f}-{i}") for i in range(30)
    )
    institutions = Institution.objects.bulk_create(
        Institution(display_name=f"I {i}", openalex_id=f"I{i}") for i in range(4)
    )
    topics = Topic.objects.bulk_create(
        Topic(origin="openalex", external_id=f"T{i}", display_name=f"T {i}") for i in range(6)
    )
    works = Work.objects.bulk_create(
        Work(title=f"W {i}", publication_year=2020, work_type="article") for i in range(90)
    )
    authorships, links, work_topics = [], [], []
    for work in works:
        for position, r in enumerate(rng.sample(researchers, rng.randint(1, 4))):
            authorships.append(Authorship(work=work, researcher=r, position=position))
        for topic in rng.sample(topics, rng.randint(0, 2)):
            work_topics.append(WorkTopic(work=work, topic=topic))
    Authorship.objects.bulk_create(authorships)
    for authorship in authorships:
        if rng.random() < 0.4:
            links.append(
                AuthorshipInstitution(authorship=authorship, institution=rng.choice(institutions))
            )
    AuthorshipInstitution.objects.bulk_create(links)
    WorkTopic.objects.bulk_create(work_topics)
    return [r.pk for r in researchers]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("recent", "chunk"), [(200, 5000), (3, 7)])
def test_it_decides_as_the_reference_statement(monkeypatch, seed, recent, chunk):
    rng = random.Random(seed)
    ids = world(rng)
    pairs = [(a, b, rng.random() < 0.5) for a, b in itertools.combinations(sorted(ids), 2)]
    monkeypatch.setattr(candidates, "RECENT_WORKS", recent)
    monkeypatch.setattr(candidates, "CHUNK_RECORDS", chunk)

    expected = reference(pairs, recent)
    found = pairs_evidence(pairs)

    assert sorted(found, key=lambda c: (c.low, c.high)) == sorted(
        expected, key=lambda c: (c.low, c.high)
    )
    assert expected  # the world is rich enough to propose some pairs…
    assert len(expected) < len(pairs)  # …and to refuse others
