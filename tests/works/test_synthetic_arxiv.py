"""The benchmark's synthetic arXiv records read like the real file (no database)."""

from __future__ import annotations

from collections import Counter

from bench.synthetic import iter_arxiv_records
from profiles.identity import names_compatible
from works.importers.arxiv import parse_arxiv


def test_synthetic_arxiv_records_parse_cleanly_with_name_variants_and_namesakes():
    records = list(iter_arxiv_records(400, 150, seed=7))

    parsed = [parse_arxiv("synthetic.jsonl", i, r) for i, r in enumerate(records, start=1)]

    assert len({p.arxiv_id for p in parsed}) == 400
    assert all(p.dropped == [] and p.authors and p.categories for p in parsed)
    printed = Counter(match for p in parsed for _display, match in p.authors)
    # One person printed differently on different papers, still compatible by the rule …
    assert any(
        a != b and names_compatible(a, b) and a.split(",")[0] == b.split(",")[0]
        for a in printed
        for b in printed
        if a.startswith("Wang")
    )
    # … and namesakes: one family name carried by many different people.
    families = Counter(match.split(",")[0] for match in printed)
    assert families.most_common(1)[0][1] >= 10
