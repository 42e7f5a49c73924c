"""Id lists cut into bounded batches, so `IN (...)` stays within every engine's limits."""

from __future__ import annotations

from collections.abc import Iterable


def chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
