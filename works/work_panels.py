"""Panels that apps above the data layer add to the work page, registered at start.

The same arrangement as `profiles.profile_panels`: the work page is the works app's, but its
cite panel, its description and its JSON-LD are the openweb app's. That app registers a panel
in its `AppConfig.ready`; the work view calls every registered panel and renders its value under
the registered name. A panel runs in the page's request and must keep its query count constant.
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest

from works.models import Work


class WorkPanel(Protocol):
    def __call__(self, *, request: HttpRequest, work: Work) -> object: ...


_PANELS: dict[str, WorkPanel] = {}


def work_panel_register(name: str, panel: WorkPanel) -> None:
    """Render `panel(request=…, work=…)` on the work page as the template variable `name`."""
    _PANELS[name] = panel


def work_panels(*, request: HttpRequest, work: Work) -> dict[str, object]:
    """Every registered panel's value for this request and work, by name."""
    return {name: panel(request=request, work=work) for name, panel in _PANELS.items()}
