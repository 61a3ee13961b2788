"""The SQL cut of a researcher's neighbourhood: bounded, indexed queries, nothing global."""

from __future__ import annotations

from django.db import connection

from graph.algorithms import SliceCaps, SliceInputs

COAUTHORS_SQL = """
SELECT other.researcher_id, r.display_name, r.slug, count(*) AS shared, max(w.publication_year)
FROM works_authorship mine
JOIN works_authorship other
  ON other.work_id = mine.work_id AND other.researcher_id <> mine.researcher_id
JOIN works_work w ON w.id = mine.work_id
JOIN profiles_researcher r ON r.id = other.researcher_id
WHERE mine.researcher_id = %s
GROUP BY other.researcher_id, r.display_name, r.slug
ORDER BY shared DESC, max(w.publication_year) DESC NULLS LAST, r.display_name
LIMIT %s
"""

TOPICS_SQL = """
SELECT t.id, t.display_name, count(*) AS works
FROM works_authorship a
JOIN works_worktopic wt ON wt.work_id = a.work_id
JOIN works_topic t ON t.id = wt.topic_id
WHERE a.researcher_id = %s
GROUP BY t.id, t.display_name
ORDER BY works DESC, t.display_name
LIMIT %s
"""

INSTITUTIONS_SQL = """
SELECT i.id, i.display_name, count(*) AS works
FROM works_authorship a
JOIN works_authorshipinstitution ai ON ai.authorship_id = a.id
JOIN profiles_institution i ON i.id = ai.institution_id
WHERE a.researcher_id = %s
GROUP BY i.id, i.display_name
ORDER BY works DESC, i.display_name
LIMIT %s
"""


def slice_inputs(researcher_id: int, caps: SliceCaps) -> SliceInputs:
    """The researcher's strongest co-authors, topics and institutions, each capped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT display_name, slug FROM profiles_researcher WHERE id = %s", [researcher_id]
        )
        name, slug = cursor.fetchone()
        cursor.execute(COAUTHORS_SQL, [researcher_id, caps.people])
        coauthors = [(row[0], row[1], row[2], row[3]) for row in cursor.fetchall()]
        cursor.execute(TOPICS_SQL, [researcher_id, caps.topics])
        topics = [(row[0], row[1], row[2]) for row in cursor.fetchall()]
        cursor.execute(INSTITUTIONS_SQL, [researcher_id, caps.institutions])
        institutions = [(row[0], row[1], row[2]) for row in cursor.fetchall()]
    return SliceInputs(
        center=(researcher_id, name, slug),
        coauthors=coauthors,
        topics=topics,
        institutions=institutions,
    )
