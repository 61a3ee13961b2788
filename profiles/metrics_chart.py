"""The profile's works and citations per year as bar geometry for a small server-rendered SVG.

Pure: from the snapshot's `per_year` ([{"year", "works", "citations"}], stored by the worker) to
bars in a fixed viewBox, so the template only draws rectangles and the page computes nothing
from the works tables. The last `YEARS_SHOWN` years with a work are drawn, years without one as
empty slots; anything earlier is counted in words under the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

YEARS_SHOWN = 30
WIDTH = 300  # viewBox units
HEIGHT = 60
GAP = 0.15  # share of a slot left empty between bars


@dataclass(frozen=True)
class Bar:
    year: int
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class YearChart:
    label: str  # "works", "citations"
    bars: list[Bar]
    peak: int  # the tallest bar's value
    peak_year: int | None
    total: int  # over every year, shown or not
    earlier: int  # the part of `total` from years before the first bar
    first_year: int | None
    last_year: int | None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def forms(self) -> str:
        """The label's singular and plural for Django's `pluralize` ("work,works")."""
        return f"{self.label.removesuffix('s')},{self.label}"


def year_chart(per_year: list[dict[str, Any]], *, key: str, label: str) -> YearChart:
    """Bars for `key` ("works" or "citations") over the last YEARS_SHOWN years."""
    values = {int(row["year"]): int(row[key]) for row in per_year if row.get("year") is not None}
    total = sum(values.values())
    if not values:
        return YearChart(label, [], 0, None, 0, 0, None, None)
    last = max(values)
    first = max(min(values), last - YEARS_SHOWN + 1)
    years = list(range(first, last + 1))
    peak = max(values.get(year, 0) for year in years)
    slot = WIDTH / len(years)
    bars = []
    for i, year in enumerate(years):
        value = values.get(year, 0)
        height = round(HEIGHT * value / peak, 2) if peak else 0.0
        bars.append(
            Bar(
                year=year,
                value=value,
                x=round(i * slot + slot * GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=height,
            )
        )
    peak_year = next((bar.year for bar in bars if bar.value == peak), None) if peak else None
    earlier = sum(value for year, value in values.items() if year < first)
    return YearChart(label, bars, peak, peak_year, total, earlier, first, last)
