"""Plays many people at once: plans interleaved conversations, then posts them at a set rate.

    planned = plan_traffic(accounts=SimAccounts.demo(), start=now, seed=7)
    report = asyncio.run(run_traffic(planned, base_url="http://127.0.0.1:8000", rate_per_s=5))
    # or, from sync code: thread, report = start_traffic_thread(planned, base_url=..., rate_per_s=5)

Duplicates (the same signed body twice) and out-of-order deliveries are mixed in on purpose:
every platform retries and none guarantees order.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx

from dmdesk.simulator.accounts import PLATFORMS, SimAccounts
from dmdesk.simulator.people import SCRIPTS, Webhook, build_webhook, conversation, supports
from dmdesk.simulator.script import NAMES, Person, ScriptStep


@dataclass(frozen=True)
class Planned:
    platform: str
    script: str
    step: ScriptStep
    webhook: Webhook
    duplicate: bool = False


@dataclass
class RunReport:
    posted: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def _people(rng: random.Random, count: int) -> list[Person]:
    picks = rng.sample(range(len(NAMES)), k=min(count, len(NAMES)))
    return [Person(number=1000 + i, name=NAMES[i][0], handle=NAMES[i][1]) for i in picks]


def plan_traffic(
    *,
    accounts: SimAccounts,
    start: datetime,
    platforms: Sequence[str] = PLATFORMS,
    scripts: Sequence[str] = tuple(SCRIPTS),
    duplicate_rate: float = 0.1,
    reorder_rate: float = 0.1,
    seed: int = 0,
) -> list[Planned]:
    """Every script once per platform, by different people, interleaved by time."""
    rng = random.Random(seed)
    planned: list[Planned] = []
    seq = 1
    for platform in platforms:
        people = _people(rng, len(scripts))
        for person, script in zip(itertools.cycle(people), scripts):
            offset = timedelta(seconds=rng.uniform(0, 300))
            for step in conversation(script, person, start=start + offset, first_seq=seq):
                if supports(platform, step.kind):
                    hook = build_webhook(platform, step, accounts=accounts)
                    planned.append(Planned(platform, script, step, hook))
            seq += len(SCRIPTS[script])
    planned.sort(key=lambda p: p.step.at)
    noisy = _with_duplicates(planned, rng, rate=duplicate_rate)
    return _shuffle_a_little(noisy, rng, rate=reorder_rate)


def _with_duplicates(planned: list[Planned], rng: random.Random, *, rate: float) -> list[Planned]:
    result = list(planned)
    for item in planned:
        if rng.random() < rate:
            # A retry arrives a little later than the original, byte for byte the same.
            at = min(len(result), result.index(item) + rng.randint(1, 3))
            result.insert(at, replace(item, duplicate=True))
    return result


def _shuffle_a_little(planned: list[Planned], rng: random.Random, *, rate: float) -> list[Planned]:
    result = list(planned)
    for i in range(len(result) - 1):
        if rng.random() < rate:
            result[i], result[i + 1] = result[i + 1], result[i]
    return result


async def run_traffic(
    planned: Sequence[Planned],
    *,
    base_url: str,
    rate_per_s: float,
    client: httpx.AsyncClient | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> RunReport:
    """POST every planned webhook to the desk at `base_url`, `rate_per_s` per second."""
    report = RunReport()
    interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
    async with _client(client) as http:
        for item in planned:
            url = base_url.rstrip("/") + item.webhook.path
            try:
                resp = await http.post(url, content=item.webhook.body, headers=item.webhook.headers)
            except httpx.HTTPError as exc:
                report.errors.append(f"{item.platform}: {type(exc).__name__}")
            else:
                report.statuses[resp.status_code] += 1
            report.posted += 1
            await sleep(interval)
    return report


@asynccontextmanager
async def _client(given: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """Use the caller's client as is, or own a fresh one for the run."""
    if given is not None:
        yield given
        return
    async with httpx.AsyncClient(timeout=10) as owned:
        yield owned


def start_traffic_thread(
    planned: Sequence[Planned], *, base_url: str, rate_per_s: float
) -> tuple[threading.Thread, RunReport]:
    """Run `run_traffic` in a daemon thread; the report fills in as it goes (join, then read)."""
    report = RunReport()

    def work() -> None:
        done = asyncio.run(run_traffic(planned, base_url=base_url, rate_per_s=rate_per_s))
        report.posted, report.statuses, report.errors = done.posted, done.statuses, done.errors

    thread = threading.Thread(target=work, name="dmdesk-sim-people", daemon=True)
    thread.start()
    return thread, report
