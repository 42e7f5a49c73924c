"""Histogram merges: one blob, many blobs, and merges of merges agree with numpy."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmdesk.metrics.definitions import quantize
from dmdesk.metrics.hist import Distribution, pack

SAMPLES = st.lists(st.integers(min_value=0, max_value=50), max_size=30)


@given(st.lists(SAMPLES, min_size=1, max_size=5), st.integers(min_value=1, max_value=4))
def test_merges_of_merges_equal_one_merge(groups: list[list[int]], split: int) -> None:
    blobs = [pack(Counter(g)) for g in groups]
    whole = Distribution.merge(blobs)
    parts = Distribution.combine(
        [Distribution.merge(blobs[:split]), Distribution.merge(blobs[split:])]
    )
    assert whole.values.tolist() == parts.values.tolist()
    assert whole.counts.tolist() == parts.counts.tolist()
    flat = [v for g in groups for v in g]
    assert whole.n == len(flat)
    if flat:
        for p in (0.5, 0.9):
            assert whole.percentile(p) == pytest.approx(float(np.percentile(flat, p * 100)))
            assert parts.percentile(p) == whole.percentile(p)
    else:
        assert whole.percentile(0.5) is None


def test_a_single_histogram_is_used_as_it_is() -> None:
    one = Distribution.merge([None, pack({7: 2, 3: 1})])
    assert one.values.tolist() == [3, 7]
    assert one.counts.tolist() == [1, 2]
    assert one.percentile(0.5) == 7.0


DURATIONS = st.lists(
    st.integers(min_value=0, max_value=10**15).map(quantize), min_size=1, max_size=30
)


@given(st.lists(DURATIONS, min_size=2, max_size=5), st.integers(min_value=-5, max_value=10**9))
def test_quantized_merges_equal_a_sorting_merge(groups: list[list[int]], odd: int) -> None:
    """The ladder merge (quantized values) and the sorting merge (any value) agree."""
    for extra in ([], [odd]):  # a negative or unquantized value takes the sorting path
        blobs = [pack(Counter(g)) for g in [*groups, extra]]
        merged = Distribution.merge(blobs)
        expected = Counter(v for g in [*groups, extra] for v in g)
        assert merged.values.tolist() == sorted(expected)
        assert merged.counts.tolist() == [expected[v] for v in sorted(expected)]


def test_ladder_edges_round_trip() -> None:
    edges = [0, 9999, 10000, 10010, 99990, 100000, 123_400_000, 9999 * 10**14, 10**18]
    merged = Distribution.merge([pack(Counter(edges)), pack(Counter(edges[::2]))])
    assert merged.values.tolist() == edges
    assert merged.counts.tolist() == [2 if i % 2 == 0 else 1 for i in range(len(edges))]


@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.lists(st.integers(min_value=1, max_value=700), min_size=2, max_size=14),
    st.sampled_from([30, 5000, 10**7]),
)
def test_percentiles_and_bins_from_parts_equal_numpy(
    seed: int, sizes: list[int], span: int
) -> None:
    """Many month histograms (beyond the rank grid's stride): the ranks found from the
    sorted parts, without merging them, are numpy's on the flat values; so are the bins."""
    rng = np.random.default_rng(seed)
    groups = [rng.integers(0, span, size).tolist() for size in sizes]
    dist = Distribution.merge([pack(Counter(g)) for g in groups])
    flat = np.array([v for g in groups for v in g])
    for p in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert dist.percentile(p) == pytest.approx(float(np.percentile(flat, p * 100)))
    edges = [0, span // 10, span // 3, span // 2, span - 1]
    expected = [int(((flat >= a) & (flat < b)).sum()) for a, b in itertools.pairwise(edges)]
    assert dist.bins(edges) == [*expected, int((flat >= edges[-1]).sum())]
    assert dist.n == flat.size


def test_twelve_large_month_histograms_give_numpys_percentiles() -> None:
    """A year of month histograms as large as a busy agent's (thousands of distinct
    quantized durations each): ranks located on the grid, not by a full merge."""
    rng = np.random.default_rng(12)
    months = [[quantize(int(v)) for v in rng.lognormal(13.5, 1.2, 3000)] for _ in range(12)]
    dist = Distribution.merge([pack(Counter(m)) for m in months])
    flat = np.array([v for m in months for v in m])
    for p in (0.5, 0.9, 0.999):
        assert dist.percentile(p) == pytest.approx(float(np.percentile(flat, p * 100)))
    assert dist.n == flat.size
    merged = Counter(flat.tolist())
    assert dist.values.tolist() == sorted(merged)
    assert dist.counts.tolist() == [merged[v] for v in sorted(merged)]
