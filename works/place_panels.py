"""Panels that apps above the data layer add to the venue and institution pages.

The same arrangement as `works.work_panels`: the pages are the works app's, their description
and JSON-LD are the openweb app's. That app registers a panel in its `AppConfig.ready`; the
page's view calls every panel registered for its kind and renders each value under its name.
A panel runs in the page's request and must keep the page's query count constant (the openweb
ones read only the row the view already has).
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest

from profiles.models import Institution
from works.models import Source


class VenuePanel(Protocol):
    def __call__(self, *, request: HttpRequest, venue: Source) -> object: ...


class InstitutionPanel(Protocol):
    def __call__(self, *, request: HttpRequest, institution: Institution) -> object: ...


_VENUE_PANELS: dict[str, VenuePanel] = {}
_INSTITUTION_PANELS: dict[str, InstitutionPanel] = {}


def venue_panel_register(name: str, panel: VenuePanel) -> None:
    """Render `panel(request=…, venue=…)` on the venue page as the template variable `name`."""
    _VENUE_PANELS[name] = panel


def institution_panel_register(name: str, panel: InstitutionPanel) -> None:
    """Render `panel(request=…, institution=…)` on the institution page as `name`."""
    _INSTITUTION_PANELS[name] = panel


def venue_panels(*, request: HttpRequest, venue: Source) -> dict[str, object]:
    """Every registered venue panel's value for this request and venue, by name."""
    return {name: panel(request=request, venue=venue) for name, panel in _VENUE_PANELS.items()}


def institution_panels(*, request: HttpRequest, institution: Institution) -> dict[str, object]:
    """Every registered institution panel's value for this request and institution, by name."""
    return {
        name: panel(request=request, institution=institution)
        for name, panel in _INSTITUTION_PANELS.items()
    }
