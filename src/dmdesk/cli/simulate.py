"""`dmdesk simulate`: the five platforms' send APIs, and people writing to a desk.

    dmdesk simulate --port 9100                                  # send APIs only
    dmdesk simulate --port 9100 --desk-url http://127.0.0.1:8000 --rate 0.3

With `--desk-url` it also plays people: every conversation script on every platform, signed
webhooks at `--rate` a second (duplicates and out-of-order deliveries included), round after
round, and delivery / read receipts for what the desk sends. The desk's channels must hold the
simulator's demo accounts; `dmdesk demo` creates them (see dmdesk.demo.channels).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from dmdesk.cli.common import console, err_console, fail, load_settings, write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.simulator.accounts import SimAccounts
    from dmdesk.simulator.runner import Planned

# Each round's message ids start this far after the previous round's, so none repeats.
ROUND_SEQ_STRIDE = 10_000


def shift_round(planned: list[Planned], *, offset: int, accounts: SimAccounts) -> list[Planned]:
    """The same plan with fresh message ids (`offset` added to every seq), re-signed.

    A duplicate shares its original's step, so it stays byte for byte the same.
    """
    from dmdesk.simulator.people import build_webhook

    if offset == 0:
        return planned
    rebuilt: dict[int, Planned] = {}
    result = []
    for item in planned:
        key = id(item.step)
        if key not in rebuilt:
            step = item.step
            target = step.target_seq + offset if step.target_seq is not None else None
            moved = replace(step, seq=step.seq + offset, target_seq=target)
            hook = build_webhook(item.platform, moved, accounts=accounts)
            rebuilt[key] = replace(item, step=moved, webhook=hook)
        result.append(replace(rebuilt[key], duplicate=item.duplicate))
    return result


def play_people(
    *,
    desk_url: str,
    accounts: SimAccounts,
    rate: float,
    rounds: int | None,
    seed: int,
    stop: threading.Event,
) -> int:
    """Post rounds of planned traffic until `rounds` are done or `stop` is set; returns posts."""
    from dmdesk.domain.clock import utcnow
    from dmdesk.simulator.runner import plan_traffic, run_traffic

    posted = 0
    done = 0
    while (rounds is None or done < rounds) and not stop.is_set():
        planned = plan_traffic(accounts=accounts, start=utcnow(), seed=seed + done)
        planned = shift_round(planned, offset=done * ROUND_SEQ_STRIDE, accounts=accounts)
        report = asyncio.run(run_traffic(planned, base_url=desk_url, rate_per_s=rate))
        posted += report.posted
        if report.errors:
            err_console.print(f"[yellow]{len(report.errors)} webhooks could not be posted[/]")
        done += 1
    return posted


def telegram_channel_for_demo(sim_url: str) -> int:
    """The demo's Telegram channel id (created if missing): its webhook path names it."""
    from sqlalchemy import select

    from dmdesk.db.secretbox import SecretBox
    from dmdesk.demo.channels import ensure_demo_channels
    from dmdesk.demo.seed import DEMO_SLUG
    from dmdesk.domain.clock import utcnow
    from dmdesk.models import Workspace

    settings = load_settings()
    box = SecretBox(settings.effective_secret_key())

    def work(s: Session) -> int:
        ws = s.scalars(select(Workspace).where(Workspace.slug == DEMO_SLUG)).first()
        if ws is None:
            fail("no demo workspace: run `dmdesk demo` first, or pass --telegram-channel-id")
        ids = ensure_demo_channels(s, workspace_id=ws.id, box=box, at=utcnow(), sim_url=sim_url)
        return ids["telegram"]

    return write(settings, work)


def simulate(
    host: Annotated[str, typer.Option(help="Interface the simulator binds")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the simulated send APIs")] = 9100,
    desk_url: Annotated[
        str | None, typer.Option(help="A running desk to post people's webhooks and receipts to")
    ] = None,
    rate: Annotated[float, typer.Option(help="Webhooks a second posted to the desk")] = 0.3,
    rounds: Annotated[
        int | None, typer.Option(help="Rounds of every script on every platform (default: endless)")
    ] = None,
    telegram_channel_id: Annotated[
        int | None, typer.Option(help="The desk's Telegram channel id (default: the demo's)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the traffic plan")] = 7,
) -> None:
    """Play Messenger, Instagram, WhatsApp, Telegram and X for a desk (offline)."""
    import uvicorn

    from dmdesk.simulator.accounts import SimAccounts
    from dmdesk.simulator.server import SimulatorConfig, create_app

    sim_url = f"http://{host}:{port}"
    tg_id = telegram_channel_id
    if desk_url and tg_id is None:
        tg_id = telegram_channel_for_demo(sim_url)
    accounts = SimAccounts.demo(telegram_channel_id=tg_id or 1)
    app = create_app(SimulatorConfig(desk_base_url=desk_url, accounts=accounts))
    stop = threading.Event()
    if desk_url:
        thread = threading.Thread(
            target=play_people,
            kwargs={
                "desk_url": desk_url,
                "accounts": accounts,
                "rate": rate,
                "rounds": rounds,
                "seed": seed,
                "stop": stop,
            },
            name="dmdesk-sim-people",
            daemon=True,
        )
        thread.start()
        console.print(f"playing people: ~{rate:g} webhooks/s to {desk_url}")
    console.print(f"platform send APIs at {sim_url}/<platform> (requests: {sim_url}/_sim/requests)")
    try:
        uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    finally:
        stop.set()


def mount(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
