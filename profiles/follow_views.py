"""Follow and unfollow (HTMX POST swapping the Actions card) and the "Following" page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from profiles.follow_selectors import following_queryset, researcher_followers_count
from profiles.http import HtmxHttpRequest
from profiles.models import Researcher
from profiles.paging import page_or_404
from profiles.services.follows import follow_create, follow_delete


def _follow_toggle(request: HtmxHttpRequest, slug: str, *, follow: bool) -> HttpResponse:
    researcher = get_object_or_404(Researcher, slug=slug)
    profile_url = reverse("profiles:researcher_detail", args=[researcher.slug])
    if not request.user.is_authenticated:
        # Back to the profile after logging in, never to this POST-only URL.
        login = redirect_to_login(profile_url)
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    if follow:
        follow_create(user=request.user, researcher_id=researcher.pk)
    else:
        follow_delete(user=request.user, researcher_id=researcher.pk)
    if not request.htmx:
        return redirect(profile_url + "#actions")
    researcher.followers_count = researcher_followers_count(researcher.pk)  # type: ignore[attr-defined]
    # The snapshot's follower figure is swapped out of band, so both counts agree.
    context = {"researcher": researcher, "is_following": follow, "follow_swapped": True}
    return render(request, "profiles/researcher_detail.html#follow-actions", context)


@require_POST
def researcher_follow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Follow a researcher; HTMX gets the Actions card back with the new count."""
    return _follow_toggle(request, slug, follow=True)


@require_POST
def researcher_unfollow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Stop following a researcher."""
    return _follow_toggle(request, slug, follow=False)


@login_required
@require_safe
def following(request: HtmxHttpRequest) -> HttpResponse:
    """The people the user follows, latest follow first, each with their newest works."""
    page = page_or_404(following_queryset(user=request.user), per_page=20, query=request.GET)
    return render(request, "profiles/following.html", {"page": page})
