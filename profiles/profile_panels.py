"""Panels that apps above the data layer add to the profile page, registered at start.

The profile page belongs to profiles (its URL, template and every link to it), but some of its
cards are another app's: the claims app's Identity and Direct collaboration cards read the
viewer's claim. Rather than profiles importing an app above it, such an app registers a panel
in its `AppConfig.ready` (`profile_panel_register("claim_panel", claim_panel)`); the profile
view calls every registered panel and renders its value under the registered name. The panel
runs in the page's request: it must keep the page's query count constant.
"""

from __future__ import annotations

from typing import Any, Protocol

from profiles.models import Researcher


class ProfilePanel(Protocol):
    def __call__(self, *, user: Any, researcher: Researcher) -> object: ...


_PANELS: dict[str, ProfilePanel] = {}


def profile_panel_register(name: str, panel: ProfilePanel) -> None:
    """Render `panel(user=…, researcher=…)` on the profile page as the template variable `name`."""
    _PANELS[name] = panel


def profile_panels(*, user: Any, researcher: Researcher) -> dict[str, object]:
    """Every registered panel's value for this viewer and record, by name."""
    return {name: panel(user=user, researcher=researcher) for name, panel in _PANELS.items()}
