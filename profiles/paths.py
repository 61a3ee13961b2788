"""Paths of pages a page links many times (works, researchers, venues, institutions), reversed
once and then formatted.

A work page links up to ~150 works, authors, venues and institutions, and `reverse()` costs
0.03-0.1 ms a call (it rebuilds the path and matches it against the pattern again): a few
milliseconds a page, a third of its CPU once the cite panel went lazy. `path_of` reverses each
view once per URL configuration and script prefix, with numeric markers for its arguments, and
then puts the arguments in the markers' places. For ids and slugs read from the database:
an argument is trusted to fit its converter when it is made of letters, digits, `-` and `_`
(which no path quotes); one with any other character goes through `reverse()`, which quotes it
or raises NoReverseMatch.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

# Digits: accepted by the int, slug and str converters alike; never part of a path otherwise.
MARKER = "918273645501928374650{}"
PLAIN = re.compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=128)
def _template(viewname: str, arity: int, prefix: str, urlconf: object) -> str:
    """The view's path with `{0}`, `{1}`, … where its arguments go."""
    markers = [MARKER.format(i) for i in range(arity)]
    path = reverse(viewname, urlconf=urlconf, args=markers)  # type: ignore[arg-type]
    path = path.replace("{", "{{").replace("}", "}}")
    for i, marker in enumerate(markers):
        path = path.replace(marker, "{%d}" % i)  # noqa: UP031 - a format field, written here
    return path


def path_of(viewname: str, *args: int | str) -> str:
    """`reverse(viewname, args=args)`, reversed once and formatted after (see the module)."""
    if not all(PLAIN.fullmatch(str(a)) for a in args):
        return reverse(viewname, args=args)
    return _template(viewname, len(args), get_script_prefix(), get_urlconf()).format(*args)
