"""Triage fixtures: the shipped engine (loaded once) and the shared data folder, if present."""

from __future__ import annotations

from pathlib import Path

import pytest

from dmdesk.triage.datasets import shared_data_dir
from dmdesk.triage.engine import TriageEngine


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    return TriageEngine.load()


@pytest.fixture(scope="session")
def shared_root() -> Path:
    root = shared_data_dir()
    if root is None:
        pytest.skip("shared/data is not beside the repository: evaluation sets unavailable")
    return root
