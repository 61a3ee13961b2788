"""The explorer's reads: one node's neighbourhood at a time, and search.

Each expansion is the same kind of bounded, indexed SQL as the slice cut (`graph.cut`, whose
queries it reuses): at most `NEIGHBOURS_EACH` neighbours of each type per opened node, and at
most `EXPLORER_MAX_OPEN` opened nodes, so one explorer request reads a bounded number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.cut import (
    CITED_SQL,
    CITING_SQL,
    COAUTHORS_SQL,
    INSTITUTIONS_SQL,
    LIMITS,
    OWN_PAPERS_SQL,
    TOPICS_SQL,
    edges_among,
    label_nodes,
    rows,
)
from graph.nodes import (
    Edge,
    Node,
    SliceInputs,
    node_id,
    parse_node_id,
    why_affiliation,
    why_cites,
    why_coauthor,
    why_topic,
)
from profiles.models import Institution
from profiles.search import fold, prefix_only_matches, search_terms, whole_word_matches
from works.models import Topic, Work

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
    for other, shared, _ in rows(COAUTHORS_SQL, {**p, "limit": each}):
        ids["person"].add(other)
        edges.append(Edge(me, node_id("person", other), "coauthor", why_coauthor(shared), shared))
    for work, _, _ in rows(OWN_PAPERS_SQL, {**p, "limit": each}):
        ids["paper"].add(work)
    topic_rows = rows(TOPICS_SQL, {**p, "limit": max(each // 2, 1)})
    topics = label_nodes("topic", [r[0] for r in topic_rows])
    for tid, works, _ in topic_rows:
        ids["topic"].add(tid)
        edges.append(
            Edge(me, node_id("topic", tid), "topic", why_topic(topics[tid].label, works), works)
        )
    inst_rows = rows(INSTITUTIONS_SQL, {**p, "limit": max(each // 2, 1)})
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
    authors = rows(
        "SELECT researcher_id FROM works_authorship WHERE work_id = %(pk)s "
        "ORDER BY position LIMIT %(each)s",
        {"pk": pk, "each": each},
    )
    ids["person"].update(r[0] for r in authors)
    topic_ids = [
        r[0]
        for r in rows(
            "SELECT topic_id FROM works_worktopic WHERE work_id = %(pk)s "
            "ORDER BY score DESC, topic_id LIMIT %(each)s",
            {"pk": pk, "each": max(each // 2, 1)},
        )
    ]
    ids["topic"].update(topic_ids)
    for _, citing in rows(
        CITING_SQL, {"papers": [pk], "scanned": LIMITS.citers_scanned, "each": each}
    ):
        ids["paper"].add(citing)
        edges.append(Edge(node_id("paper", citing), me, "cites", why_cites()))
    for _, cited in rows(
        CITED_SQL, {"papers": [pk], "scanned": LIMITS.citers_scanned, "each": each}
    ):
        ids["paper"].add(cited)
        edges.append(Edge(me, node_id("paper", cited), "cites", why_cites()))
    return ids, edges


def _one_topic(pk: int, each: int) -> tuple[dict[str, set[int]], list[Edge]]:
    works = rows(
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
    people = rows(
        """SELECT DISTINCT researcher_id FROM (
             SELECT a.researcher_id FROM works_authorshipinstitution ai
             JOIN works_authorship a ON a.id = ai.authorship_id
             WHERE ai.institution_id = %(pk)s
             ORDER BY ai.authorship_id DESC LIMIT %(scan)s
           ) recent LIMIT %(each)s""",
        {"pk": pk, "each": each, "scan": each * 4},
    )
    affiliated = rows(
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
    ids: dict[str, set[int]] = {
        "person": set(),
        "paper": set(),
        "topic": set(),
        "institution": set(),
    }
    edges: list[Edge] = []
    brought: dict[str, set[str]] = {}
    for value in [focus, *opened]:
        parsed = parse_node_id(value)
        if parsed is None:
            continue
        kind, pk = parsed
        ids[kind].add(pk)
        found, found_edges = NEIGHBOURHOODS[kind](pk, each)
        for k, v in found.items():
            ids[k].update(v)
        brought[value] = {node_id(k, p) for k, v in found.items() for p in v}
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
    edges += edges_among(
        present["person"], present["paper"], present["topic"], present["institution"], labels
    )
    center = nodes.pop(focus)
    anchors = {focus, *opened}
    added_by = {
        value: mine
        - anchors
        - set().union(*(other for key, other in brought.items() if key != value))
        for value, mine in brought.items()
        if value != focus
    }
    return SliceInputs(center=center, nodes=list(nodes.values()), edges=edges, added_by=added_by)


def match_quality(label: str, terms: list[str]) -> int:
    """0: every query word is a whole word of the label; 1: every one starts a word; 2: less."""
    words = fold(label).replace("-", " ").split()
    words = ["".join(c for c in w if c.isalnum()) for w in words]
    folded = [fold(t) for t in terms]
    if all(t in words for t in folded):
        return 0
    if all(any(w.startswith(t) for w in words) for t in folded):
        return 1
    return 2


def search_nodes(query: str, each: int = 5) -> list[Node]:
    """People, papers, topics and institutions whose name matches, a few of each, best match
    first whatever the type: a label where every query word is a whole word ("pooling" in
    "Strip Pooling: …") before one where the words only start words or occur inside them.
    People match as on the home search (every word starts a word of the name), never by a
    loose resemblance of the whole name."""
    query = query.strip()
    terms = search_terms(query)
    if len(query) < 2 or not terms:
        return []
    found: list[Node] = []
    people = list(whole_word_matches(terms).select_related("affiliation")[:each])
    if len(people) < each:
        people += prefix_only_matches(terms).select_related("affiliation")[: each - len(people)]
    for r in people:
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
    # Stable: within one quality, people, papers, topics, institutions as fetched.
    return sorted(found, key=lambda node: match_quality(node.label, terms))
