"""Synthetic bibliographic corpora with realistic skew, for benchmarks only (never demo data).

Three outputs from one model of the corpus:

* OpenAlex-API-shaped work records (`iter_openalex_works`), written as JSON Lines or as the
  snapshot's gzipped part files by `python -m bench.synthetic openalex OUT --works N`;
* arXiv bulk-metadata records in the Kaggle snapshot's shape (`iter_arxiv_records`: `id`,
  `authors`, `authors_parsed`, `categories`, `versions`, `update_date`, …), written as JSON Lines
  by `python -m bench.synthetic arxiv OUT --records N`. Each synthetic person has one name (family
  names Zipf-skewed over a list mixing common Chinese, Korean, Vietnamese, Indian, European and
  Latin American ones, so namesakes abound) printed in a variant per paper, as arXiv authors do:
  full, initials, a middle initial or not, hyphenated or spaced given names, accents or not;
* a direct load of the project's tables with COPY (`python -m bench.synthetic load --database-url
  URL --works N --researchers R`), for benchmarks that need a big corpus in PostgreSQL fast.

The skew: author productivity follows a Zipf-like law (the author of rank k is picked with weight
1/(k + k0)^1.2, k0 = researchers/1000): at 200,000 researchers and 3.5 M authorships the most
prolific has ~4,600 works, the median ~3, a third have two or fewer; author lists are short
(mean ~3.5) except for a rare "big science" work with thousands of authors; citations prefer
older and already-popular works; each author has a home institution and a home topic, so
co-authorship, topics and institutions cluster like real ones.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WORDS = (  # noqa: SIM905 - a sentence reads better than 60 quoted words
    "learning network model data analysis method results system approach based performance "
    "deep neural graph training image video language protein cell gene climate energy "
    "optimization algorithm distributed parallel memory estimation inference robust adaptive "
    "spatial temporal structure dynamics evaluation framework large scale efficient novel "
    "experimental theoretical simulation measurement sensor signal control policy economic "
    "biodiversity species ecosystem finance market risk quantum material surface catalyst"
).split()

FIELDS = [
    ("Computer Science", "Physical Sciences"),
    ("Medicine", "Health Sciences"),
    ("Biochemistry, Genetics and Molecular Biology", "Life Sciences"),
    ("Physics and Astronomy", "Physical Sciences"),
    ("Environmental Science", "Physical Sciences"),
    ("Economics, Econometrics and Finance", "Social Sciences"),
    ("Engineering", "Physical Sciences"),
    ("Agricultural and Biological Sciences", "Life Sciences"),
]

WORK_TYPES = ["article"] * 8 + ["preprint", "book-chapter", "dataset", "review"]


@dataclass(frozen=True)
class CorpusShape:
    works: int
    researchers: int
    institutions: int = 0
    topics: int = 0
    sources: int = 0
    zipf_s: float = 1.2  # productivity exponent: author of rank k weighs 1 / (k + k0)^s
    zipf_k0: int = 0  # flattens the head (default researchers / 1000)
    mean_authors: float = 3.5
    huge_list_rate: float = 5e-6  # share of works with thousands of authors
    mean_references: float = 10.0
    seed: int = 42

    def resolved(self) -> CorpusShape:
        return CorpusShape(
            works=self.works,
            researchers=self.researchers,
            institutions=self.institutions or max(10, self.researchers // 40),
            topics=self.topics or min(4500, max(20, self.works // 200)),
            sources=self.sources or max(5, self.works // 500),
            zipf_s=self.zipf_s,
            zipf_k0=self.zipf_k0 or max(1, self.researchers // 1000),
            mean_authors=self.mean_authors,
            huge_list_rate=self.huge_list_rate,
            mean_references=self.mean_references,
            seed=self.seed,
        )


class Corpus:
    """The random model; every draw is reproducible from `shape.seed`."""

    def __init__(self, shape: CorpusShape) -> None:
        self.shape = shape.resolved()
        s = self.shape
        self.rng = np.random.default_rng(s.seed)
        ranks = np.arange(1, s.researchers + 1, dtype=np.float64)
        weights = 1.0 / (ranks + s.zipf_k0) ** s.zipf_s
        self.author_cdf = np.cumsum(weights) / weights.sum()
        # Shuffle which researcher id is prolific, so productivity is not the id order.
        self.author_of_rank = self.rng.permutation(s.researchers) + 1
        self.home_institution = self.rng.integers(1, s.institutions + 1, size=s.researchers + 1)
        self.home_topic = self.rng.integers(1, s.topics + 1, size=s.researchers + 1)

    def sample_authors(self, n: int) -> np.ndarray:
        ranks = np.searchsorted(self.author_cdf, self.rng.random(n))
        return self.author_of_rank[np.minimum(ranks, self.shape.researchers - 1)]

    def authors_per_work(self, n: int) -> np.ndarray:
        # 1 + Poisson gives a mean of `mean_authors` and a realistic short-list majority.
        counts = 1 + self.rng.poisson(self.shape.mean_authors - 1, size=n)
        huge = self.rng.random(n) < self.shape.huge_list_rate
        counts[huge] = self.rng.integers(1000, 5000, size=int(huge.sum()))
        if n >= 1000 and not huge.any():
            counts[self.rng.integers(0, n)] = 2000  # at least one big-science work at scale
        return counts

    def references(self, work_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(citing, cited) pairs: older works are cited, popular ones more often."""
        per_work = self.rng.poisson(self.shape.mean_references, size=len(work_ids))
        citing = np.repeat(work_ids, per_work)
        # u^2 skews toward the oldest (lowest id) works: preferential attachment by age.
        u = self.rng.random(len(citing))
        cited = np.floor((citing - 1) * u**2).astype(np.int64) + 1
        keep = cited < citing
        return citing[keep], cited[keep]


def topic_fields(topic_id: int) -> tuple[str, str, str]:
    field, domain = FIELDS[topic_id % len(FIELDS)]
    return f"Synthetic topic {topic_id}", field, domain


def inverted_index(rng: np.random.Generator, length: int) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word_id in enumerate(rng.integers(0, len(WORDS), size=length)):
        index.setdefault(WORDS[word_id], []).append(position)
    return index


def iter_openalex_works(
    n_works: int, n_authors: int, seed: int = 42, *, start_id: int = 1
) -> Iterator[dict[str, Any]]:
    """OpenAlex-API-shaped work records (the current schema: primary_location, topics, …)."""
    corpus = Corpus(CorpusShape(works=n_works, researchers=n_authors, seed=seed))
    shape = corpus.shape
    rng = corpus.rng
    batch = 10_000
    for first in range(start_id, start_id + n_works, batch):
        ids = np.arange(first, min(first + batch, start_id + n_works))
        counts = corpus.authors_per_work(len(ids))
        authors = corpus.sample_authors(int(counts.sum()))
        citing, cited = corpus.references(ids)
        refs_by_work: dict[int, list[int]] = {}
        for a, b in zip(citing.tolist(), cited.tolist(), strict=True):
            refs_by_work.setdefault(a, []).append(b)
        offset = 0
        for work_id, count in zip(ids.tolist(), counts.tolist(), strict=True):
            team = list(dict.fromkeys(authors[offset : offset + count].tolist()))
            offset += count
            yield _work_record(rng, shape, corpus, work_id, team, refs_by_work.get(work_id, []))


def _work_record(
    rng: np.random.Generator,
    shape: CorpusShape,
    corpus: Corpus,
    work_id: int,
    team: list[int],
    refs: list[int],
) -> dict[str, Any]:
    year = int(1990 + (work_id * 35) // max(shape.works, 1))
    source_id = int(rng.integers(1, shape.sources + 1))
    home = int(corpus.home_topic[team[0]])
    topic_ids = sorted({home, int((home + rng.integers(0, 3)) % shape.topics) + 1})
    title_words = [WORDS[i] for i in rng.integers(0, len(WORDS), size=8)]
    source = {
        "id": f"https://openalex.org/S{source_id}",
        "display_name": f"Journal of Synthetic Studies {source_id}",
        "issn_l": None,
        "type": "journal",
    }
    return {
        "id": f"https://openalex.org/W{work_id}",
        "doi": f"https://doi.org/10.5555/synthetic.{work_id}",
        "title": " ".join(title_words).capitalize(),
        "display_name": " ".join(title_words).capitalize(),
        "publication_year": year,
        "publication_date": f"{year}-{1 + work_id % 12:02d}-{1 + work_id % 28:02d}",
        "type": WORK_TYPES[work_id % len(WORK_TYPES)],
        "language": "en",
        "cited_by_count": int(rng.integers(0, 200)),
        "updated_date": "2025-01-01T00:00:00.000000",
        "primary_location": {"source": source, "landing_page_url": None, "is_oa": False},
        "locations": [
            {"source": source, "landing_page_url": f"https://example.org/w/{work_id}"},
            {"source": None, "landing_page_url": f"https://repository.example.org/{work_id}"},
        ],
        "authorships": [
            {
                "author_position": "first"
                if i == 0
                else ("last" if i == len(team) - 1 else "middle"),
                "author": {
                    "id": f"https://openalex.org/A{author}",
                    "display_name": f"Author {author}",
                    "orcid": None,
                },
                "institutions": [
                    {
                        "id": f"https://openalex.org/I{corpus.home_institution[author]}",
                        "display_name": f"Institute {corpus.home_institution[author]}",
                        "ror": f"https://ror.org/s{corpus.home_institution[author]:07d}",
                        "country_code": "US",
                        "type": "education",
                    }
                ],
                "raw_author_name": f"Author {author}",
                "is_corresponding": i == 0,
            }
            for i, author in enumerate(team)
        ],
        "topics": [
            {
                "id": f"https://openalex.org/T{t}",
                "display_name": topic_fields(t)[0],
                "score": round(float(rng.random()), 4),
                "subfield": {"display_name": f"Subfield {t % 250}"},
                "field": {"display_name": topic_fields(t)[1]},
                "domain": {"display_name": topic_fields(t)[2]},
            }
            for t in topic_ids
        ],
        "abstract_inverted_index": inverted_index(rng, int(rng.integers(80, 220))),
        "referenced_works": [f"https://openalex.org/W{r}" for r in refs],
    }


FAMILY_NAMES = (  # noqa: SIM905 - commonest first: the Zipf draw makes the first ones frequent
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Kim Lee "
    "Park Nguyen Tran Singh Kumar Sharma Patel Smith Johnson Williams Brown Jones Müller Schmidt "
    "Schneider Fischer García Martínez Rodríguez López González Pérez Rossi Russo Ferrari Dubois "
    "Martin Bernard Novák Kowalski Nowak Ivanov Petrov Tanaka Suzuki Takahashi Watanabe Sato "
    "Yamamoto Cohen Levi Silva Santos Oliveira Costa Andersson Johansson Nielsen Jensen Hansen "
    "O'Brien Murphy Kelly Walsh Dupont Lefebvre Moreau Girard Bianchi Romano Colombo Ricci "
    "Marino Greco Bruno Gallo Conti Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri"
).split()
GIVEN_NAMES = (  # noqa: SIM905 - a paragraph reads better than quoted words
    "Wei Jing Jun Lei Yan Hui Xin Min Yu Hao Jian Feng Tao Bo Yang Yi Chao Ming Li Jie Chien-Peng "
    "Jae-Won Min-Soo Ji-Hoon Anh Minh Thanh Arjun Priya Rahul Anita John Mary Michael Sarah "
    "David Anna Thomas Laura Peter Maria José Luis Carlos Ana Jean-Pierre Marie-Claire François "
    "Hélène Jürgen Björn Søren Zoë Giuseppe Giulia Marco Francesca Hiroshi Yuki Kenji Akiko "
    "Olga Ivan Sergei Natalia Pavel Tomasz Agnieszka Erik Ingrid Lars Sean Siobhan Ciarán"
).split()
ARXIV_CATEGORIES = (  # noqa: SIM905 - a list reads better as words
    "cs.LG cs.CV cs.CL cs.AI stat.ML math.OC math.PR hep-ph hep-th quant-ph cond-mat.mtrl-sci "
    "cond-mat.stat-mech astro-ph.GA astro-ph.CO gr-qc physics.optics q-bio.NC eess.SP econ.EM"
).split()


def _zipf_index(rng: np.random.Generator, n: int, size: int | None = None) -> Any:
    weights = 1.0 / np.arange(1, n + 1) ** 1.1
    return rng.choice(n, size=size, p=weights / weights.sum())


def _person_names(rng: np.random.Generator, n_authors: int) -> list[tuple[str, list[str]]]:
    """(family, given names) per synthetic person id (index 0 unused)."""
    families = _zipf_index(rng, len(FAMILY_NAMES), n_authors + 1)
    firsts = rng.integers(0, len(GIVEN_NAMES), size=n_authors + 1)
    middles = rng.integers(0, len(GIVEN_NAMES), size=n_authors + 1)
    has_middle = rng.random(n_authors + 1) < 0.25
    return [
        (
            FAMILY_NAMES[families[i]],
            [GIVEN_NAMES[firsts[i]], *([GIVEN_NAMES[middles[i]]] if has_middle[i] else [])],
        )
        for i in range(n_authors + 1)
    ]


def _strip_accents(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _printed_name(rng: np.random.Generator, family: str, given: list[str]) -> tuple[str, str]:
    """(family, given) as one paper prints them: a variant chosen per occurrence."""
    style = rng.random()
    if style < 0.45:
        shown = list(given)  # full
    elif style < 0.75:
        shown = [f"{g[0]}." for g in given]  # initials
    elif style < 0.85:
        shown = [given[0]] + [f"{g[0]}." for g in given[1:]]  # middle initial
    elif style < 0.92:
        shown = [g.replace("-", " ") for g in given]  # hyphen dropped
    else:
        shown = [_strip_accents(g) for g in given]
    family_shown = _strip_accents(family) if rng.random() < 0.1 else family
    if rng.random() < 0.03:
        family_shown = family_shown.upper()
    return family_shown, " ".join(shown)


def iter_arxiv_records(n_records: int, n_authors: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """arXiv bulk-metadata records (the Kaggle snapshot's shape), teams from the corpus model."""
    corpus = Corpus(CorpusShape(works=n_records, researchers=n_authors, seed=seed))
    rng = corpus.rng
    names = _person_names(rng, n_authors)
    batch = 10_000
    for first in range(1, n_records + 1, batch):
        ids = np.arange(first, min(first + batch, n_records + 1))
        counts = np.minimum(corpus.authors_per_work(len(ids)), 50)
        authors = corpus.sample_authors(int(counts.sum()))
        offset = 0
        for number, count in zip(ids.tolist(), counts.tolist(), strict=True):
            team = list(dict.fromkeys(authors[offset : offset + count].tolist()))
            offset += count
            year = 7 + (number * 18) // max(n_records, 1)
            month = 1 + number % 12
            printed = [_printed_name(rng, *names[a]) for a in team]
            home = int(corpus.home_topic[team[0]])
            categories = sorted(
                {ARXIV_CATEGORIES[home % len(ARXIV_CATEGORIES)]}
                | {
                    ARXIV_CATEGORIES[int(c)]
                    for c in rng.integers(0, len(ARXIV_CATEGORIES), size=rng.integers(0, 3))
                }
            )
            title_words = [WORDS[i] for i in rng.integers(0, len(WORDS), size=8)]
            yield {
                "id": f"{year:02d}{month:02d}.{number:05d}",
                "submitter": " ".join(reversed(printed[0])),
                "authors": ", ".join(f"{g} {f}" for f, g in printed),
                "title": " ".join(title_words).capitalize(),
                "comments": f"{int(rng.integers(4, 40))} pages",
                "journal-ref": None,
                "doi": f"10.5555/arxiv.synthetic.{number}" if number % 3 == 0 else None,
                "report-no": None,
                "categories": " ".join(categories),
                "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
                "abstract": " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), size=120)),
                "versions": [
                    {
                        "version": "v1",
                        "created": f"Mon, {1 + number % 28} Apr 20{year:02d} 10:00:00 GMT",
                    }
                ],
                "update_date": f"20{year:02d}-{month:02d}-{1 + number % 28:02d}",
                "authors_parsed": [[f, g, ""] for f, g in printed],
            }


def write_arxiv(path: Path, n_records: int, n_authors: int, seed: int) -> None:
    """JSON Lines, as the Kaggle snapshot is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in iter_arxiv_records(n_records, n_authors, seed):
            out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")


def write_openalex(path: Path, n_works: int, n_authors: int, seed: int) -> None:
    """JSON Lines; gzipped when the name ends in .gz (the snapshot's part-file shape)."""
    opener = gzip.open if path.suffix == ".gz" else open
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wt", encoding="utf-8") as out:
        for record in iter_openalex_works(n_works, n_authors, seed):
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")


# --- direct load into PostgreSQL -----------------------------------------------------------


def _copy(cursor: Any, table: str, columns: list[str], lines: Iterator[str]) -> int:
    rows = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for line in lines:
            buffer.write(line)
            rows += 1
            if buffer.tell() > 8_000_000:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return rows


def load_database(database_url: str, shape: CorpusShape, *, log: Any = print) -> dict[str, int]:
    """Fill the project's (migrated, empty) tables with a synthetic corpus using COPY."""
    import psycopg

    corpus = Corpus(shape)
    s = corpus.shape
    rng = corpus.rng
    counts: dict[str, int] = {}
    started = time.monotonic()
    now = "2025-01-01 00:00:00+00"
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        existing = cur.execute("SELECT count(*) FROM works_work").fetchone()
        if existing and existing[0]:
            raise SystemExit("works_work is not empty: load into a freshly migrated database")

        counts["institutions"] = _copy(
            cur,
            "profiles_institution",
            [
                "id",
                "openalex_id",
                "ror_id",
                "display_name",
                "country_code",
                "institution_type",
                "homepage_url",
                "domains",
            ],
            (
                f"{i}\tI{i}\ts{i:07d}\tInstitute {i}\tUS\teducation\t\t{{inst{i}.example.org}}\n"
                for i in range(1, s.institutions + 1)
            ),
        )
        counts["topics"] = _copy(
            cur,
            "works_topic",
            ["id", "origin", "external_id", "display_name", "subfield", "field", "domain"],
            (
                f"{t}\topenalex\tT{t}\t{topic_fields(t)[0]}\tSubfield {t % 250}\t"
                f"{topic_fields(t)[1]}\t{topic_fields(t)[2]}\n"
                for t in range(1, s.topics + 1)
            ),
        )
        counts["sources"] = _copy(
            cur,
            "works_source",
            ["id", "openalex_id", "display_name", "issn_l", "source_type"],
            (
                f"{i}\tS{i}\tJournal of Synthetic Studies {i}\t\tjournal\n"
                for i in range(1, s.sources + 1)
            ),
        )
        counts["researchers"] = _copy(
            cur,
            "profiles_researcher",
            [
                "id",
                "slug",
                "display_name",
                "name_variants",
                "headline",
                "affiliation_id",
                "open_to_collaborate",
                "openalex_id",
                "verification_level",
                "claim_status",
                "data_version",
                "created_at",
                "updated_at",
            ],
            (
                f"{r}\tauthor-{r}\tAuthor {r}\t{{}}\t\t{corpus.home_institution[r]}\tf\tA{r}\t1\t"
                f"unclaimed\t1\t{now}\t{now}\n"
                for r in range(1, s.researchers + 1)
            ),
        )
        log(f"  entities in {time.monotonic() - started:.0f}s")

        authorship_id = 0
        totals = {"works": 0, "authorships": 0, "work_topics": 0, "citations": 0}
        batch = 200_000
        for first in range(1, s.works + 1, batch):
            ids = np.arange(first, min(first + batch, s.works + 1), dtype=np.int64)
            n_authors = corpus.authors_per_work(len(ids))
            work_of = np.repeat(ids, n_authors)
            author = corpus.sample_authors(len(work_of))
            # One authorship per (work, researcher): drop repeats, keep the first position.
            key = work_of * (s.researchers + 1) + author
            _, first_seen = np.unique(key, return_index=True)
            first_seen.sort()
            work_of, author = work_of[first_seen], author[first_seen]
            starts = np.r_[0, np.flatnonzero(np.diff(work_of)) + 1]
            position = np.arange(len(work_of)) - np.repeat(
                starts, np.diff(np.r_[starts, len(work_of)])
            )
            years = 1990 + (ids * 35) // s.works
            source = rng.integers(1, s.sources + 1, size=len(ids))
            totals["works"] += _copy(
                cur,
                "works_work",
                [
                    "id",
                    "openalex_id",
                    "doi",
                    "work_type",
                    "publication_year",
                    "title",
                    "abstract",
                    "language",
                    "source_id",
                    "venue",
                    "cited_by_count",
                    "created_at",
                    "updated_at",
                ],
                (
                    f"{w}\tW{w}\t10.5555/synthetic.{w}\t{WORK_TYPES[w % len(WORK_TYPES)]}\t{y}\t"
                    f"Synthetic study {w} of {WORDS[w % len(WORDS)]} "
                    f"{WORDS[(w * 7) % len(WORDS)]}\t"
                    f"\ten\t{src}\t\t0\t{now}\t{now}\n"
                    for w, y, src in zip(ids.tolist(), years.tolist(), source.tolist(), strict=True)
                ),
            )
            ship_ids = np.arange(authorship_id + 1, authorship_id + 1 + len(work_of))
            authorship_id += len(work_of)
            totals["authorships"] += _copy(
                cur,
                "works_authorship",
                [
                    "id",
                    "work_id",
                    "researcher_id",
                    "position",
                    "raw_author_name",
                    "is_corresponding",
                ],
                (
                    f"{i}\t{w}\t{a}\t{p}\tAuthor {a}\t{'t' if p == 0 else 'f'}\n"
                    for i, w, a, p in zip(
                        ship_ids.tolist(),
                        work_of.tolist(),
                        author.tolist(),
                        position.tolist(),
                        strict=True,
                    )
                ),
            )
            _copy(
                cur,
                "works_authorshipinstitution",
                ["authorship_id", "institution_id"],
                (
                    f"{i}\t{corpus.home_institution[a]}\n"
                    for i, a in zip(ship_ids.tolist(), author.tolist(), strict=True)
                ),
            )
            home = corpus.home_topic[author[starts]]
            extra = (home + rng.integers(1, 4, size=len(home))) % s.topics + 1
            totals["work_topics"] += _copy(
                cur,
                "works_worktopic",
                ["work_id", "topic_id", "score"],
                (
                    line
                    for w, h, e in zip(ids.tolist(), home.tolist(), extra.tolist(), strict=True)
                    for line in ([f"{w}\t{h}\t0.9\n"] + ([f"{w}\t{e}\t0.5\n"] if e != h else []))
                ),
            )
            citing, cited = corpus.references(ids)
            pair = np.unique(citing * (s.works + 1) + cited)
            citing, cited = pair // (s.works + 1), pair % (s.works + 1)
            totals["citations"] += _copy(
                cur,
                "works_citation",
                ["citing_id", "cited_openalex_id", "cited_id"],
                (f"{a}\tW{b}\t{b}\n" for a, b in zip(citing.tolist(), cited.tolist(), strict=True)),
            )
            conn.commit()
            done = totals["works"]
            elapsed = time.monotonic() - started
            log(
                f"  {done:,}/{s.works:,} works, {totals['authorships']:,} authorships, "
                f"{totals['citations']:,} citations ({elapsed:.0f}s)"
            )
        counts.update(totals)
        for table in [
            "profiles_institution",
            "works_topic",
            "works_source",
            "profiles_researcher",
            "works_work",
            "works_authorship",
            "works_authorshipinstitution",
            "works_worktopic",
            "works_citation",
        ]:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table names from a fixed list in this file
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        conn.commit()
        cur.execute("ANALYZE")
    log(f"loaded in {time.monotonic() - started:.0f}s: {counts}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    oa = sub.add_parser("openalex", help="write OpenAlex-shaped works (JSONL, or .gz part file)")
    oa.add_argument("out", type=Path)
    oa.add_argument("--works", type=int, required=True)
    oa.add_argument("--authors", type=int, default=0, help="default: works / 5")
    oa.add_argument("--seed", type=int, default=42)
    ax = sub.add_parser("arxiv", help="write arXiv-shaped records (Kaggle snapshot JSON Lines)")
    ax.add_argument("out", type=Path)
    ax.add_argument("--records", type=int, required=True)
    ax.add_argument("--authors", type=int, default=0, help="default: records / 2")
    ax.add_argument("--seed", type=int, default=42)
    load = sub.add_parser("load", help="fill a migrated, empty database with COPY")
    load.add_argument("--database-url", required=True)
    load.add_argument("--works", type=int, required=True)
    load.add_argument("--researchers", type=int, required=True)
    load.add_argument("--seed", type=int, default=42)
    load.add_argument(
        "--defer-indexes",
        action="store_true",
        help="drop the works tables' secondary indexes and foreign keys first and build them\n"
        "after, as `import_openalex --bulk` does (its code): much faster at millions of works",
    )
    args = parser.parse_args(argv)
    if args.action == "openalex":
        authors = args.authors or max(1, args.works // 5)
        started = time.monotonic()
        write_openalex(args.out, args.works, authors, args.seed)
        size = args.out.stat().st_size
        print(
            f"wrote {args.works:,} works by up to {authors:,} authors to {args.out} "
            f"({size / 1e6:.0f} MB) in {time.monotonic() - started:.0f}s"
        )
    elif args.action == "arxiv":
        authors = args.authors or max(1, args.records // 2)
        started = time.monotonic()
        write_arxiv(args.out, args.records, authors, args.seed)
        size = args.out.stat().st_size
        print(
            f"wrote {args.records:,} arXiv records by up to {authors:,} people to {args.out} "
            f"({size / 1e6:.0f} MB) in {time.monotonic() - started:.0f}s"
        )
    else:
        shape = CorpusShape(works=args.works, researchers=args.researchers, seed=args.seed)
        if not args.defer_indexes:
            load_database(args.database_url, shape)
            return 0
        import os

        import django

        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        django.setup()
        from works.importers.openalex_bulk import bulk_load_begin, bulk_load_finish

        print(f"deferred {bulk_load_begin()} indexes and foreign keys")
        load_database(args.database_url, shape)
        finish = bulk_load_finish()
        print(f"built {finish.rebuilt} indexes and foreign keys in {finish.seconds:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "Corpus",
    "CorpusShape",
    "iter_arxiv_records",
    "iter_openalex_works",
    "load_database",
    "write_arxiv",
    "write_openalex",
]
