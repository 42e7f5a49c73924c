"""Fixtures for the end-to-end channel tests: a desk and the simulator, both over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from dmdesk.app import create_app
from dmdesk.domain.clock import FrozenClock
from dmdesk.services import build_services
from dmdesk.simulator.server import SimulatorConfig
from dmdesk.simulator.server import create_app as create_sim_app
from tests.channels.harness import Rig, serve
from tests.conftest import make_settings, seed_workspace


@pytest.fixture
def rig(sqlite_url: str) -> Iterator[Rig]:
    """dmdesk (frozen clock, workers on) connected to all five simulated platforms."""
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    services = build_services(make_settings(sqlite_url, run_workers=True), clock=clock)
    seeded = seed_workspace(services)
    with serve(create_app(services.settings, services=services)) as desk:
        # A short delay: real receipts arrive after the send call has returned.
        sim_app = create_sim_app(SimulatorConfig(desk_base_url=desk, receipt_delay_s=0.2))
        with serve(sim_app) as sim, httpx.Client(timeout=10) as http:
            rig = Rig(desk, sim, services, clock, seeded, http)
            rig.connect_all()
            yield rig
