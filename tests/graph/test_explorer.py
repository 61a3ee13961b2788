"""The explorer's state: every control is a link to the next state, parsed back the same way."""

from __future__ import annotations

from urllib.parse import parse_qs

from graph.explorer import CANVAS, MAX_ZOOM, ExplorerForm, ExplorerState
from graph.selectors import EXPLORER_MAX_OPEN


def parse(query: str, default: str = "person:1") -> ExplorerState:
    data = {k: v[0] for k, v in parse_qs(query.lstrip("?")).items()}
    return ExplorerState.from_form(ExplorerForm(data), default_focus=default)


def test_a_bare_url_is_centred_on_the_researcher():
    state = parse("")
    assert (state.focus, state.opened, state.zoom) == ("person:1", (), 0)
    assert state.view_box == f"0.0 0.0 {CANVAS:.1f} {CANVAS:.1f}"


def test_expand_then_recentre_keeps_the_way_back():
    state = parse(parse("").expand("paper:7"))
    assert state.opened == ("paper:7",) and state.selected == "paper:7"
    state = parse(state.recentre("paper:7"))
    assert state.focus == "paper:7"
    assert state.opened == ("person:1",)  # the old centre stays expanded
    assert parse(state.collapse("person:1")).opened == ()


def test_expanding_the_centre_adds_nothing():
    assert parse(parse("").expand("person:1")).opened == ()


def test_only_the_latest_expansions_are_kept():
    state = parse("")
    for i in range(EXPLORER_MAX_OPEN + 3):
        state = parse(state.expand(f"topic:{i}"))
    assert len(state.opened) == EXPLORER_MAX_OPEN
    assert state.opened[-1] == f"topic:{EXPLORER_MAX_OPEN + 2}"


def test_filters_toggle_and_zoom_and_pan_stay_in_bounds():
    state = parse(parse("").toggle("paper"))
    assert state.hidden == {"paper"}
    assert parse(state.toggle("paper")).hidden == frozenset()
    for _ in range(MAX_ZOOM + 2):
        state = parse(state.zoomed(1))
    assert state.zoom == MAX_ZOOM
    for _ in range(20):
        state = parse(state.panned(-1, 1))
    assert (state.cx, state.cy) == (0, CANVAS)
    assert parse(state.reset_view()).view_box == f"0.0 0.0 {CANVAS:.1f} {CANVAS:.1f}"


def test_a_search_result_is_added_and_selected():
    state = parse("?focus=person:1&add=institution:4&q=uni")
    assert state.opened == ("institution:4",) and state.selected == "institution:4"
    assert state.query == "uni"


def test_nonsense_is_ignored():
    state = parse("?focus=robert');drop&open=paper:x,person:2,person:2,galaxy:3&hide=paper,stars")
    assert state.focus == "person:1"
    assert state.opened == ("person:2",)
    assert state.hidden == {"paper"}
