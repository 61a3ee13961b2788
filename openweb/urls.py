from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.decorators.cache import cache_control

from openweb import feeds, robots, views
from openweb.sitemaps import SITEMAPS

app_name = "openweb"

# Sitemaps change when imports run (at most a few times a day): an hour in any cache.
sitemap_cache = cache_control(public=True, max_age=3600)

urlpatterns = [
    path("robots.txt", robots.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_cache(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "openweb:sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_cache(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    # Before the exports below: "works.atom" is a feed, not a citation format.
    path(
        "researchers/<slug:slug>/works.atom",
        feeds.ResearcherWorksFeed(),
        name="researcher_feed",
    ),
    path("topics/<int:topic_id>/works.atom", feeds.TopicWorksFeed(), name="topic_feed"),
    path("works/<int:work_id>/citation.<str:fmt>", views.work_citation, name="work_citation"),
    path(
        "researchers/<slug:slug>/works.<str:fmt>",
        views.researcher_citations,
        name="researcher_citations",
    ),
]
