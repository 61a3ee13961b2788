"""What openweb adds to the work page (through `works.work_panels`): the cite panel and the
page's description and ScholarlyArticle JSON-LD, from one query of the work's authors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest

from openweb import citations
from openweb.citations import CitedWork
from openweb.selectors import cited_work_head
from openweb.structured_data import PageMeta, work_meta
from profiles.paths import path_of
from works.models import Work

# The page cites and describes the first authors only (the download has them all): a paper
# with 3,000 authors must not cost 3,000 rows and names on every view.
PANEL_AUTHORS = 100


@dataclass(frozen=True)
class CitePanel:
    """What the cite panel shows: formatted references, the BibTeX entry, the downloads."""

    work_id: int
    key: str
    references: list[tuple[str, str]]  # (style label, reference)
    bibtex: str


def cite_panel(cited: CitedWork) -> CitePanel:
    return CitePanel(
        work_id=cited.pk,
        key=citations.citation_key(cited),
        references=[
            (label, citations.formatted_reference(cited, style=style))
            for style, label in citations.STYLES.items()
        ],
        bibtex=citations.bibtex_entry(cited),
    )


def work_page_url(request: HttpRequest, work: Work) -> str:
    """The absolute URL of the work's page."""
    return request.build_absolute_uri(work.get_absolute_url())


@dataclass(frozen=True)
class WorkOpenWeb:
    """The page's meta (always rendered) and its cite panel (formatted only when read)."""

    cited: CitedWork
    meta: PageMeta

    @cached_property
    def cite(self) -> CitePanel:
        # citeproc and nameparser take 15-40 ms for a work (more than the rest of the page):
        # the page shows the panel's frame and htmx asks for its contents when it is scrolled
        # to (the work view's "cite" partial), so a view that never gets there never pays.
        return cite_panel(self.cited)


def work_open_web(*, request: HttpRequest, work: Work) -> WorkOpenWeb:
    """The work page's cite panel, description and JSON-LD (a work panel)."""
    cited, authors = cited_work_head(work, url=work_page_url(request, work), limit=PANEL_AUTHORS)
    people = [
        (a.name, request.build_absolute_uri(path_of("profiles:researcher_detail", a.slug)))
        for a in authors
    ]
    return WorkOpenWeb(cited=cited, meta=work_meta(cited, authors=people, topics=[]))
