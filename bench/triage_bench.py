"""Triage benchmark: model load time, whole-pipeline throughput on one core, resident memory.

Run: taskset -c 1 .venv/bin/python bench/triage_bench.py [--n 20000] [--json] [--profile 25]
Messages are the seed corpus plus, when shared/data is present, real tweets and SMS.
`messages_per_cpu_s` divides by the process's CPU time: the one-core rate on a busy machine.
`distinct_messages` says how many texts were new to the engine's per-token cache (a repeated
text only meets warm caches). `--profile N` then runs the batch again under cProfile and
prints the N functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported inside main() so that the import time can be measured
    from dmdesk.triage.engine import TriageEngine


def _rss_mb() -> float:
    with Path("/proc/self/status").open() as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _messages() -> list[str]:
    from dmdesk.triage import datasets, evalsets

    texts = [e.text for e in datasets.seed_examples()]
    root = datasets.shared_data_dir()
    if root is not None:
        texts += [e.text for e in evalsets.complaints(root)]
        texts += [e.text for e in evalsets.SUITES["sms"](root)]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rss_start = _rss_mb()
    t0 = time.perf_counter()
    from dmdesk.triage.engine import TriageEngine

    t1 = time.perf_counter()
    engine = TriageEngine.load()
    t2 = time.perf_counter()
    rss_loaded = _rss_mb()
    texts = _messages()
    batch = (texts * (args.n // len(texts) + 1))[: args.n]
    engine.classify(batch[0])
    start, cpu_start = time.perf_counter(), time.process_time()
    for text in batch:
        engine.classify(text)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    result = {
        "import_s": round(t1 - t0, 3),
        "load_s": round(t2 - t1, 3),
        "rss_before_import_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "rss_after_run_mb": round(_rss_mb(), 1),
        "messages": len(batch),
        "distinct_messages": len(set(batch)),
        "cpu_s": round(cpu, 3),
        "wall_s": round(elapsed, 3),
        "messages_per_s": round(len(batch) / elapsed),
        "messages_per_cpu_s": round(len(batch) / cpu),
        "mean_latency_ms": round(elapsed / len(batch) * 1000, 3),
        "model_version": engine.version,
        "python": sys.version.split()[0],
        "cpu": os.uname().machine,
        "load_average": os.getloadavg(),
    }
    _print(result, as_json=args.json)
    if args.profile:
        _profile(engine, batch, top=args.profile)


def _profile(engine: TriageEngine, batch: list[str], *, top: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for text in batch:
        engine.classify(text)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(top)


def _print(result: dict[str, object], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:22} {value}")


if __name__ == "__main__":
    main()
