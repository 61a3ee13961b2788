"""The profile's works list rendered by Django's template engine and by Jinja2 (issue 17).
Prints its figures.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.template_engines \\
        --database-url postgres://root@127.0.0.1:5432/<a copy of a corpus> --slug author-52031

What it renders: the real partial (`profiles/researcher_detail.html#works-page`, what the
profile's first page and "Show more" send) with Django's engine as the site configures it
(cached loader, autoescape), and `bench/templates/works_page.jinja`, the same markup written for
Jinja2 (autoescape on; `url()` is Django's `reverse`; `ordinal`, `intcomma`, `pluralize` and
`truncatechars` are Django's own filter functions, so both print the same text). The data are
the record's real rows, fetched once by the site's own selector (`researcher_works_page`, its
works with their first authors) for a page of 20 and of 100 works; only rendering is timed.
Before timing it checks that both engines render the same page (HTML entities decoded, blank
space collapsed: the engines spell `'` and `"` differently) and stops if they do not.

Read-only: it only SELECTs (Jinja2 is a development dependency, requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARTIAL = "profiles/researcher_detail.html#works-page"


def jinja_environment() -> Any:
    import jinja2
    from django.contrib.humanize.templatetags.humanize import intcomma, ordinal
    from django.template.defaultfilters import pluralize, truncatechars
    from django.urls import reverse

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "bench" / "templates"),
        autoescape=True,
        auto_reload=False,
    )
    env.globals["url"] = lambda name, *args: reverse(name, args=args)
    env.filters.update(
        ordinal=ordinal, intcomma=intcomma, pluralize=pluralize, truncatechars=truncatechars
    )
    return env


def helper_calls(listed: list[Any]) -> Callable[[], None]:
    """What both templates call outside the engine for these rows (URL reversing, the work's
    URL with its slug, the abstract's truncation, number formatting), without the template:
    the part of a render no choice of engine changes."""
    from django.contrib.humanize.templatetags.humanize import intcomma, ordinal
    from django.template.defaultfilters import truncatechars
    from django.urls import reverse

    def run() -> None:
        for item in listed:
            work = item.work
            if work.source_id:
                reverse("works:venue_detail", args=[work.source_id])
            for _ in range(3 if item.more_authors else 2):
                work.get_absolute_url()
            for author in item.first:
                if not author.is_researcher:
                    reverse("profiles:researcher_detail", args=[author.slug])
            if item.researcher:
                ordinal(item.researcher.position + 1)
            if item.researcher or item.more_authors:
                intcomma(item.authors_count)
            if work.abstract and len(work.abstract) > 420:
                truncatechars(work.abstract, 300)

    return run


def same_page(a: str, b: str) -> bool:
    def normal(text: str) -> str:
        return re.sub(r"\s+", " ", html.unescape(text)).strip()

    return normal(a) == normal(b)


def timed(render: Callable[[], str], *, repeat: int, number: int) -> list[float]:
    """Milliseconds per render, one figure per batch of `number` renders."""
    render()  # warm: compiled, caches filled
    batches = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            render()
        batches.append((time.perf_counter() - start) * 1000 / number)
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--slug", default="jiashi-feng", help="the record (default: the seed)")
    parser.add_argument("--sizes", default="20,100", help="page sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=50)
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("--database-url (or DATABASE_URL) is required")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-template-engines")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")  # read by settings, unused
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.template import loader
    from django.test.utils import override_settings

    from profiles.models import Researcher
    from profiles.works_list import WorksFilter, researcher_works_page

    researcher = Researcher.objects.get(slug=args.slug)
    django_template = loader.get_template(PARTIAL)
    jinja_template = jinja_environment().get_template("works_page.jinja")
    print(f"{args.slug}: Django {django.get_version()}, Jinja2 {_jinja_version()}")
    print(
        "rows | Django ms/render (min, median) | Jinja2 ms/render (min, median) "
        "| Django/Jinja2 | helpers alone (median)"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with override_settings(BZPEER_WORKS_PAGE_SIZE=size):
            page = researcher_works_page(researcher, number=1)
        context = {"researcher": researcher, "filters": WorksFilter(), "works_page": page}
        rows = len(page.listed)
        if rows < size:
            print(f"(the record has {rows} works: a page of {size} shows {rows})")

        def with_django(context: dict[str, Any] = context) -> str:
            return str(django_template.render(context))

        def with_jinja(context: dict[str, Any] = context) -> str:
            return str(jinja_template.render(context))

        if not same_page(with_django(), with_jinja()):
            sys.exit(f"the two templates render different pages for {rows} rows: fix the .jinja")
        helpers = helper_calls(page.listed)

        def with_helpers_only(helpers: Callable[[], None] = helpers) -> str:
            helpers()
            return ""

        runs = {
            name: timed(render, repeat=args.repeat, number=args.number)
            for name, render in (
                ("django", with_django),
                ("jinja", with_jinja),
                ("helpers", with_helpers_only),
            )
        }
        d, j, h = runs["django"], runs["jinja"], runs["helpers"]
        print(
            f"{rows:4d} | {min(d):6.2f}, {statistics.median(d):6.2f} "
            f"| {min(j):6.2f}, {statistics.median(j):6.2f} "
            f"| {statistics.median(d) / statistics.median(j):4.1f}× "
            f"| {statistics.median(h):6.2f}"
        )


def _jinja_version() -> str:
    from importlib.metadata import version

    return version("jinja2")


if __name__ == "__main__":
    main()
