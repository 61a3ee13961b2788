"""Citation downloads: a work, or a researcher's works, as BibTeX, RIS or CSL-JSON."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from openweb import citations
from openweb.citations import CitedWork
from openweb.panels import work_page_url
from openweb.selectors import EXPORT_MAX_WORKS, cited_works, researcher_citable_works
from profiles.forms import WorksListForm
from profiles.models import Researcher
from works.models import Work


@dataclass(frozen=True)
class ExportFormat:
    render: citations.Renderer
    content_type: str
    extension: str


FORMATS = {
    "bib": ExportFormat(citations.bibtex, "application/x-bibtex; charset=utf-8", "bib"),
    "ris": ExportFormat(citations.ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl.json": ExportFormat(
        citations.csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8", "csl.json"
    ),
}


# The profile form's fields by the names the URL gives them.
URL_NAMES = {"year_from": "from", "year_to": "to", "__all__": "filters"}


def _export_format(fmt: str) -> ExportFormat:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise Http404("No such citation format (bib, ris or csl.json).") from None


def _download(body: str, export: ExportFormat, *, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{export.extension}"'
    return response


def _cited_work(request: HttpRequest, work_id: int) -> CitedWork:
    work = get_object_or_404(Work.objects.select_related("source"), pk=work_id)
    return cited_works([work], url_of=lambda w: work_page_url(request, w))[0]


@require_safe
def work_citation(request: HttpRequest, work_id: int, fmt: str) -> HttpResponse:
    """One work as a BibTeX, RIS or CSL-JSON file."""
    export = _export_format(fmt)
    cited = _cited_work(request, work_id)
    return _download(export.render([cited]), export, name=citations.citation_key(cited))


@require_safe
def researcher_citations(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A researcher's works (all, or the profile's filtered view) as one citation file."""
    export = _export_format(fmt)
    researcher = get_object_or_404(Researcher, slug=slug)
    form = WorksListForm(request.GET)  # the profile's own: ?sort=&from=&to=&type=&topic=
    if not form.is_valid():
        errors = "; ".join(
            f"{URL_NAMES.get(field, field)}: {' '.join(map(str, e))}"
            for field, e in form.errors.items()
        )
        return HttpResponse(
            f"Bad filter — {errors}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    works = list(researcher_citable_works(researcher, form.works_filter())[: EXPORT_MAX_WORKS + 1])
    cited = cited_works(works[:EXPORT_MAX_WORKS], url_of=lambda w: work_page_url(request, w))
    response = _download(export.render(cited), export, name=f"{researcher.slug}-works")
    if len(works) > EXPORT_MAX_WORKS:
        response["BZPEER-Export-Cut"] = f"first {EXPORT_MAX_WORKS} works; filter by year for more"
    return response
