"""`path_of` gives what `reverse()` gives, whatever the script prefix, and reverses only once."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from profiles import paths
from profiles.paths import path_of

CASES = [
    ("profiles:researcher_detail", ("ada-lovelace",)),
    ("profiles:researcher_detail", ("Author_7-2",)),
    ("works:work_detail", (42, "notes-on-the-engine")),
    ("works:venue_detail", (7,)),
    ("works:institution_detail", (123456789012,)),
]


@pytest.fixture
def prefix():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(("viewname", "args"), CASES)
def test_it_gives_what_reverse_gives(viewname, args):
    assert path_of(viewname, *args) == reverse(viewname, args=args)


@pytest.mark.parametrize(("viewname", "args"), CASES)
def test_it_follows_the_script_prefix(viewname, args, prefix):
    path_of(viewname, *args)  # reversed under "/" first
    set_script_prefix("/bzpeer/")
    assert path_of(viewname, *args) == reverse(viewname, args=args)
    assert path_of(viewname, *args).startswith("/bzpeer/")


def test_each_view_is_reversed_once(monkeypatch):
    paths._template.cache_clear()
    calls = []
    real = paths.reverse

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(paths, "reverse", counted)
    found = [path_of("works:work_detail", pk, f"work-{pk}") for pk in range(50)]
    assert found[49] == "/works/49/work-49/"
    assert len(calls) == 1


def test_an_argument_the_pattern_refuses_goes_through_reverse():
    with pytest.raises(NoReverseMatch):
        path_of("profiles:researcher_detail", "no/such slug")
    with pytest.raises(NoReverseMatch):
        path_of("works:venue_detail", "{0}")
