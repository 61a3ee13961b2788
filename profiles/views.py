"""Pages about researchers: the home search and the profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from profiles.coauthors import COAUTHOR_SORTS, researcher_coauthors
from profiles.follow_selectors import is_following
from profiles.forms import CoauthorsForm, SiteSearchForm, WorksListForm
from profiles.http import HtmxHttpRequest
from profiles.models import ClaimStatus, Researcher
from profiles.page_cache import (
    STORE_WHOLE_PAGE,
    TEMPLATE,
    ProfileFragments,
    profile_fragments_get,
    profile_fragments_key,
    profile_fragments_set,
)
from profiles.paging import page_number
from profiles.profile_panels import profile_panels
from profiles.selectors import (
    researcher_page_queryset,
    researcher_profile_queryset,
    researcher_works_page_or_404,
    works_list_context,
)
from profiles.viewer_page import signed_in_profile
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
    if not request.htmx and not request.GET:
        return _profile_from_fragments(request, slug)
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


def _profile_from_fragments(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The profile as it first shows: the record's fragments from the cache (rendered and stored
    on a miss), the viewer's parts around them. Anonymous views of an unclaimed record also
    answer 304 when the browser's copy is current (the ETag is the fragments' key: an
    anonymous page carries no CSRF token, so it is the same for every visitor); signed-in
    views are never stored by the browser (`NoStoreViewerPagesMiddleware`)."""
    signed_in = bool(request.user.is_authenticated)
    if signed_in and (spliced := signed_in_profile(request, slug)) is not None:
        return spliced  # the stored anonymous page with this viewer's parts put in
    researcher = get_object_or_404(researcher_page_queryset(), slug=slug)
    key = profile_fragments_key(researcher)
    fragments = profile_fragments_get(key)
    if fragments is None:
        fragments = _profile_fragments(request, researcher.pk)
        profile_fragments_set(key, fragments)

    def page() -> HttpResponse:
        context = {
            "researcher": researcher,
            "fragments": fragments,
            "is_following": is_following(user=request.user, researcher=researcher),
            **profile_panels(user=request.user, researcher=researcher),  # e.g. the claim panel
            "page_meta": fragments.page_meta,
        }
        return render(request, TEMPLATE, context)

    if getattr(request, STORE_WHOLE_PAGE, False):
        # For AnonymousProfilePageMiddleware, which stores it whole and adds the validators.
        whole = page()
        setattr(whole, STORE_WHOLE_PAGE, True)
        return whole
    etag = f'"{key.rsplit(":", 1)[1]}"'
    last_modified = int(fragments.rendered_at.timestamp())
    # A claimed record's header shows its owner's live collaboration openness (the collab
    # panel: paused, full this month), which no key tracks: no validator for it, only for the
    # unclaimed records (most of them) whose every part the key covers. Nor for a page that
    # shows a message ("You are logged out."): the browser's copy does not have it.
    validated = (
        not signed_in
        and researcher.claim_status != ClaimStatus.CLAIMED
        and not len(get_messages(request))
    )
    response = None
    if validated:
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = page()
    if validated:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
    if not signed_in:
        # Stored by the browser only (this visitor has a session or a message: the whole-page
        # path, shareable, is the middleware's), revalidated on every use (a 304: a query).
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _profile_fragments(request: HtmxHttpRequest, researcher_id: int) -> ProfileFragments:
    researcher = get_object_or_404(researcher_profile_queryset(), pk=researcher_id)
    works_form = WorksListForm(request.GET)  # empty: the list as it first shows
    filters = works_form.works_filter()
    context = {
        "researcher": researcher,
        "close_threshold": settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS,
        **works_list_context(researcher, form=works_form, filters=filters, number=1),
    }
    # The description counts the works: the full record's value, not the page's lighter row.
    panels = profile_panels(user=request.user, researcher=researcher)
    return ProfileFragments(
        summary=render_to_string(f"{TEMPLATE}#profile-summary", context, request),
        works=render_to_string(f"{TEMPLATE}#works-list", context, request),
        page_meta=panels.get("page_meta"),
        rendered_at=timezone.now(),
    )


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
