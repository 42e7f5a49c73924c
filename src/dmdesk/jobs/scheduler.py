"""A tiny scheduler thread: runs the registered periodic jobs every `interval` seconds
while workers run, their writes on the writer's bulk lane; `run_once` runs them all now
(the CLI and tests use it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
Job = Callable[[Any], object]  # called with the Services
DEFAULT_INTERVAL_SECONDS = 30.0


class Scheduler:
    def __init__(self, *, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self.jobs: dict[str, Job] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, name: str, job: Job) -> None:
        self.jobs[name] = job

    def run_once(self, services: Any) -> dict[str, str]:
        """Run every job once; one failing job does not stop the others."""
        outcome: dict[str, str] = {}
        for name, job in list(self.jobs.items()):
            try:
                outcome[name] = str(job(services))
            except Exception as exc:
                log.exception("periodic job failed", extra={"job": name})
                outcome[name] = f"failed: {type(exc).__name__}"
        return outcome

    def start(self, services: Any) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            # Periodic jobs are bulk work: webhook acknowledgements never wait behind them
            # for more than one write (the writer's lanes take turns).
            with services.db.bulk():
                while not self._stop.wait(self.interval):
                    self.run_once(services)

        self._thread = threading.Thread(target=loop, name="dmdesk-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=30)
        self._thread = None
