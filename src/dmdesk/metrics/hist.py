"""Exact histograms (value -> count) packed as int64 arrays, and percentiles over them.

Percentiles use linear interpolation between closest ranks (numpy's default, "type 7"):
rank h = (n - 1) * p over the sorted values, interpolating between floor(h) and ceil(h).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

Counts = Mapping[int, int]
_DTYPE = np.dtype("<i8")
Part = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
_MIN, _MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)
_STRIDE = 256  # grid spacing of the rank search: at most this many values per part to merge


def pack(counts: Counts) -> bytes | None:
    items = sorted((v, c) for v, c in counts.items() if c)
    if not items:
        return None
    values = np.array([v for v, _ in items], dtype=_DTYPE)
    freq = np.array([c for _, c in items], dtype=_DTYPE)
    return values.tobytes() + freq.tobytes()


def unpack(blob: bytes | None) -> Counter[int]:
    values, freq = _arrays(blob)
    return Counter(dict(zip(values.tolist(), freq.tolist(), strict=True)))


def _arrays(blob: bytes | None) -> Part:
    if not blob:
        empty = np.zeros(0, dtype=_DTYPE)
        return empty, empty
    flat = np.frombuffer(blob, dtype=_DTYPE)
    half = flat.size // 2
    return flat[:half], flat[half:]


# Durations are kept to 4 significant digits (`definitions.quantize`), so the values any
# histogram holds sit on a short ladder: 0..9999 one by one, then 9,000 rungs per decade
# (1000..9999 times 10, 100, ...). Merging counts per rung needs no sort of the values.
_EXACT = 10_000
_PER_DECADE = 9_000
_SMALL_MERGE = 4096  # below this many values, sorting beats counting over every rung
_POW10 = np.array([10**k for k in range(19)], dtype=_DTYPE)


def _rungs(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
    """Each value's rung on the ladder, or None if one is negative or not quantized."""
    if values.size == 0 or int(values.min()) < 0:
        return None
    scale = np.searchsorted(_POW10[4:], values, side="right")  # digits beyond 4
    step = _POW10[scale]
    mantissa = values // step
    if not np.array_equal(mantissa * step, values):
        return None
    rung = _EXACT + (scale - 1) * _PER_DECADE + (mantissa - _EXACT // 10)
    return np.where(scale == 0, values, rung).astype(np.int64)


def _values_of(rungs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    above = np.maximum(rungs - _EXACT, 0)
    scale = np.where(rungs < _EXACT, 0, above // _PER_DECADE + 1)
    mantissa = above % _PER_DECADE + _EXACT // 10
    return np.where(scale == 0, rungs, mantissa * _POW10[scale]).astype(_DTYPE)


class Distribution:
    """Sorted distinct values with their counts, from any number of histograms (parts).

    The parts are merged into one array only when `values` or `counts` are asked for;
    `percentile` and `bins` read the sorted parts directly. A year-long breakdown thus
    never merges its 12 month histograms per value, which at a million conversations
    hold millions of entries between them: it finds the two ranks it needs."""

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = [p for p in parts if p[0].size]
        small = len(self.parts) == 1 or sum(v.size for v, _ in self.parts) <= _SMALL_MERGE
        # One part is its own merge; a few small ones merge faster than ranks are located.
        self._merged: Part | None = _sum(self.parts) if small else None
        self._grid: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
        self._pieces: dict[int, Part] = {}  # grid interval -> its values, cumulative ranks
        self._n: int | None = None

    @staticmethod
    def merge(blobs: Iterable[bytes | None]) -> Distribution:
        return Distribution([_arrays(b) for b in blobs if b])

    @staticmethod
    def combine(dists: Iterable[Distribution]) -> Distribution:
        """The merge of already merged distributions (e.g. first and next replies)."""
        return Distribution([p for x in dists for p in x.parts])

    @property
    def values(self) -> npt.NDArray[np.int64]:
        return self._merge()[0]

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        return self._merge()[1]

    def _merge(self) -> Part:
        if self._merged is None:
            self._merged = _sum(self.parts)
        return self._merged

    @property
    def n(self) -> int:
        if self._n is None:
            self._n = sum(int(c.sum()) for _, c in self.parts)
        return self._n

    def percentile(self, p: float) -> float | None:
        n = self.n
        if n == 0:
            return None
        h = (n - 1) * p
        low, high = int(np.floor(h)), int(np.ceil(h))
        v_low = self._at_rank(low)
        v_high = v_low if high == low else self._at_rank(high)
        return v_low + (v_high - v_low) * (h - low)

    def _at_rank(self, k: int) -> float:
        """The value at 0-based rank k of the sorted (repeated) values."""
        if self._merged is not None:
            upper = np.cumsum(self._merged[1])  # value i covers ranks [upper[i-1], upper[i])
            return float(self._merged[0][np.searchsorted(upper, k, side="right")])
        grid, below = self._rank_grid()
        j = int(np.searchsorted(below, k, side="right"))  # the first grid value past rank k
        if j not in self._pieces:  # neighbouring ranks (a percentile's two) share a piece
            lo = int(grid[j - 1]) if j > 0 else _MIN
            hi = int(grid[j]) if j < grid.size else _MAX
            pieces = []
            for values, counts in self.parts:  # each holds < _STRIDE values in (lo, hi]
                a, b = np.searchsorted(values, (lo, hi), side="right").tolist()
                if b > a:
                    pieces.append((values[a:b], counts[a:b]))
            values, counts = _sum(pieces)
            self._pieces[j] = (values, np.cumsum(counts) + (int(below[j - 1]) if j > 0 else 0))
        values, upper = self._pieces[j]
        return float(values[np.searchsorted(upper, k, side="right")])

    def _rank_grid(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every _STRIDE-th value of each part, with how many values are <= each."""
        if self._grid is None:
            grid = np.unique(np.concatenate([v[_STRIDE - 1 :: _STRIDE] for v, _ in self.parts]))
            below = np.zeros(grid.size, dtype=_DTYPE)
            for values, counts in self.parts:
                upto = np.searchsorted(values, grid, side="right")
                below += np.where(upto > 0, np.cumsum(counts)[upto - 1], 0)
            self._grid = (grid, below)
        return self._grid

    def bins(self, edges: Iterable[int]) -> list[int]:
        """Counts per [edge_i, edge_i+1) bin, the last bin open-ended."""
        bounds = np.array(list(edges), dtype=_DTYPE)
        below = np.zeros(bounds.size + 1, dtype=_DTYPE)  # values < each edge, then all
        for values, counts in self.parts:
            cum = np.concatenate([[0], np.cumsum(counts)])
            below += np.append(cum[np.searchsorted(values, bounds, side="left")], cum[-1])
        return np.diff(below).tolist()  # type: ignore[no-any-return]  # numpy's tolist is Any


def _sum(parts: Sequence[Part]) -> Part:
    """One sorted distinct histogram from several."""
    if not parts:
        empty = np.zeros(0, dtype=_DTYPE)
        return empty, empty
    if len(parts) == 1:  # one histogram is already sorted and distinct
        return parts[0]
    values = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    rungs = _rungs(values) if values.size > _SMALL_MERGE else None
    if rungs is not None:  # many quantized values: a counting pass, no sort
        summed = np.bincount(rungs, weights=counts)
        present = np.flatnonzero(summed)
        return _values_of(present), np.rint(summed[present]).astype(_DTYPE)
    uniq, inverse = np.unique(values, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=uniq.size)
    return uniq, np.rint(summed).astype(_DTYPE)
