"""Citation formats, read back with independent parsers: bibtexparser (+ pylatexenc to decode
LaTeX), rispy, and citeproc-py reading our CSL-JSON. No database."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text

from openweb.citations import (
    CitedWork,
    _style,
    author_name,
    bibtex,
    citation_key,
    csl_json,
    formatted_reference,
    ris,
)

NASTY_TITLE = 'The {GAN} & 50% of $x_1$ #2: Über-learning ~ ^ \\ "</script>"'


def cited(**overrides) -> CitedWork:
    values = {
        "pk": 42,
        "title": "Deep learning for graphs",
        "work_type": "article",
        "year": 2020,
        "month": 3,
        "day": 9,
        "venue": "Nature Machine Intelligence",
        "doi": "10.1038/s42256-020-0001-x",
        "arxiv_id": "2001.00001",
        "openalex_id": "W100",
        "abstract": "We study graphs.",
        "authors": ("Jiashi Feng", "Jan van der Berg", "Søren Müller-Łódź", "山田太郎"),
        "url": "https://bzpeer.example/works/42/",
    }
    return CitedWork(**{**values, **overrides})


# pylatexenc reads TeX's own conventions back: a straight " is a closing quote in TeX's
# fonts and \textasciicircum its modifier letter; both are the characters we wrote.
DECODED_AS_WRITTEN = str.maketrans({"\u201d": '"', "\u02c6": "^"})


def unbrace(title: str) -> str:
    """The title without the braces that protect its capitals."""
    assert title.startswith("{") and title.endswith("}")
    return title[1:-1]


def latex_to_text(value: str) -> str:
    return LatexNodes2Text().latex_to_text(value).translate(DECODED_AS_WRITTEN)


def test_it_reads_names_in_the_right_form():
    assert author_name("Jan van der Berg") == author_name("van der Berg, Jan")
    assert author_name("Jan van der Berg").family == "van der Berg"
    assert author_name("Jiashi Feng").given == "Jiashi"
    assert author_name("山田 太郎").literal == "山田 太郎"
    assert author_name("Madonna").literal == "Madonna"


def test_it_makes_stable_unique_keys():
    work = cited()
    assert citation_key(work) == "feng2020deep-42"
    # Same work, other export: same key; another work with the same start: another key.
    assert citation_key(cited(abstract="")) == "feng2020deep-42"
    assert citation_key(cited(pk=43)) == "feng2020deep-43"
    assert citation_key(cited(authors=(), year=None, title="The of")) == "anonnd-42"
    assert citation_key(cited(authors=("Søren Ølgård",))) == "olgard2020deep-42"


def test_bibtex_round_trips_through_bibtexparser():
    works = [cited(title=NASTY_TITLE), cited(pk=7, work_type="preprint", venue="", doi="")]
    library = bibtexparser.parse_string(bibtex(works))
    assert library.failed_blocks == []
    first, second = library.entries
    assert (first.entry_type, first.key) == ("article", "feng2020gan-42")
    assert (second.entry_type, second.key) == ("misc", "feng2020deep-7")
    assert latex_to_text(unbrace(first["title"])) == NASTY_TITLE
    authors = [latex_to_text(a) for a in first["author"].split(" and ")]
    assert authors == ["Feng, Jiashi", "van der Berg, Jan", "Müller-Łódź, Søren", "山田太郎"]
    assert first["doi"] == "10.1038/s42256-020-0001-x"
    assert first["journal"] == "Nature Machine Intelligence"
    assert (second["eprint"], second["archiveprefix"]) == ("2001.00001", "arXiv")
    assert first["year"] == "2020"


def test_ris_round_trips_through_rispy():
    works = [cited(title=NASTY_TITLE), cited(pk=7, work_type="preprint", authors=())]
    records = rispy.loads(ris(works))
    assert len(records) == 2
    first, second = records
    assert first["type_of_reference"] == "JOUR"
    assert first["title"] == NASTY_TITLE
    assert first["authors"] == [
        "Feng, Jiashi",
        "van der Berg, Jan",
        "Müller-Łódź, Søren",
        "山田太郎",
    ]
    assert first["doi"] == "10.1038/s42256-020-0001-x"
    assert first["year"] == "2020"
    assert first["secondary_title"] == "Nature Machine Intelligence"
    assert first["id"] == "feng2020gan-42"
    assert second["type_of_reference"] == "UNPB"
    assert "authors" not in second


def test_csl_json_is_read_by_citeproc():
    items = json.loads(csl_json([cited()]))
    assert items[0]["author"][:2] == [
        {"family": "Feng", "given": "Jiashi"},
        {"family": "van der Berg", "given": "Jan"},
    ]
    assert items[0]["issued"] == {"date-parts": [[2020, 3, 9]]}
    bibliography = CitationStylesBibliography(_style("apa"), CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem("feng2020deep-42")]))
    text = str(bibliography.bibliography()[0])
    assert text.startswith("Feng, J., van der Berg, J., Müller-Łódź, S., & 山田太郎. (2020).")
    assert "https://doi.org/10.1038/s42256-020-0001-x" in text


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "apa",
            "Feng, J., van der Berg, J., Müller-Łódź, S., & 山田太郎. (2020). Deep learning for "
            "graphs. Nature Machine Intelligence. https://doi.org/10.1038/s42256-020-0001-x",
        ),
        (
            "ieee",
            "[1] J. Feng, J. van der Berg, S. Müller-Łódź, and 山田太郎, “Deep learning for "
            "graphs”, Nature Machine Intelligence, Mar. 2020, doi: 10.1038/s42256-020-0001-x.",
        ),
    ],
)
def test_it_formats_apa_and_ieee(style, expected):
    assert formatted_reference(cited(), style=style) == expected


# Every printable ASCII character (all of LaTeX's specials) and letters of the names and
# titles we import: accented Latin, Polish, Nordic, German, Greek, CJK, Cyrillic.
ALPHABET = "".join(map(chr, range(32, 127))) + "äöüßéèêçñøØłŁåÆœčšžőαβγΩ山田太郎김Юрий"
printable = st.text(st.sampled_from(ALPHABET), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(title=printable.filter(lambda t: t.strip()), name=printable)
def test_any_title_and_name_survive_bibtex_and_ris(title, name):
    work = cited(title=title, authors=(name,))
    entry = bibtexparser.parse_string(bibtex([work])).entries[0]
    assert " ".join(latex_to_text(unbrace(entry["title"])).split()) == " ".join(title.split())
    record = rispy.loads(ris([work]))[0]
    assert record["title"] == " ".join(title.split())
