"""After-hours auto-reply once per closed period; SLA warnings and breaches recorded
exactly once, paused while pending; notifications for assignment, @mention and SLA."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import do_set_status
from dmdesk.actions.messages import do_add_note
from dmdesk.actions.notifications import do_set_notification_preferences, list_notifications
from dmdesk.actions.routing import do_create_routing_rule
from dmdesk.actions.sla import do_save_sla_policy
from dmdesk.models import Conversation, Message, User
from dmdesk.models.ownership import ConversationSla
from dmdesk.routing.jobs import run_sla_check
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.ownership.kit import agent, clock, events, inbound, team

WEEKDAYS = {
    "timezone": "Europe/Madrid",
    "shifts": [{"weekday": "mon", "start": "09:00", "end": "17:00"}],
}


def _route_all(svc: Services, ws: Seeded, team_name: str) -> None:
    svc.db.write(
        lambda s: do_create_routing_rule(
            s,
            workspace_id=ws.workspace_id,
            name="All",
            definition={"actions": {"team": team_name}},
            at=svc.clock(),
        )
    )


def _bot_texts(svc: Services, conv_id: int) -> list[str]:
    with svc.db.session() as s:
        return list(
            s.scalars(
                select(Message.text).where(
                    Message.conversation_id == conv_id, Message.author_kind == "bot"
                )
            )
        )


def test_after_hours_reply_once_per_closed_period(svc: Services, ws: Seeded) -> None:
    team(svc, ws, "Support", [], schedule=WEEKDAYS)
    _route_all(svc, ws, "Support")
    conv_id = inbound(svc, ws, "hello?")  # Thursday: closed until Monday
    inbound(svc, ws, "anyone there?")
    assert _bot_texts(svc, conv_id) == [
        "Thanks for your message. Our team is away right now. "
        "We're back Monday 09:00 (Europe/Madrid)."
    ]
    clock(svc).advance(days=5)  # Tuesday: a new closed period, until next Monday
    inbound(svc, ws, "still waiting")
    assert len(_bot_texts(svc, conv_id)) == 2
    assert len(events(svc, "business_hours.auto_replied")) == 2


def _policy(svc: Services, ws: Seeded) -> None:
    svc.db.write(
        lambda s: do_save_sla_policy(
            s,
            workspace_id=ws.workspace_id,
            name="Standard",
            definition={
                "hours": "calendar",
                "warning_fraction": 0.5,
                "targets": [{"first_response": "PT1H"}],
            },
            is_default=True,
            at=svc.clock(),
        )
    )


def test_sla_warning_and_breach_exactly_once(svc: Services, ws: Seeded) -> None:
    ana = agent(svc, ws, "ana")
    team(svc, ws, "Support", [ana])
    _route_all(svc, ws, "Support")
    _policy(svc, ws)
    conv_id = inbound(svc, ws, "help")
    assert run_sla_check(svc) == 0
    clock(svc).advance(minutes=31)
    assert run_sla_check(svc) == 1
    assert run_sla_check(svc) == 0
    clock(svc).advance(minutes=30)
    assert run_sla_check(svc) == 1
    clock(svc).advance(minutes=30)
    assert run_sla_check(svc) == 0
    [warning] = events(svc, "sla.warning")
    [breach] = events(svc, "sla.breached")
    assert (warning.data["target"], breach.data["target"]) == ("first_response", "first_response")
    with svc.db.session() as s:
        row = s.get_one(ConversationSla, conv_id)
        kinds = [n.kind for n in list_notifications(s, user=s.get_one(User, ana))]
    assert (row.state, row.target) == ("breached", "first_response")
    assert kinds.count("sla") == 2
    assert "assignment" in kinds


def test_pending_pauses_the_clock(svc: Services, ws: Seeded) -> None:
    _policy(svc, ws)
    conv_id = inbound(svc, ws, "help")
    clock(svc).advance(minutes=10)
    svc.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv_id),
            status="pending",
            at=svc.clock(),
            actor_id=None,
        )
    )
    clock(svc).advance(hours=3)
    assert run_sla_check(svc) == 0
    with svc.db.session() as s:
        row = s.get_one(ConversationSla, conv_id)
    assert (row.state, row.paused_reason) == ("paused", "pending")


def test_mention_notifies_and_preferences_silence(svc: Services, ws: Seeded) -> None:
    ana = agent(svc, ws, "ana")
    ben = agent(svc, ws, "ben")
    conv_id = inbound(svc, ws, "help")

    def note(s: Session, text: str) -> None:
        do_add_note(
            s,
            conv=s.get_one(Conversation, conv_id),
            text=text,
            at=svc.clock(),
            author_id=ws.admin_id,
        )

    svc.db.write(lambda s: note(s, "@ana can you take this? cc @ben@acme.test"))
    svc.db.write(
        lambda s: do_set_notification_preferences(
            s, user=s.get_one(User, ben), prefs={"mention": False}, at=svc.clock()
        )
    )
    svc.db.write(lambda s: note(s, "@ben ping"))
    with svc.db.session() as s:
        ana_kinds = [n.kind for n in list_notifications(s, user=s.get_one(User, ana))]
        ben_kinds = [n.kind for n in list_notifications(s, user=s.get_one(User, ben))]
    assert ana_kinds == ["mention"]
    assert ben_kinds == ["mention"]  # the second mention came after ben turned them off
