"""The one error every claims service raises for a refused change."""

from __future__ import annotations


class ClaimError(Exception):
    """A refused change, with a message meant for the person who asked for it."""
