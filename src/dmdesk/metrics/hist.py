"""Exact histograms (value -> count) packed as int64 arrays, and percentiles over them.

Percentiles use linear interpolation between closest ranks (numpy's default, "type 7"):
rank h = (n - 1) * p over the sorted values, interpolating between floor(h) and ceil(h).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Counts = Mapping[int, int]
_DTYPE = np.dtype("<i8")


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


def _arrays(blob: bytes | None) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
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


@dataclass(frozen=True)
class Distribution:
    """Sorted distinct values with their counts, merged from any number of histograms."""

    values: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]

    @staticmethod
    def merge(blobs: Iterable[bytes | None]) -> Distribution:
        return Distribution._sum([_arrays(b) for b in blobs if b])

    @staticmethod
    def combine(dists: Iterable[Distribution]) -> Distribution:
        """The merge of already merged distributions (e.g. first and next replies)."""
        return Distribution._sum([(x.values, x.counts) for x in dists if x.values.size])

    @staticmethod
    def _sum(parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]) -> Distribution:
        if not parts:
            empty = np.zeros(0, dtype=_DTYPE)
            return Distribution(empty, empty)
        if len(parts) == 1:  # one histogram is already sorted and distinct
            return Distribution(parts[0][0], parts[0][1])
        values = np.concatenate([p[0] for p in parts])
        counts = np.concatenate([p[1] for p in parts])
        rungs = _rungs(values)
        if rungs is not None:  # quantized values: a counting pass, no sort
            summed = np.bincount(rungs, weights=counts)
            present = np.flatnonzero(summed)
            return Distribution(_values_of(present), np.rint(summed[present]).astype(_DTYPE))
        uniq, inverse = np.unique(values, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=uniq.size)
        return Distribution(uniq, np.rint(summed).astype(_DTYPE))

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def percentile(self, p: float) -> float | None:
        n = self.n
        if n == 0:
            return None
        h = (n - 1) * p
        low, high = int(np.floor(h)), int(np.ceil(h))
        upper = np.cumsum(self.counts)  # value i covers sorted ranks [upper[i-1], upper[i])
        v_low = float(self.values[np.searchsorted(upper, low, side="right")])
        v_high = float(self.values[np.searchsorted(upper, high, side="right")])
        return v_low + (v_high - v_low) * (h - low)

    def bins(self, edges: Iterable[int]) -> list[int]:
        """Counts per [edge_i, edge_i+1) bin, the last bin open-ended."""
        edge_list = list(edges)
        idx = np.searchsorted(np.array(edge_list, dtype=_DTYPE), self.values, side="right") - 1
        out = [0] * len(edge_list)
        for i, c in zip(idx.tolist(), self.counts.tolist(), strict=True):
            if i >= 0:
                out[i] += c
        return out
