"""Fixtures of the connector tests that talk HTTP: a loopback stub API and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from connector_testkit import StubApi, stub_api


@pytest.fixture
def api() -> Iterator[StubApi]:
    """A real HTTP server on 127.0.0.1 answering the replies a test queues."""
    with stub_api() as stub:
        yield stub


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """The connectors' HTTP client (here it overrides the app TestClient of tests/conftest)."""
    with httpx.Client(timeout=5) as c:
        yield c
