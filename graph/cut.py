"""The SQL cut of a slice: a researcher's neighbourhood in bounded, indexed queries.

Every query starts from one researcher (or one node, for the explorer) and reads at most a
fixed number of rows: a researcher's works are scanned up to `SCAN_WORKS` (highest ids first,
an index-only scan of `authorship_researcher_work`), per-item lateral joins carry their own
LIMITs, and each candidate list is cut by LIMIT before networkx ranks it. The limits are the
*candidate* budget; `SliceCaps` (algorithms) is what the picture finally keeps. The explorer's
neighbourhoods (`graph.selectors`) reuse these queries and `label_nodes`/`edges_among`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from graph.nodes import (
    Edge,
    Node,
    SliceInputs,
    node_id,
    why_affiliation,
    why_authored,
    why_cites,
    why_coauthor,
    why_own_paper_topic,
    why_topic,
)


@dataclass(frozen=True)
class CandidateLimits:
    """The most rows of each kind the SQL cut hands to networkx (documented)."""

    scan_works: int = 2000  # works of one researcher looked at, at most (highest ids first)
    coauthors: int = 40
    second_degree_via: int = 8  # strongest co-authors whose own co-authors are looked at
    second_degree_each: int = 3
    second_degree_scan_works: int = 200
    own_papers: int = 12
    citing_each: int = 3
    cited_each: int = 3
    citers_scanned: int = 100  # newest citers of a paper among which the most cited are taken
    topics: int = 12
    institutions: int = 8


LIMITS = CandidateLimits()

# The researcher's works, bounded: the index-only scan every query below starts from.
MINE = """
mine AS (
  SELECT work_id FROM works_authorship
  WHERE researcher_id = %(rid)s ORDER BY work_id DESC LIMIT %(scan)s
)
"""

COAUTHORS_SQL = f"""
WITH {MINE}
SELECT o.researcher_id, count(*) AS shared, count(*) OVER () AS total
FROM mine
JOIN works_authorship o ON o.work_id = mine.work_id AND o.researcher_id <> %(rid)s
JOIN works_work w ON w.id = mine.work_id
GROUP BY o.researcher_id
ORDER BY shared DESC, max(w.publication_year) DESC NULLS LAST, o.researcher_id
LIMIT %(limit)s
"""  # noqa: S608 - composed from this module's SQL constants

SECOND_DEGREE_SQL = """
SELECT via.id, x.researcher_id, x.shared
FROM unnest(%(via)s::bigint[]) AS via(id)
CROSS JOIN LATERAL (
  SELECT o.researcher_id, count(*) AS shared
  FROM (
    SELECT work_id FROM works_authorship
    WHERE researcher_id = via.id ORDER BY work_id DESC LIMIT %(scan)s
  ) theirs
  JOIN works_authorship o ON o.work_id = theirs.work_id
  WHERE o.researcher_id <> via.id AND o.researcher_id <> ALL(%(exclude)s::bigint[])
  GROUP BY o.researcher_id
  ORDER BY shared DESC, o.researcher_id
  LIMIT %(each)s
) x
"""

# "Most connected": most cited inside the corpus (each count capped, so a paper cited
# 50,000 times costs what one cited 500 times does), then newest.
OWN_PAPERS_SQL = f"""
WITH {MINE}
SELECT mine.work_id,
       (SELECT count(*) FROM (
          SELECT 1 FROM works_citation c WHERE c.cited_id = mine.work_id LIMIT 500
        ) capped) AS cited_in,
       count(*) OVER () AS total
FROM mine
ORDER BY cited_in DESC, mine.work_id DESC
LIMIT %(limit)s
"""  # noqa: S608 - composed from this module's SQL constants

CITING_SQL = """
SELECT p.id, x.citing_id
FROM unnest(%(papers)s::bigint[]) AS p(id)
CROSS JOIN LATERAL (
  SELECT newest.citing_id FROM (
    SELECT c.citing_id FROM works_citation c
    WHERE c.cited_id = p.id ORDER BY c.citing_id DESC LIMIT %(scanned)s
  ) newest
  JOIN works_work w ON w.id = newest.citing_id
  ORDER BY w.cited_by_count DESC, newest.citing_id DESC
  LIMIT %(each)s
) x
"""

CITED_SQL = """
SELECT p.id, x.cited_id
FROM unnest(%(papers)s::bigint[]) AS p(id)
CROSS JOIN LATERAL (
  SELECT refs.cited_id FROM (
    SELECT c.cited_id FROM works_citation c
    WHERE c.citing_id = p.id AND c.cited_id IS NOT NULL LIMIT %(scanned)s
  ) refs
  JOIN works_work w ON w.id = refs.cited_id
  ORDER BY w.cited_by_count DESC, refs.cited_id DESC
  LIMIT %(each)s
) x
"""

TOPICS_SQL = f"""
WITH {MINE}
SELECT wt.topic_id, count(*) AS works, count(*) OVER () AS total
FROM mine JOIN works_worktopic wt ON wt.work_id = mine.work_id
GROUP BY wt.topic_id
ORDER BY works DESC, wt.topic_id
LIMIT %(limit)s
"""  # noqa: S608 - composed from this module's SQL constants

INSTITUTIONS_SQL = f"""
WITH {MINE}
SELECT ai.institution_id, count(*) AS works, count(*) OVER () AS total
FROM mine
JOIN works_authorship a ON a.work_id = mine.work_id AND a.researcher_id = %(rid)s
JOIN works_authorshipinstitution ai ON ai.authorship_id = a.id
GROUP BY ai.institution_id
ORDER BY works DESC, ai.institution_id
LIMIT %(limit)s
"""  # noqa: S608 - composed from this module's SQL constants

AUTHORS_AMONG_SQL = """
SELECT work_id, researcher_id FROM works_authorship
WHERE work_id = ANY(%(papers)s::bigint[]) AND researcher_id = ANY(%(people)s::bigint[])
"""

CITES_AMONG_SQL = """
SELECT citing_id, cited_id FROM works_citation
WHERE citing_id = ANY(%(papers)s::bigint[]) AND cited_id = ANY(%(papers)s::bigint[])
"""

PAPER_TOPICS_AMONG_SQL = """
SELECT work_id, topic_id FROM works_worktopic
WHERE work_id = ANY(%(papers)s::bigint[]) AND topic_id = ANY(%(topics)s::bigint[])
"""

AFFILIATED_AMONG_SQL = """
SELECT id, affiliation_id FROM profiles_researcher
WHERE id = ANY(%(people)s::bigint[]) AND affiliation_id = ANY(%(institutions)s::bigint[])
"""


def rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one bounded query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def label_nodes(kind: str, ids: Iterable[int]) -> dict[int, Node]:
    """Nodes of one type with their labels, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if kind == "person":
        sql = """SELECT r.id, r.display_name, r.slug, coalesce(i.display_name, '')
                 FROM profiles_researcher r
                 LEFT JOIN profiles_institution i ON i.id = r.affiliation_id
                 WHERE r.id = ANY(%(ids)s::bigint[])"""
        return {
            pk: Node(node_id("person", pk), "person", name, slug=slug, detail=affiliation)
            for pk, name, slug, affiliation in rows(sql, {"ids": wanted})
        }
    if kind == "paper":
        sql = """SELECT w.id, w.title, w.publication_year, w.work_type,
                        coalesce(s.display_name, w.venue)
                 FROM works_work w LEFT JOIN works_source s ON s.id = w.source_id
                 WHERE w.id = ANY(%(ids)s::bigint[])"""
        return {
            pk: Node(
                node_id("paper", pk),
                "paper",
                title,
                detail=" · ".join(str(p) for p in (work_type, year, venue) if p),
            )
            for pk, title, year, work_type, venue in rows(sql, {"ids": wanted})
        }
    if kind == "topic":
        sql = """SELECT id, display_name, field FROM works_topic
                 WHERE id = ANY(%(ids)s::bigint[])"""
        return {
            pk: Node(node_id("topic", pk), "topic", name, detail=field_name)
            for pk, name, field_name in rows(sql, {"ids": wanted})
        }
    sql = """SELECT id, display_name, country_code FROM profiles_institution
             WHERE id = ANY(%(ids)s::bigint[])"""
    return {
        pk: Node(node_id("institution", pk), "institution", name, detail=country)
        for pk, name, country in rows(sql, {"ids": wanted})
    }


def slice_inputs(researcher_id: int, limits: CandidateLimits = LIMITS) -> SliceInputs:
    """The candidates around one researcher: people, papers, topics, institutions, and every
    edge among them with its reason. About a dozen bounded queries."""
    rid = researcher_id
    p: dict[str, Any] = {"rid": rid, "scan": limits.scan_works}
    center = label_nodes("person", [rid])[rid]
    totals: dict[str, int] = {}
    edges: list[Edge] = []
    me = center.id

    coauthors = rows(COAUTHORS_SQL, {**p, "limit": limits.coauthors})
    totals["person"] = coauthors[0][2] if coauthors else 0
    people = [r[0] for r in coauthors]
    edges += [
        Edge(me, node_id("person", r), "coauthor", why_coauthor(n), n) for r, n, _ in coauthors
    ]
    second = (
        rows(
            SECOND_DEGREE_SQL,
            {
                "via": people[: limits.second_degree_via],
                "exclude": [rid, *people],
                "each": limits.second_degree_each,
                "scan": limits.second_degree_scan_works,
            },
        )
        if people
        else []
    )
    for via, other, shared in second:
        edges.append(
            Edge(
                node_id("person", via),
                node_id("person", other),
                "coauthor",
                why_coauthor(shared),
                shared,
            )
        )
    people_all = [rid, *people, *(r[1] for r in second)]

    own = rows(OWN_PAPERS_SQL, {**p, "limit": limits.own_papers})
    totals["paper"] = rows(
        "SELECT count(*) FROM works_authorship WHERE researcher_id = %(rid)s", {"rid": rid}
    )[0][0]
    totals["scanned"] = own[0][2] if own else 0  # works the other counts are taken over
    papers = [r[0] for r in own]
    linked: list[int] = []
    if papers:
        for paper, citing in rows(
            CITING_SQL,
            {"papers": papers, "scanned": limits.citers_scanned, "each": limits.citing_each},
        ):
            linked.append(citing)
            edges.append(
                Edge(node_id("paper", citing), node_id("paper", paper), "cites", why_cites())
            )
        for paper, cited in rows(
            CITED_SQL,
            {"papers": papers, "scanned": limits.citers_scanned, "each": limits.cited_each},
        ):
            linked.append(cited)
            edges.append(
                Edge(node_id("paper", paper), node_id("paper", cited), "cites", why_cites())
            )
    papers_all = sorted({*papers, *linked})

    topic_rows = rows(TOPICS_SQL, {**p, "limit": limits.topics})
    totals["topic"] = topic_rows[0][2] if topic_rows else 0
    topic_nodes = label_nodes("topic", [r[0] for r in topic_rows])
    for tid, works, _ in topic_rows:
        edges.append(
            Edge(
                me, node_id("topic", tid), "topic", why_topic(topic_nodes[tid].label, works), works
            )
        )

    inst_rows = rows(INSTITUTIONS_SQL, {**p, "limit": limits.institutions})
    totals["institution"] = inst_rows[0][2] if inst_rows else 0
    inst_nodes = label_nodes("institution", [r[0] for r in inst_rows])
    for iid, works, _ in inst_rows:
        edges.append(
            Edge(
                me,
                node_id("institution", iid),
                "affiliation",
                why_affiliation(inst_nodes[iid].label, works),
                works,
            )
        )

    edges += edges_among(
        people_all,
        papers_all,
        list(topic_nodes),
        list(inst_nodes),
        {
            **{node_id("topic", k): v.label for k, v in topic_nodes.items()},
            **{node_id("institution", k): v.label for k, v in inst_nodes.items()},
        },
        own_papers=set(papers),
    )

    person_nodes = label_nodes("person", people_all)
    paper_nodes = label_nodes("paper", papers_all)
    nodes = [
        *(n for pk, n in person_nodes.items() if pk != rid),
        *paper_nodes.values(),
        *topic_nodes.values(),
        *inst_nodes.values(),
    ]
    return SliceInputs(center=center, nodes=nodes, edges=edges, totals=totals)


def edges_among(
    people: Sequence[int],
    papers: Sequence[int],
    topics: Sequence[int],
    institutions: Sequence[int],
    labels: dict[str, str],
    own_papers: set[int] | None = None,
) -> list[Edge]:
    """Edges between candidates already chosen: authorship, citation, topic, affiliation."""
    edges: list[Edge] = []
    own_papers = own_papers or set()
    if papers and people:
        for work, researcher in rows(AUTHORS_AMONG_SQL, {"papers": papers, "people": people}):
            edges.append(
                Edge(
                    node_id("person", researcher),
                    node_id("paper", work),
                    "authored",
                    why_authored(),
                )
            )
    if len(papers) > 1:
        for citing, cited in rows(CITES_AMONG_SQL, {"papers": papers}):
            edges.append(
                Edge(node_id("paper", citing), node_id("paper", cited), "cites", why_cites())
            )
    if papers and topics:
        for work, topic in rows(PAPER_TOPICS_AMONG_SQL, {"papers": papers, "topics": topics}):
            label = labels[node_id("topic", topic)]
            why = why_own_paper_topic(label) if work in own_papers else why_topic(label)
            edges.append(Edge(node_id("paper", work), node_id("topic", topic), "topic", why))
    if people and institutions:
        for researcher, inst in rows(
            AFFILIATED_AMONG_SQL, {"people": people, "institutions": institutions}
        ):
            edges.append(
                Edge(
                    node_id("person", researcher),
                    node_id("institution", inst),
                    "affiliation",
                    why_affiliation(labels[node_id("institution", inst)]),
                )
            )
    return edges
