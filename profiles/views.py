"""Pages about researchers: the home search and the profile."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from profiles.coauthors import COAUTHOR_SORTS, researcher_coauthors
from profiles.follow_selectors import is_following
from profiles.forms import CoauthorsForm, SiteSearchForm, WorksListForm
from profiles.http import HtmxHttpRequest
from profiles.models import Researcher
from profiles.paging import page_number
from profiles.profile_panels import profile_panels
from profiles.selectors import (
    researcher_profile_queryset,
    researcher_works_page_or_404,
    works_list_context,
)
from works.search import site_search
from works.selectors import front_door


@require_safe
@vary_on_headers("HX-Request")
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The front door: one search over every kind (works.search), or the corpus at a glance."""
    form = SiteSearchForm(request.GET or None)
    number = page_number(request.GET)
    search = None
    if form.is_bound and "kind" in form.errors:
        raise Http404("No such page of results.")
    if form.is_bound and form.usable("q"):
        search = site_search(
            form.cleaned_data["q"],
            kind=form.cleaned_data["kind"],
            filters=form.work_filters(),
            number=number,
        )
        if search.shown and search.shown.number > search.shown.num_pages:
            raise Http404("No such page of results.")
    context: dict[str, object] = {"form": form, "search": search, "searched": form.is_bound}
    if request.htmx:
        return render(request, "home.html#search-results", context)
    if search is None:
        context["front"] = front_door()
    return render(request, "home.html", context)


@require_safe
@vary_on_headers("HX-Request")
def researcher_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The researcher profile; with HX-Request, `?page=N` returns only that page of works and
    the works list's sort and filters (`?sort=&from=&to=&type=&topic=`) only the list."""
    number = page_number(request.GET)
    works_form = WorksListForm(request.GET)
    filters = works_form.works_filter()
    target = request.htmx.target if request.htmx else None
    if target == "works-more":
        # Another page of works needs the works only: none of the snapshot's counts.
        researcher = get_object_or_404(Researcher, slug=slug)
        context = {
            "researcher": researcher,
            "filters": filters,
            "works_page": researcher_works_page_or_404(researcher, number=number, filters=filters),
        }
        return render(request, "profiles/researcher_detail.html#works-page", context)
    researcher = get_object_or_404(researcher_profile_queryset(), slug=slug)
    context = {
        "researcher": researcher,
        **works_list_context(researcher, form=works_form, filters=filters, number=number),
    }
    if target == "works-list":
        return render(request, "profiles/researcher_detail.html#works-list", context)
    context |= {
        "close_threshold": settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS,
        "is_following": is_following(user=request.user, researcher=researcher),
        **profile_panels(user=request.user, researcher=researcher),  # e.g. the claim panel
    }
    return render(request, "profiles/researcher_detail.html", context)


@require_safe
def coauthors(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Everyone the researcher wrote with: shared works, years together; sorted and paged."""
    form = CoauthorsForm(request.GET)
    if not form.is_valid():
        raise Http404("No such page of co-authors.")
    researcher = get_object_or_404(Researcher, slug=slug)
    page = researcher_coauthors(
        researcher,
        sort=form.cleaned_data["sort"] or "shared",
        number=page_number(request.GET),
    )
    if page.number > 1 and not page.coauthors:
        raise Http404("No such page of co-authors.")
    context = {"researcher": researcher, "page": page, "sorts": COAUTHOR_SORTS}
    return render(request, "profiles/coauthors.html", context)
