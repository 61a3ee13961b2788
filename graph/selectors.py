"""The SQL cut of a researcher's neighbourhood: bounded, indexed queries, nothing global.

Every query starts from one researcher (or one node, for the explorer) and reads at most a
fixed number of rows: a researcher's works are scanned up to `SCAN_WORKS` (highest ids first,
an index-only scan of `authorship_researcher_work`), per-item lateral joins carry their own
LIMITs, and each candidate list is cut by LIMIT before networkx ranks it. The limits are the
*candidate* budget; `SliceCaps` (algorithms) is what the picture finally keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from graph.algorithms import (
    Edge,
    Node,
    SliceInputs,
    node_id,
    why_affiliation,
    why_authored,
    why_cites,
    why_coauthor,
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
"""

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
"""

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
"""

INSTITUTIONS_SQL = f"""
WITH {MINE}
SELECT ai.institution_id, count(*) AS works, count(*) OVER () AS total
FROM mine
JOIN works_authorship a ON a.work_id = mine.work_id AND a.researcher_id = %(rid)s
JOIN works_authorshipinstitution ai ON ai.authorship_id = a.id
GROUP BY ai.institution_id
ORDER BY works DESC, ai.institution_id
LIMIT %(limit)s
"""

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


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
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
            for pk, name, slug, affiliation in _rows(sql, {"ids": wanted})
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
            for pk, title, year, work_type, venue in _rows(sql, {"ids": wanted})
        }
    if kind == "topic":
        sql = """SELECT id, display_name, field FROM works_topic
                 WHERE id = ANY(%(ids)s::bigint[])"""
        return {
            pk: Node(node_id("topic", pk), "topic", name, detail=field_name)
            for pk, name, field_name in _rows(sql, {"ids": wanted})
        }
    sql = """SELECT id, display_name, country_code FROM profiles_institution
             WHERE id = ANY(%(ids)s::bigint[])"""
    return {
        pk: Node(node_id("institution", pk), "institution", name, detail=country)
        for pk, name, country in _rows(sql, {"ids": wanted})
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

    coauthors = _rows(COAUTHORS_SQL, {**p, "limit": limits.coauthors})
    totals["person"] = coauthors[0][2] if coauthors else 0
    people = [r[0] for r in coauthors]
    edges += [
        Edge(me, node_id("person", r), "coauthor", why_coauthor(n), n) for r, n, _ in coauthors
    ]
    second = (
        _rows(
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

    own = _rows(OWN_PAPERS_SQL, {**p, "limit": limits.own_papers})
    totals["paper"] = _rows(
        "SELECT count(*) FROM works_authorship WHERE researcher_id = %(rid)s", {"rid": rid}
    )[0][0]
    totals["scanned"] = own[0][2] if own else 0  # works the other counts are taken over
    papers = [r[0] for r in own]
    linked: list[int] = []
    if papers:
        for paper, citing in _rows(
            CITING_SQL,
            {"papers": papers, "scanned": limits.citers_scanned, "each": limits.citing_each},
        ):
            linked.append(citing)
            edges.append(
                Edge(node_id("paper", citing), node_id("paper", paper), "cites", why_cites())
            )
        for paper, cited in _rows(
            CITED_SQL,
            {"papers": papers, "scanned": limits.citers_scanned, "each": limits.cited_each},
        ):
            linked.append(cited)
            edges.append(
                Edge(node_id("paper", paper), node_id("paper", cited), "cites", why_cites())
            )
    papers_all = sorted({*papers, *linked})

    topic_rows = _rows(TOPICS_SQL, {**p, "limit": limits.topics})
    totals["topic"] = topic_rows[0][2] if topic_rows else 0
    topic_nodes = label_nodes("topic", [r[0] for r in topic_rows])
    for tid, works, _ in topic_rows:
        edges.append(
            Edge(
                me, node_id("topic", tid), "topic", why_topic(topic_nodes[tid].label, works), works
            )
        )

    inst_rows = _rows(INSTITUTIONS_SQL, {**p, "limit": limits.institutions})
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

    edges += _edges_among(
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


def _edges_among(
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
        for work, researcher in _rows(AUTHORS_AMONG_SQL, {"papers": papers, "people": people}):
            edges.append(
                Edge(
                    node_id("person", researcher),
                    node_id("paper", work),
                    "authored",
                    why_authored(),
                )
            )
    if len(papers) > 1:
        for citing, cited in _rows(CITES_AMONG_SQL, {"papers": papers}):
            edges.append(
                Edge(node_id("paper", citing), node_id("paper", cited), "cites", why_cites())
            )
    if papers and topics:
        for work, topic in _rows(PAPER_TOPICS_AMONG_SQL, {"papers": papers, "topics": topics}):
            label = labels[node_id("topic", topic)]
            # The researcher's own works are "on" a topic; the others share it with them.
            why = f"on topic {label}" if work in own_papers else why_topic(label)
            edges.append(Edge(node_id("paper", work), node_id("topic", topic), "topic", why))
    if people and institutions:
        for researcher, inst in _rows(
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


# --- The explorer: one node's neighbourhood at a time -----------------------------------

NEIGHBOURS_EACH = 8  # neighbours of each type one expansion adds, at most
EXPLORER_MAX_OPEN = 8  # expanded nodes kept in the explorer's state (oldest dropped first)


def _one_person(pk: int, each: int) -> tuple[dict[str, set[int]], list[Edge]]:
    me = node_id("person", pk)
    p = {"rid": pk, "scan": LIMITS.scan_works}
    ids: dict[str, set[int]] = {
        "person": set(),
        "paper": set(),
        "topic": set(),
        "institution": set(),
    }
    edges: list[Edge] = []
    for other, shared, _ in _rows(COAUTHORS_SQL, {**p, "limit": each}):
        ids["person"].add(other)
        edges.append(Edge(me, node_id("person", other), "coauthor", why_coauthor(shared), shared))
    for work, _, _ in _rows(OWN_PAPERS_SQL, {**p, "limit": each}):
        ids["paper"].add(work)
    topic_rows = _rows(TOPICS_SQL, {**p, "limit": max(each // 2, 1)})
    topics = label_nodes("topic", [r[0] for r in topic_rows])
    for tid, works, _ in topic_rows:
        ids["topic"].add(tid)
        edges.append(
            Edge(me, node_id("topic", tid), "topic", why_topic(topics[tid].label, works), works)
        )
    inst_rows = _rows(INSTITUTIONS_SQL, {**p, "limit": max(each // 2, 1)})
    insts = label_nodes("institution", [r[0] for r in inst_rows])
    for iid, works, _ in inst_rows:
        ids["institution"].add(iid)
        edges.append(
            Edge(
                me,
                node_id("institution", iid),
                "affiliation",
                why_affiliation(insts[iid].label, works),
                works,
            )
        )
    return ids, edges


def _one_paper(pk: int, each: int) -> tuple[dict[str, set[int]], list[Edge]]:
    me = node_id("paper", pk)
    ids: dict[str, set[int]] = {
        "person": set(),
        "paper": set(),
        "topic": set(),
        "institution": set(),
    }
    edges: list[Edge] = []
    authors = _rows(
        "SELECT researcher_id FROM works_authorship WHERE work_id = %(pk)s "
        "ORDER BY position LIMIT %(each)s",
        {"pk": pk, "each": each},
    )
    ids["person"].update(r[0] for r in authors)
    topic_ids = [
        r[0]
        for r in _rows(
            "SELECT topic_id FROM works_worktopic WHERE work_id = %(pk)s "
            "ORDER BY score DESC, topic_id LIMIT %(each)s",
            {"pk": pk, "each": max(each // 2, 1)},
        )
    ]
    ids["topic"].update(topic_ids)
    for _, citing in _rows(
        CITING_SQL, {"papers": [pk], "scanned": LIMITS.citers_scanned, "each": each}
    ):
        ids["paper"].add(citing)
        edges.append(Edge(node_id("paper", citing), me, "cites", why_cites()))
    for _, cited in _rows(
        CITED_SQL, {"papers": [pk], "scanned": LIMITS.citers_scanned, "each": each}
    ):
        ids["paper"].add(cited)
        edges.append(Edge(me, node_id("paper", cited), "cites", why_cites()))
    return ids, edges


def _one_topic(pk: int, each: int) -> tuple[dict[str, set[int]], list[Edge]]:
    works = _rows(
        "SELECT work_id FROM works_worktopic WHERE topic_id = %(pk)s "
        "ORDER BY work_id DESC LIMIT %(each)s",
        {"pk": pk, "each": each},
    )
    return {
        "person": set(),
        "paper": {r[0] for r in works},
        "topic": set(),
        "institution": set(),
    }, []


def _one_institution(pk: int, each: int) -> tuple[dict[str, set[int]], list[Edge]]:
    people = _rows(
        """SELECT DISTINCT researcher_id FROM (
             SELECT a.researcher_id FROM works_authorshipinstitution ai
             JOIN works_authorship a ON a.id = ai.authorship_id
             WHERE ai.institution_id = %(pk)s
             ORDER BY ai.authorship_id DESC LIMIT %(scan)s
           ) recent LIMIT %(each)s""",
        {"pk": pk, "each": each, "scan": each * 4},
    )
    affiliated = _rows(
        "SELECT id FROM profiles_researcher WHERE affiliation_id = %(pk)s "
        "ORDER BY id LIMIT %(each)s",
        {"pk": pk, "each": each},
    )
    ids = {r[0] for r in people} | {r[0] for r in affiliated}
    label = label_nodes("institution", [pk])
    why = why_affiliation(label[pk].label) if pk in label else ""
    me = node_id("institution", pk)
    edges = [Edge(node_id("person", r), me, "affiliation", why) for r in sorted(ids)]
    return {"person": ids, "paper": set(), "topic": set(), "institution": set()}, edges


NEIGHBOURHOODS = {
    "person": _one_person,
    "paper": _one_paper,
    "topic": _one_topic,
    "institution": _one_institution,
}


def explorer_inputs(
    focus: str, opened: Sequence[str], each: int = NEIGHBOURS_EACH
) -> SliceInputs | None:
    """The focus and the neighbourhoods of every opened node, with all edges among them.
    None when the focus does not exist."""
    from graph.algorithms import parse_node_id

    ids: dict[str, set[int]] = {
        "person": set(),
        "paper": set(),
        "topic": set(),
        "institution": set(),
    }
    edges: list[Edge] = []
    for value in [focus, *opened]:
        parsed = parse_node_id(value)
        if parsed is None:
            continue
        kind, pk = parsed
        ids[kind].add(pk)
        found, found_edges = NEIGHBOURHOODS[kind](pk, each)
        for k, v in found.items():
            ids[k].update(v)
        edges += found_edges
    nodes: dict[str, Node] = {}
    for kind, pks in ids.items():
        for node in label_nodes(kind, pks).values():
            nodes[node.id] = node
    if focus not in nodes:
        return None
    labels = {k: n.label for k, n in nodes.items()}
    present = {
        kind: sorted(pk for pk in pks if node_id(kind, pk) in nodes) for kind, pks in ids.items()
    }
    edges += _edges_among(
        present["person"], present["paper"], present["topic"], present["institution"], labels
    )
    center = nodes.pop(focus)
    return SliceInputs(center=center, nodes=list(nodes.values()), edges=edges)


def search_nodes(query: str, each: int = 5) -> list[Node]:
    """People, papers, topics and institutions whose name matches, a few of each."""
    from profiles.models import Institution, Researcher
    from works.models import Topic, Work

    query = query.strip()
    if len(query) < 2:
        return []
    found: list[Node] = []
    for r in Researcher.objects.search(query).select_related("affiliation")[:each]:
        found.append(
            Node(
                node_id("person", r.pk),
                "person",
                r.display_name,
                slug=r.slug,
                detail=r.affiliation.display_name if r.affiliation else "",
            )
        )
    # Titles have no trigram index: a plain scan that stops at the first few matches.
    for w in Work.objects.filter(title__icontains=query).only("pk", "title", "publication_year")[
        :each
    ]:
        found.append(
            Node(node_id("paper", w.pk), "paper", w.title, detail=str(w.publication_year or ""))
        )
    for t in Topic.objects.filter(display_name__icontains=query).order_by("display_name")[:each]:
        found.append(Node(node_id("topic", t.pk), "topic", t.display_name, detail=t.field))
    for i in Institution.objects.filter(display_name__icontains=query).order_by("display_name")[
        :each
    ]:
        found.append(Node(node_id("institution", i.pk), "institution", i.display_name))
    return found
