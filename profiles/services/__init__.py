"""Writes about researchers, one module per concern (follows, trust, derived figures, …)."""
