"""`dmdesk simulate` pieces: the demo's platform channels and endless rounds of people."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from dmdesk.cli.simulate import ROUND_SEQ_STRIDE, play_people, shift_round
from dmdesk.demo.channels import ensure_demo_channels
from dmdesk.models import Channel, Contact, Conversation
from dmdesk.services import Services
from dmdesk.simulator.accounts import PLATFORMS, SimAccounts
from dmdesk.simulator.runner import plan_traffic
from tests.channels.harness import wait_for
from tests.conftest import LiveServer, seed_workspace


def _ensure(svc: Services, workspace_id: int, sim_url: str = "http://sim:1") -> dict[str, int]:
    return svc.db.write(
        lambda s: ensure_demo_channels(
            s, workspace_id=workspace_id, box=svc.box, at=svc.clock(), sim_url=sim_url
        )
    )


def test_demo_channels_are_created_once(live_server: LiveServer) -> None:
    svc = live_server.services
    seeded = seed_workspace(svc)
    first = _ensure(svc, seeded.workspace_id)
    again = _ensure(svc, seeded.workspace_id)
    assert first == again
    assert set(first) == set(PLATFORMS)
    with svc.db.session() as s:
        wa = s.get_one(Channel, first["whatsapp"])
        assert wa.external_id == SimAccounts.demo().get("whatsapp").account_id
        assert wa.config["api_base_url"] == "http://sim:1/whatsapp"
        assert "app_secret" not in wa.config
        assert s.scalar(select(func.count(Channel.id))) == 6


def test_a_simulator_on_another_port_takes_over_the_demo_channels(live_server: LiveServer) -> None:
    svc = live_server.services
    seeded = seed_workspace(svc)
    other = seed_workspace(svc, slug="other")
    ids = _ensure(svc, seeded.workspace_id)  # what `dmdesk demo` seeds: the default port
    moved = _ensure(svc, seeded.workspace_id, sim_url="http://127.0.0.1:9765")
    elsewhere = _ensure(svc, other.workspace_id, sim_url="http://127.0.0.1:9999")
    assert moved == ids == elsewhere  # the accounts are connected once, in the first workspace
    with svc.db.session() as s:
        bases = {p: s.get_one(Channel, i).config["api_base_url"] for p, i in ids.items()}
    # another workspace's simulator never re-points channels it does not own
    assert bases == {p: f"http://127.0.0.1:9765/{p}" for p in PLATFORMS}


def test_later_rounds_get_fresh_ids_and_keep_duplicates_identical() -> None:
    accounts = SimAccounts.demo()
    planned = plan_traffic(accounts=accounts, start=datetime.now(UTC), seed=3, duplicate_rate=0.5)
    moved = shift_round(planned, offset=ROUND_SEQ_STRIDE, accounts=accounts)
    assert len(moved) == len(planned)
    assert {p.webhook.body for p in moved}.isdisjoint({p.webhook.body for p in planned})
    originals = {id(p.step): p.webhook.body for p in moved if not p.duplicate}
    dups = [p for p in moved if p.duplicate]
    assert dups
    assert all(originals[id(p.step)] == p.webhook.body for p in dups)


def test_one_round_reaches_the_desk_on_all_five_platforms(live_server: LiveServer) -> None:
    svc = live_server.services
    seeded = seed_workspace(svc)
    ids = _ensure(svc, seeded.workspace_id)
    accounts = SimAccounts.demo(telegram_channel_id=ids["telegram"])
    posted = play_people(
        desk_url=live_server.url,
        accounts=accounts,
        rate=0,
        rounds=1,
        seed=1,
        stop=threading.Event(),
    )
    assert posted > 30

    def platforms_with_conversations() -> set[str] | None:
        with svc.db.session() as s:
            query = (
                select(Channel.platform)
                .join(Contact, Contact.channel_id == Channel.id)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .distinct()
            )
            found = set(s.scalars(query))
        return found if found == set(PLATFORMS) else None

    assert wait_for(platforms_with_conversations, what="conversations on every platform")
