"""The one error every collab service raises for a refused change."""

from __future__ import annotations


class CollabError(Exception):
    """A refused change, with a message meant for the person who asked for it."""
