"""Assignment under concurrency: several writers (separate database handles, as several
instances would have) assign at once; nobody is double-assigned, capacity holds."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_auto_assign
from dmdesk.actions.conversations import do_set_team
from dmdesk.actions.inbound_queue import do_enqueue_delivery
from dmdesk.actions.routing import do_create_routing_rule
from dmdesk.db.database import Database
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.ingest.pipeline import Pipeline
from dmdesk.models import Conversation, Event
from dmdesk.routing.hook import on_new_message
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.ownership.kit import agent, inbound, team


def test_parallel_writers_never_double_assign_or_overfill(svc: Services, ws: Seeded) -> None:
    agents = [agent(svc, ws, name, capacity=2) for name in ("ana", "ben", "cy")]
    convs = [inbound(svc, ws, "hi", sender=f"c{i}") for i in range(8)]
    support = team(svc, ws, "Support", agents, auto_assign=True)

    def to_team(s: Session) -> None:
        for conv_id in convs:
            c = s.get_one(Conversation, conv_id)
            do_set_team(s, conv=c, team_id=support, at=svc.clock(), actor_id=None)

    svc.db.write(to_team)
    handles = [Database(svc.db.url) for _ in range(4)]
    barrier = threading.Barrier(len(handles))
    errors: list[BaseException] = []

    def worker(db: Database) -> None:
        barrier.wait()
        for conv_id in convs:  # every writer tries every conversation
            try:
                db.write(
                    lambda s, cid=conv_id: do_auto_assign(
                        s, conv=s.get_one(Conversation, cid), at=svc.clock()
                    )
                )
            except Exception as exc:  # SQLite may report "database is locked"; retried below
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(db,)) for db in handles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in handles:
        db.close()
    with svc.db.session() as s:
        per_agent = dict(
            s.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.assignee_id.is_not(None))
                .group_by(Conversation.assignee_id)
            ).all()
        )
        assigned_events = s.scalars(
            select(Event.conversation_id).where(Event.type == "conversation.assigned")
        ).all()
    assert all(n <= 2 for n in per_agent.values())
    assert sum(per_agent.values()) == 6  # three agents, two each: full, never more
    assert len(assigned_events) == len(set(assigned_events)) == 6
    assert all("locked" in str(e) for e in errors)


def test_two_pipelines_at_once_share_agents_safely(svc: Services, ws: Seeded) -> None:

    agents = [agent(svc, ws, name, capacity=2) for name in ("ana", "ben", "cy")]
    team(svc, ws, "Support", agents)
    svc.db.write(
        lambda s: do_create_routing_rule(
            s,
            workspace_id=ws.workspace_id,
            name="All",
            definition={"actions": {"team": "Support"}},
            at=svc.clock(),
        )
    )
    for i in range(10):
        event = InboundMessage(
            account_id="acme-web",
            occurred_at=svc.clock(),
            contact=ContactRef(external_id=f"race{i}", name=f"P{i}"),
            message_id=f"race-{i}",
            text="hello",
        )
        svc.db.write(
            lambda s, e=event: do_enqueue_delivery(
                s,
                platform="generic",
                body=b"{}",
                at=svc.clock(),
                items=[(ws.channel_id, e)],
                delivery_channel_id=ws.channel_id,
            )
        )
    handles = [Database(svc.db.url) for _ in range(2)]
    pipelines = [Pipeline(db=db, clock=svc.clock, batch_size=2) for db in handles]
    for p in pipelines:
        p.message_hooks.append(on_new_message)
    barrier = threading.Barrier(len(pipelines))
    errors: list[BaseException] = []

    def drain(p: Pipeline) -> None:
        barrier.wait()
        for _ in range(40):
            try:
                if p.run_once() == 0:
                    return
            except Exception as exc:  # SQLite: one writer at a time; try again
                errors.append(exc)

    threads = [threading.Thread(target=drain, args=(p,)) for p in pipelines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in handles:
        db.close()
    with svc.db.session() as s:
        per_agent = dict(
            s.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.assignee_id.is_not(None))
                .group_by(Conversation.assignee_id)
            ).all()
        )
        assigned = s.scalars(
            select(Event.conversation_id).where(Event.type == "conversation.assigned")
        ).all()
        total = s.scalar(select(func.count()).select_from(Conversation))
    assert all("locked" in str(e) for e in errors)
    assert total == 10
    assert per_agent == dict.fromkeys(agents, 2)
    assert len(assigned) == len(set(assigned)) == 6
