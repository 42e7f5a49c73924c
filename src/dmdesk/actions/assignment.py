"""Team settings and assignment: automatic (round robin / least loaded within presence,
skills and capacity, race-free), manual claim, hand-off with a note, presence heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event, do_assign_conversation, do_set_team
from dmdesk.actions.messages import do_add_note
from dmdesk.db.events import record_event
from dmdesk.domain.assignment import (
    AgentCandidate,
    AssignmentDecision,
    ConversationNeeds,
    Presence,
    Strategy,
    choose_agent,
)
from dmdesk.domain.business_hours import Schedule
from dmdesk.domain.errors import Conflict, Invalid, NotFound
from dmdesk.models import Channel, Conversation, Team, TeamMember, User
from dmdesk.models.ownership import AssignmentCursor, TeamSettings

OPEN_STATUSES = ("open", "pending", "snoozed")
SETTING_FIELDS = (
    "schedule",
    "timezone",
    "strategy",
    "allow_away",
    "auto_assign",
    "after_hours_reply",
    "reassign_after_minutes",
    "sla_policy_id",
)


def team_settings(session: Session, team: Team) -> TeamSettings:
    """The team's settings row (defaults, not yet stored, when never configured)."""
    row = session.get(TeamSettings, team.id)
    if row is not None:
        return row
    return TeamSettings(
        team_id=team.id,
        workspace_id=team.workspace_id,
        schedule=None,
        timezone="UTC",
        strategy=Strategy.ROUND_ROBIN.value,
        allow_away=False,
        auto_assign=True,
        after_hours_reply=None,
        reassign_after_minutes=None,
        sla_policy_id=None,
        updated_at=team.created_at,
    )


def team_schedule(settings: TeamSettings) -> Schedule | None:
    return Schedule.model_validate(settings.schedule) if settings.schedule else None


def _validate(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise Invalid(f"unknown settings {sorted(unknown)}", field=sorted(unknown)[0])
    if changes.get("strategy") is not None:
        try:
            changes["strategy"] = Strategy(changes["strategy"]).value
        except ValueError as exc:
            raise Invalid("strategy is round_robin or least_loaded", field="strategy") from exc
    if changes.get("schedule") is not None:
        try:
            schedule = Schedule.model_validate(changes["schedule"])
        except ValueError as exc:
            raise Invalid(f"invalid schedule: {exc}", field="schedule") from exc
        changes["schedule"] = schedule.model_dump(mode="json")
        changes["timezone"] = schedule.timezone
    minutes = changes.get("reassign_after_minutes")
    if minutes is not None and minutes < 1:
        raise Invalid("reassign after at least 1 minute", field="reassign_after_minutes")
    return changes


def do_update_team_settings(
    session: Session, *, team: Team, changes: dict[str, Any], at: datetime, actor_id: int | None
) -> TeamSettings:
    """Change some of a team's settings; fields left out keep their value."""
    changes = _validate(dict(changes))
    row = session.get(TeamSettings, team.id)
    if row is None:
        row = team_settings(session, team)
        session.add(row)
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = at
    record_event(
        session,
        workspace_id=team.workspace_id,
        type="team.settings_changed",
        at=at,
        actor_id=actor_id,
        data={"team_id": team.id, "fields": sorted(changes)},
    )
    return row


def open_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.assignee_id.in_(user_ids), Conversation.status.in_(OPEN_STATUSES))
        .group_by(Conversation.assignee_id)
    ).all()
    return {int(uid): int(n) for uid, n in rows if uid is not None}


def _locked_members(session: Session, team_id: int) -> list[User]:
    """The team's agents; on PostgreSQL their rows stay locked until commit, so concurrent
    writers choosing for the same agents take turns (SQLite has a single writer)."""
    query = (
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=User)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def candidates(session: Session, members: list[User]) -> list[AgentCandidate]:
    ids = [u.id for u in members]
    counts = open_counts(session, ids)
    cursors = dict(
        session.execute(
            select(AssignmentCursor.user_id, AssignmentCursor.last_assigned_at).where(
                AssignmentCursor.user_id.in_(ids)
            )
        ).all()
    )
    return [
        AgentCandidate(
            id=str(u.id),
            presence=Presence(u.presence),
            capacity=max(u.capacity, 0),
            open_count=counts.get(u.id, 0),
            languages=frozenset(u.preferences.get("languages") or ()),
            channels=frozenset(str(c) for c in u.preferences.get("channels") or ()),
            last_assigned_at=cursors.get(u.id),
        )
        for u in members
    ]


def _lock_conversation(session: Session, conv: Conversation) -> None:
    """Re-read the assignee under a row lock: another writer may have just assigned it."""
    query = select(Conversation).where(Conversation.id == conv.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    session.scalars(query.execution_options(populate_existing=True)).one()


def _remember(session: Session, user_id: int, at: datetime) -> None:
    cursor = session.get(AssignmentCursor, user_id)
    if cursor is None:
        session.add(AssignmentCursor(user_id=user_id, last_assigned_at=at))
    else:
        cursor.last_assigned_at = at


def do_auto_assign(
    session: Session, *, conv: Conversation, at: datetime, exclude: frozenset[int] = frozenset()
) -> AssignmentDecision | None:
    """Assign an unassigned conversation within its team per the team's strategy; None
    when there is nothing to do (assigned already, no team, auto-assign off)."""
    _lock_conversation(session, conv)
    if conv.assignee_id is not None or conv.team_id is None:
        return None
    team = session.get_one(Team, conv.team_id)
    settings = team_settings(session, team)
    if not settings.auto_assign:
        return None
    members = [u for u in _locked_members(session, team.id) if u.id not in exclude]
    channel = session.get_one(Channel, conv.channel_id)
    decision = choose_agent(
        candidates(session, members),
        ConversationNeeds(language=conv.language, channel=str(channel.id)),
        strategy=Strategy(settings.strategy),
        allow_away=settings.allow_away,
    )
    if decision.agent_id is None:
        _event(
            session,
            conv,
            "assignment.unassigned",
            at=at,
            actor_id=None,
            data={"team_id": team.id, "reason": decision.reason.value},
        )
        return decision
    do_assign_conversation(
        session,
        conv=conv,
        assignee_id=int(decision.agent_id),
        at=at,
        actor_id=None,
        reason=f"auto:{decision.strategy.value}",
    )
    _remember(session, int(decision.agent_id), at)
    return decision


def do_claim_conversation(
    session: Session, *, conv: Conversation, user: User, at: datetime
) -> Conversation:
    """An agent takes an unassigned conversation (or one already theirs)."""
    _lock_conversation(session, conv)
    if conv.assignee_id not in (None, user.id):
        raise Conflict("someone else owns this conversation; ask them to hand it off")
    return do_assign_conversation(
        session, conv=conv, assignee_id=user.id, at=at, actor_id=user.id, reason="claim"
    )


def do_hand_off(
    session: Session,
    *,
    conv: Conversation,
    actor: User,
    at: datetime,
    to_user_id: int | None = None,
    to_team_id: int | None = None,
    note: str = "",
) -> Conversation:
    """Pass a conversation to an agent or a team's queue, leaving a note for them."""
    if to_user_id is None and to_team_id is None:
        raise Invalid("hand off to an agent or a team", field="to_user_id")
    if note.strip():
        do_add_note(session, conv=conv, text=note, at=at, author_id=actor.id)
    if to_team_id is not None:
        do_set_team(
            session, conv=conv, team_id=to_team_id, at=at, actor_id=actor.id, reason="hand_off"
        )
    do_assign_conversation(
        session, conv=conv, assignee_id=to_user_id, at=at, actor_id=actor.id, reason="hand_off"
    )
    if to_user_id is None:
        do_auto_assign(session, conv=conv, at=at, exclude=frozenset({actor.id}))
    return conv


def do_presence_heartbeat(
    session: Session, *, user_id: int, at: datetime, presence: str | None = None
) -> User:
    """The UI is alive: refresh presence_at; an event only when the presence changes."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    wanted = presence or user.presence
    if wanted not in {p.value for p in Presence}:
        raise Invalid("presence must be online, away or offline", field="presence")
    if wanted != user.presence:
        record_event(
            session,
            workspace_id=user.workspace_id,
            type="user.presence",
            at=at,
            actor_kind="user",
            actor_id=user.id,
            data={"presence": wanted, "previous": user.presence},
        )
        user.presence = wanted
    user.presence_at = at
    return user


def do_release_conversations(
    session: Session, *, user: User, team_id: int, at: datetime
) -> list[int]:
    """Send an absent agent's open conversations in a team back to the queue and reassign."""
    convs = list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.assignee_id == user.id,
                Conversation.team_id == team_id,
                Conversation.status.in_(("open", "pending")),
            )
            .order_by(Conversation.id)
        )
    )
    for conv in convs:
        do_assign_conversation(
            session,
            conv=conv,
            assignee_id=None,
            at=at,
            actor_id=None,
            reason=f"agent_{user.presence}",
        )
        do_auto_assign(session, conv=conv, at=at, exclude=frozenset({user.id}))
    return [c.id for c in convs]
