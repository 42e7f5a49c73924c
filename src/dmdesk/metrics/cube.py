"""Contributions -> additive deltas on every rollup slice (the in-memory rollup)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from dmdesk.metrics import definitions as d
from dmdesk.metrics.facts import Contribution

CellKey = tuple[int, d.Dims, str, date]  # workspace, slice, metric, day
HourKey = tuple[int, d.Dims, str, date, int]


@dataclass
class CellValue:
    n: int = 0
    total: int = 0
    hist: Counter[int] = field(default_factory=Counter)

    def add(self, value: int, sign: int, *, histogram: bool) -> None:
        self.n += sign
        self.total += sign * value
        if histogram:
            self.hist[value] += sign
            if not self.hist[value]:
                del self.hist[value]

    @property
    def empty(self) -> bool:
        return self.n == 0 and self.total == 0 and not self.hist


@dataclass
class Rollup:
    """Cells and hourly counts; equal rollups compare equal once empty cells are pruned."""

    cells: dict[CellKey, CellValue] = field(default_factory=dict)
    hours: dict[HourKey, int] = field(default_factory=dict)

    def add(self, workspace_id: int, items: Iterable[Contribution], *, sign: int = 1) -> None:
        for c in items:
            day = date.fromisoformat(c.day)
            histogram = c.metric in d.HISTOGRAM_METRICS
            grains = ((c.metric, day), (c.metric + d.MONTH_SUFFIX, day.replace(day=1)))
            for keep in d.CELL_SLICES:
                dims = c.dims.masked(keep)
                for metric, when in grains:
                    cell = self.cells.setdefault((workspace_id, dims, metric, when), CellValue())
                    cell.add(c.value, sign, histogram=histogram)
            if c.metric in d.HOURLY_METRICS:
                for keep in d.HOURLY_SLICES:
                    hkey = (workspace_id, c.dims.masked(keep), c.metric, day, c.hour)
                    self.hours[hkey] = self.hours.get(hkey, 0) + sign

    def pruned(self) -> Rollup:
        return Rollup(
            {k: v for k, v in self.cells.items() if not v.empty},
            {k: v for k, v in self.hours.items() if v},
        )
