"""Retraining from the desk: the workspace's corrections on top of the usual data, trained
in a background thread, scored before/after, stored as the next version and activated."""

from __future__ import annotations

import logging
import multiprocessing
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from dmdesk.actions.triage_models import (
    TRAINING_HEARTBEAT,
    do_claim_training,
    do_report_training,
    do_save_triage_model,
    training_is_stale,
)
from dmdesk.db.database import Database
from dmdesk.domain.clock import Clock
from dmdesk.domain.errors import Conflict, Invalid
from dmdesk.models import TriageTraining, User
from dmdesk.queries.triage_corrections import correction_examples
from dmdesk.triage import datasets, training
from dmdesk.triage.datasets import Example
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.evaluation import evaluate
from dmdesk.triage.store import EngineProvider, pack

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def shared_available() -> bool:
    return datasets.shared_data_dir() is not None


def corrections_of(db: Database, workspace_id: int) -> list[Example]:
    with db.session() as s:
        rows = correction_examples(s, workspace_id)
    return [Example(c.text, c.label, "correction") for c in rows]


def figures(
    before: TriageEngine, after: TriageEngine, corrections: Sequence[Example]
) -> dict[str, Any]:
    """Accuracy on the corrections themselves (what they were trained on, so optimistic) and
    macro-F1 on the seed corpus's held-out split (what `dmdesk triage eval` reports)."""
    held_out = datasets.split(datasets.seed_examples(), holdout=True)
    out: dict[str, Any] = {"corrections_n": len(corrections), "seed_holdout_n": len(held_out)}
    for name, engine in (("before", before), ("after", after)):
        out[f"corrections_accuracy_{name}"] = evaluate(engine, corrections).extra["accuracy"]
        out[f"seed_holdout_macro_f1_{name}"] = round(evaluate(engine, held_out).macro_f1, 4)
    out["before_version"] = before.version
    return out


def train_with_corrections(
    corrections: Sequence[Example],
    *,
    out: Path,
    use_shared: bool,
    before: TriageEngine | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train into `out`; the metadata gains the corrections' counts and, given the model in
    use before, the before/after figures."""
    if not corrections:
        raise Invalid("no corrections to learn from yet")
    step = progress or (lambda _msg: None)
    started = time.process_time()
    config = training.TrainConfig(corrections=tuple(corrections), use_shared=use_shared)
    meta: dict[str, Any] = dict(training.train(config, out=out, progress=step))
    meta["corrections"] = len(corrections)
    meta["labels"] = dict(sorted(Counter(e.label for e in corrections).items()))
    meta["use_shared"] = use_shared
    if before is not None:
        step("scoring before and after")
        meta["figures"] = figures(before, TriageEngine.load(out), corrections)
    meta["cpu_seconds"] = round(time.process_time() - started, 1)
    return meta


@dataclass(frozen=True)
class TrainingState:
    """What the settings page and the API show for the workspace's latest training."""

    state: str = "idle"  # idle | training | trained | failed
    step: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    corrections: int = 0
    version: int | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat(timespec="seconds") if value else None
        return data


STOPPED = (
    "the instance running this training stopped reporting (restarted or stopped); start it again"
)


class Retrainer:
    """One background training per workspace at a time, across all instances: the state is a
    row of `triage_trainings`, so every instance shows the progress and refuses a second start;
    the result is stored and activated."""

    def __init__(
        self, db: Database, engines: EngineProvider, clock: Clock, *, use_shared: bool | None = None
    ) -> None:
        self._db = db
        self._engines = engines
        self._clock = clock
        self.use_shared = shared_available() if use_shared is None else use_shared
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}

    def state(self, workspace_id: int) -> TrainingState:
        with self._db.session() as s:
            row = s.get(TriageTraining, workspace_id)
            if row is None:
                return TrainingState()
            state = TrainingState(
                row.state,
                row.step,
                row.started_at,
                row.finished_at,
                row.corrections,
                row.version,
                row.reason,
            )
            if training_is_stale(row, self._clock()):
                return replace(state, state="failed", step="", reason=STOPPED)
            return state

    def start(self, *, workspace_id: int, actor_id: int | None) -> TrainingState:
        """Begin training now; refused while the workspace's previous training runs."""
        examples = corrections_of(self._db, workspace_id)
        if not examples:
            raise Invalid("no corrections to learn from yet")
        with self._lock:
            running = self._threads.get(workspace_id)
            if running is not None and running.is_alive():
                raise Conflict("a training is already running for this workspace")

            def claim(s: Any) -> None:
                at = self._clock()
                do_claim_training(s, workspace_id=workspace_id, corrections=len(examples), at=at)

            self._db.write(claim)
            thread = threading.Thread(
                target=self._run,
                args=(workspace_id, actor_id, examples),
                name=f"dmdesk-triage-train-{workspace_id}",
                daemon=True,
            )
            self._threads[workspace_id] = thread
        thread.start()
        return self.state(workspace_id)

    def wait(self, workspace_id: int, timeout: float | None = None) -> TrainingState:
        """Block until this instance's training thread for the workspace ends (tests, CLI)."""
        with self._lock:
            thread = self._threads.get(workspace_id)
        if thread is not None:
            thread.join(timeout)
        return self.state(workspace_id)

    def _update(self, workspace_id: int, **changes: Any) -> None:
        at = self._clock()
        self._db.write(lambda s: do_report_training(s, workspace_id=workspace_id, at=at, **changes))

    def _run(self, workspace_id: int, actor_id: int | None, examples: list[Example]) -> None:
        try:
            version = self._train_and_store(workspace_id, actor_id, examples)
        except Exception as exc:
            log.exception("triage training failed", extra={"workspace_id": workspace_id})
            reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self._update(
                workspace_id, state="failed", reason=str(reason)[:300], finished_at=self._clock()
            )
        else:
            self._update(
                workspace_id, state="trained", step="", version=version, finished_at=self._clock()
            )

    def _train_and_store(
        self, workspace_id: int, actor_id: int | None, examples: list[Example]
    ) -> int:
        before = self._engines.get(workspace_id)
        with tempfile.TemporaryDirectory(prefix="dmdesk-train-") as tmp:
            # ~25 CPU-seconds of fitting in a child process: in a thread it would hold the
            # GIL against this instance's webhooks and pages for as long.
            self._update(workspace_id, step="fitting the models (in a separate process)")
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                future = pool.submit(
                    train_with_corrections, examples, out=Path(tmp), use_shared=self.use_shared
                )
                while True:
                    try:
                        meta = future.result(timeout=TRAINING_HEARTBEAT.total_seconds())
                        break
                    except TimeoutError:
                        self._update(workspace_id)  # still fitting: the heartbeat
            self._update(workspace_id, step="scoring before and after")
            meta["figures"] = figures(before, TriageEngine.load(Path(tmp)), examples)
            blob = pack(Path(tmp))
        self._update(workspace_id, step="saving")

        def work(s: Any) -> int:
            actor = s.get(User, actor_id) if actor_id is not None else None
            saved = do_save_triage_model(
                s,
                workspace_id=workspace_id,
                actor=actor,
                artefact=blob,
                meta=meta,
                at=self._clock(),
            )
            return int(saved["version"])

        version: int = self._db.write(work)
        self._engines.refresh()
        return version
