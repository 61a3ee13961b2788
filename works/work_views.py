"""The work page: /works/<id>/<slug>/ and its htmx regions (the authors, the citing works)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from profiles.http import HtmxHttpRequest
from works.forms import WorkPageState, work_page_state
from works.models import Work
from works.work_panels import work_panels
from works.work_selectors import (
    AUTHORS_HEAD,
    AUTHORS_TAIL,
    CITING_ORDERS,
    COUNT_CAP,
    CitingPage,
    WorkFigures,
    work_authors_folded,
    work_authors_page,
    work_citing_page,
    work_figures,
    work_queryset,
    work_references,
    work_topics,
)

TEMPLATE = "works/work_detail.html"


def _authors(work: Work, figures: WorkFigures, state: WorkPageState) -> dict[str, object]:
    """The folded list (first and last authors) or one page of all of them."""
    if figures.authors > AUTHORS_HEAD + AUTHORS_TAIL and not state.all_authors:
        hidden = figures.authors - AUTHORS_HEAD - AUTHORS_TAIL
        return {"authors": work_authors_folded(work), "authors_hidden": hidden, "folded": True}
    page = work_authors_page(work, number=state.authors_page)
    if state.authors_page > 1 and not page.authors:
        raise Http404("No such page of authors.")
    return {"authors": page.authors, "authors_page": page, "folded": False}


def _citing(work: Work, state: WorkPageState) -> CitingPage:
    citing = work_citing_page(
        work, order=state.citing_order, after=state.citing_after, before=state.citing_before
    )
    if (state.citing_after or state.citing_before) is not None and not citing.works:
        raise Http404("No such page of citing works.")
    return citing


@require_safe
def work_redirect(request: HtmxHttpRequest, work_id: int) -> HttpResponse:
    """/works/<id>/ → the slugged URL."""
    work = get_object_or_404(Work.objects.only("pk", "title"), pk=work_id)
    return HttpResponsePermanentRedirect(work.get_absolute_url())


@require_safe
@vary_on_headers("HX-Request")
def work_detail(request: HtmxHttpRequest, work_id: int, slug: str) -> HttpResponse:
    """A work: authors, venue, identifiers, topics, references and citing works."""
    state = work_page_state(request.GET)
    work = get_object_or_404(work_queryset(), pk=work_id)
    if slug != work.slug:  # an old or mistyped slug: the id decides, the URL follows
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponsePermanentRedirect(work.get_absolute_url() + query)
    figures = work_figures(work)
    context: dict[str, object] = {
        "work": work,
        "figures": figures,
        "count_cap": COUNT_CAP,
        "orders": CITING_ORDERS,
    }
    target = request.htmx.target if request.htmx else None
    if target in ("authors", "authors-more"):
        partial = "authors-page" if target == "authors-more" else "authors"
        return render(request, f"{TEMPLATE}#{partial}", context | _authors(work, figures, state))
    if target == "citing":
        return render(request, f"{TEMPLATE}#citing", context | {"citing": _citing(work, state)})
    if target == "cite":
        panels = work_panels(request=request, work=work)
        return render(request, f"{TEMPLATE}#cite", context | panels | {"cite_shown": True})
    context |= _authors(work, figures, state) | {
        "citing": _citing(work, state),
        "topics": work_topics(work),
        "references": work_references(work),
        "cite_shown": state.cite_shown,
        **work_panels(request=request, work=work),  # the cite panel and the page's JSON-LD
    }
    return render(request, TEMPLATE, context)
