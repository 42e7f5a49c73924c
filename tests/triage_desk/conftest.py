"""Fixtures for triage models trained in the desk: one small artefact trained once per
session (seed corpus + four parka corrections, no shared sets), and desks that re-check the
active model on every use and train without the shared sets (fast, deterministic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dmdesk.services import Services, build_services
from dmdesk.triage import training
from dmdesk.triage.datasets import Example
from tests.cli.test_triage_feedback import PARKA
from tests.conftest import make_settings


@pytest.fixture(scope="session")
def parka_artefact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parka-model")
    corrections = tuple(Example(t, "collaboration", "correction") for t in PARKA)
    training.train(training.TrainConfig(corrections=corrections, use_shared=False), out=out)
    return out


def fast(svc: Services) -> Services:
    svc.triage_engines.interval = 0
    svc.triage_trainer.use_shared = False
    return svc


@pytest.fixture
def desk(services: Services) -> Services:
    return fast(services)


@pytest.fixture
def two_desks(pg_url: str) -> Iterator[tuple[Services, Services]]:
    """Two instances on one PostgreSQL database (no workers: the tests drive them)."""
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_url)
    a = fast(build_services(make_settings(pg_url)))
    b = fast(build_services(make_settings(pg_url)))
    yield a, b
    a.stop()
    b.stop()
