"""Pages about researchers: the home search and the profile."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from profiles.follow_selectors import is_following
from profiles.forms import ResearcherSearchForm, WorksListForm, works_page_number
from profiles.http import HtmxHttpRequest
from profiles.models import Researcher
from profiles.profile_panels import profile_panels
from profiles.search import researcher_search
from profiles.selectors import (
    researcher_profile_queryset,
    researcher_works_page_or_404,
    works_list_context,
)


@require_safe
@vary_on_headers("HX-Request")
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Search researchers by name: ranked, counted, paged (profiles.search)."""
    form = ResearcherSearchForm(request.GET or None)
    results = None
    if form.is_bound and "page" in form.errors:
        raise Http404("No such page of results.")
    if form.is_valid():
        results = researcher_search(form.cleaned_data["q"], number=form.cleaned_data["page"] or 1)
        if results.number > results.num_pages:
            raise Http404("No such page of results.")
    context = {"form": form, "results": results, "searched": form.is_bound}
    template = "home.html#search-results" if request.htmx else "home.html"
    return render(request, template, context)


@require_safe
@vary_on_headers("HX-Request")
def researcher_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The researcher profile; with HX-Request, `?page=N` returns only that page of works and
    the works list's sort and filters (`?sort=&from=&to=&type=&topic=`) only the list."""
    number = works_page_number(request.GET)
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
