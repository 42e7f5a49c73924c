"""Periodic ownership jobs: SLA checks, reassignment away from absent agents, presence
timeouts, and e-mail/ticket escalation delivery. Each takes the Services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_presence_heartbeat, do_release_conversations
from dmdesk.actions.sla import do_check_sla
from dmdesk.config import Settings
from dmdesk.db.database import Database
from dmdesk.domain.clock import Clock
from dmdesk.models import Conversation, TeamMember, User
from dmdesk.models.ownership import ConversationSla, TeamSettings
from dmdesk.routing.escalations import deliver_due
from dmdesk.routing.sla_job import due_for_check


class Services(Protocol):
    """The parts of dmdesk.services.Services the jobs use."""

    @property
    def db(self) -> Database: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...


class Registry(Protocol):
    def register(self, name: str, job: Callable[[Any], object]) -> None: ...


PRESENCE_IDLE = timedelta(minutes=5)
OPEN = ("open", "pending", "snoozed")


def run_sla_check(services: Services, *, batch: int = 500) -> int:
    """Record due SLA warnings and breaches; returns how many. Only conversations whose
    clocks can have moved are recomputed (see `dmdesk.routing.sla_job`)."""
    now = services.clock()
    with services.db.session() as s:
        ids = due_for_check(s, now=now)
    recorded = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]

        def work(s: Session, chunk: list[int] = chunk) -> int:
            convs = list(s.scalars(select(Conversation).where(Conversation.id.in_(chunk))))
            # The chunk's SLA rows in one query (held here: the identity map is weak), so
            # do_check_sla finds each in the session instead of a SELECT per conversation.
            rows = s.scalars(
                select(ConversationSla).where(ConversationSla.conversation_id.in_(chunk))
            ).all()
            found = sum(len(do_check_sla(s, conv=c, now=now)) for c in convs)
            del rows
            return found

        recorded += services.db.write(work)
    return recorded


def run_reassignment(services: Services) -> int:
    """Hand back conversations of agents away/offline longer than their team allows."""
    now = services.clock()
    with services.db.session() as s:
        rows = s.execute(
            select(TeamSettings.team_id, TeamSettings.reassign_after_minutes, User.id)
            .join(TeamMember, TeamMember.team_id == TeamSettings.team_id)
            .join(User, User.id == TeamMember.user_id)
            .where(
                TeamSettings.reassign_after_minutes.is_not(None),
                User.presence.in_(("away", "offline")),
            )
        ).all()
        stale = [
            (team_id, user_id)
            for team_id, minutes, user_id in rows
            if (at := s.get_one(User, user_id).presence_at) is None
            or at <= now - timedelta(minutes=minutes or 0)
        ]

    def work(s: Session) -> int:
        moved = 0
        for team_id, user_id in stale:
            user = s.get_one(User, user_id)
            moved += len(do_release_conversations(s, user=user, team_id=team_id, at=now))
        return moved

    return services.db.write(work) if stale else 0


def run_presence_timeouts(services: Services, *, idle: timedelta = PRESENCE_IDLE) -> int:
    """Online agents without a heartbeat for `idle` become away."""
    now = services.clock()
    with services.db.session() as s:
        ids = list(
            s.scalars(
                select(User.id).where(
                    User.presence == "online",
                    (User.presence_at.is_(None)) | (User.presence_at <= now - idle),
                )
            )
        )

    def work(s: Session) -> int:
        for user_id in ids:
            do_presence_heartbeat(s, user_id=user_id, at=now, presence="away")
        return len(ids)

    return services.db.write(work) if ids else 0


def run_escalations(services: Services) -> int:
    return deliver_due(services.db, settings=services.settings, clock=services.clock)


def register(scheduler: Registry) -> None:
    scheduler.register("presence_timeouts", run_presence_timeouts)
    scheduler.register("reassignment", run_reassignment)
    scheduler.register("sla_check", run_sla_check)
    scheduler.register("escalations", run_escalations)
