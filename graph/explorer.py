"""The full explorer's state, kept entirely in the URL so every view of it is a link.

`focus` is the node in the middle, `open` the nodes whose neighbourhoods are shown, `hide` the
node types filtered out, `zoom`/`cx`/`cy` the SVG viewBox and `selected` the node whose details
are open. Every control is a plain link or form to the next state: it works without
JavaScript, with the keyboard, with the back button; htmx only swaps the region in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django import forms

from graph.algorithms import explorer_graph
from graph.drawing import slice_payload
from graph.nodes import KIND_PLURALS, KIND_SHAPES, NODE_KINDS, parse_node_id
from graph.selectors import EXPLORER_MAX_OPEN, explorer_inputs, search_nodes

CANVAS = 1000  # the explorer's drawing is CANVAS × CANVAS user units
MAX_ZOOM = 4  # zoom level z shows 1 / 2^(z/2) of the canvas
PAN_STEP = 0.25  # one pan moves a quarter of the visible width


def _node_ids(value: str) -> list[str]:
    seen: list[str] = []
    for part in value.split(","):
        part = part.strip()
        if parse_node_id(part) is not None and part not in seen:
            seen.append(part)
    return seen


class ExplorerForm(forms.Form):
    focus = forms.CharField(required=False, max_length=40)
    open = forms.CharField(required=False, max_length=400)
    hide = forms.CharField(required=False, max_length=60)
    selected = forms.CharField(required=False, max_length=40)
    zoom = forms.IntegerField(required=False, min_value=0, max_value=MAX_ZOOM)
    cx = forms.IntegerField(required=False, min_value=0, max_value=CANVAS)
    cy = forms.IntegerField(required=False, min_value=0, max_value=CANVAS)
    q = forms.CharField(required=False, max_length=100, strip=True)
    add = forms.CharField(required=False, max_length=40)


@dataclass(frozen=True)
class ExplorerState:
    focus: str
    opened: tuple[str, ...] = ()
    hidden: frozenset[str] = field(default_factory=frozenset)
    selected: str = ""
    zoom: int = 0
    cx: int = CANVAS // 2
    cy: int = CANVAS // 2
    query: str = ""

    @classmethod
    def from_form(cls, form: ExplorerForm, *, default_focus: str) -> ExplorerState:
        data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
        focus = next(iter(_node_ids(data.get("focus") or "")), default_focus)
        opened = [n for n in _node_ids(data.get("open") or "") if n != focus]
        add = next(iter(_node_ids(data.get("add") or "")), "")
        selected = next(iter(_node_ids(data.get("selected") or "")), "")
        if add:  # a search result joins the graph with its neighbourhood, and is selected
            opened = [n for n in opened if n != add] + ([add] if add != focus else [])
            selected = add
        hidden = frozenset(k for k in (data.get("hide") or "").split(",") if k in NODE_KINDS)
        zoom = data.get("zoom")
        cx, cy = data.get("cx"), data.get("cy")
        return cls(
            focus=focus,
            opened=tuple(opened[-EXPLORER_MAX_OPEN:]),
            hidden=hidden,
            selected=selected,
            zoom=zoom if zoom is not None else 0,
            cx=cx if cx is not None else CANVAS // 2,
            cy=cy if cy is not None else CANVAS // 2,
            query=data.get("q") or "",
        )

    # --- the next states, as query strings -------------------------------------------------

    def query_string(self) -> str:
        params: dict[str, Any] = {"focus": self.focus}
        if self.opened:
            params["open"] = ",".join(self.opened)
        if self.hidden:
            params["hide"] = ",".join(sorted(self.hidden))
        if self.selected:
            params["selected"] = self.selected
        if self.zoom:
            params["zoom"] = self.zoom
        if (self.cx, self.cy) != (CANVAS // 2, CANVAS // 2):
            params["cx"], params["cy"] = self.cx, self.cy
        if self.query:
            params["q"] = self.query
        return "?" + urlencode(params)

    def select(self, node: str) -> str:
        return replace(self, selected=node).query_string()

    def expand(self, node: str) -> str:
        kept = [n for n in self.opened if n != node]
        opened = (*kept, node) if node != self.focus else tuple(kept)
        return replace(self, opened=opened[-EXPLORER_MAX_OPEN:], selected=node).query_string()

    def collapse(self, node: str) -> str:
        return replace(self, opened=tuple(n for n in self.opened if n != node)).query_string()

    def recentre(self, node: str) -> str:
        # The old centre stays expanded, so the way back is still on the picture.
        opened = tuple(n for n in (*self.opened, self.focus) if n != node)
        return replace(
            self,
            focus=node,
            opened=opened[-EXPLORER_MAX_OPEN:],
            selected=node,
            cx=CANVAS // 2,
            cy=CANVAS // 2,
        ).query_string()

    def toggle(self, kind: str) -> str:
        return replace(self, hidden=self.hidden ^ {kind}).query_string()

    def zoomed(self, step: int) -> str:
        return replace(self, zoom=max(0, min(MAX_ZOOM, self.zoom + step))).query_string()

    def panned(self, dx: int, dy: int) -> str:
        step = round(self.view_width * PAN_STEP)
        return replace(
            self,
            cx=max(0, min(CANVAS, self.cx + dx * step)),
            cy=max(0, min(CANVAS, self.cy + dy * step)),
        ).query_string()

    def reset_view(self) -> str:
        return replace(self, zoom=0, cx=CANVAS // 2, cy=CANVAS // 2).query_string()

    @property
    def view_width(self) -> float:
        return CANVAS / 2 ** (self.zoom / 2)

    @property
    def view_box(self) -> str:
        w = self.view_width
        return f"{self.cx - w / 2:.1f} {self.cy - w / 2:.1f} {w:.1f} {w:.1f}"


def explorer_context(state: ExplorerState) -> dict[str, Any] | None:
    """Everything the explorer template shows for a state; None if the focus does not exist."""
    inputs = explorer_inputs(state.focus, state.opened)
    if inputs is None:
        return None
    payload = slice_payload(
        explorer_graph(inputs, hidden=state.hidden), size=CANVAS, node_size=13, label_font=26
    )
    opened = {state.focus, *state.opened}
    by_id = {}
    for node in payload["nodes"]:
        node["dom_id"] = "n-" + node["id"].replace(":", "-")
        node["select_url"] = state.select(node["id"])
        node["expanded"] = node["id"] in opened
        by_id[node["id"]] = node
    selected = by_id.get(state.selected)
    details = None
    if selected is not None:
        details = {
            "node": selected,
            "expanded": selected["expanded"],
            "expand_url": state.expand(selected["id"]),
            "collapse_url": state.collapse(selected["id"]),
            "recentre_url": state.recentre(selected["id"]),
            "is_focus": selected["id"] == state.focus,
            "sentences": [
                e["sentence"]
                for e in payload["edges"]
                if selected["id"] in (e["source"], e["target"])
            ],
            # Expanded (not the focus) yet it brought no node that is not shown anyway.
            "added_nothing": selected["id"] in state.opened
            and not (inputs.added_by.get(selected["id"], set()) & set(by_id)),
        }
    return {
        "state": state,
        "payload": payload,
        "focus_node": by_id[state.focus],
        "details": details,
        "filters": [
            {
                "kind": kind,
                "label": KIND_PLURALS[kind],
                "shape": KIND_SHAPES[kind],
                "shown": kind not in state.hidden,
                "url": state.toggle(kind),
            }
            for kind in ("person", "paper", "topic", "institution")
        ],
        "controls": {
            "zoom_in": state.zoomed(1),
            "zoom_out": state.zoomed(-1),
            "left": state.panned(-1, 0),
            "right": state.panned(1, 0),
            "up": state.panned(0, -1),
            "down": state.panned(0, 1),
            "reset": state.reset_view(),
        },
        "can_zoom_in": state.zoom < MAX_ZOOM,
        "can_zoom_out": state.zoom > 0,
        "results": [
            {
                "node": n,
                "add_url": state.expand(n.id),
                "select_url": state.select(n.id),
                "present": n.id in by_id,
            }
            for n in search_nodes(state.query)
        ]
        if state.query
        else None,
    }
