"""Teams and membership."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.errors import Conflict, Invalid, NotFound
from dmdesk.models import Team, TeamMember, User


def do_create_team(
    session: Session, *, workspace_id: int, name: str, at: datetime, actor_id: int | None = None
) -> Team:
    name = name.strip()
    if not name:
        raise Invalid("a team needs a name", field="name")
    exists = session.scalar(
        select(Team.id).where(Team.workspace_id == workspace_id, Team.name == name)
    )
    if exists is not None:
        raise Conflict(f"a team named {name!r} exists", field="name")
    team = Team(workspace_id=workspace_id, name=name, created_at=at)
    session.add(team)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="team.created",
        at=at,
        actor_id=actor_id,
        data={"team_id": team.id, "name": name},
    )
    return team


def do_add_team_member(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    user_id: int,
    at: datetime,
    actor_id: int | None = None,
) -> None:
    team = session.get(Team, team_id)
    user = session.get(User, user_id)
    if team is None or team.workspace_id != workspace_id:
        raise NotFound("no such team")
    if user is None or user.workspace_id != workspace_id:
        raise NotFound("no such user")
    if session.get(TeamMember, (team_id, user_id)) is None:
        session.add(TeamMember(team_id=team_id, user_id=user_id))
        record_event(
            session,
            workspace_id=workspace_id,
            type="team.member_added",
            at=at,
            actor_id=actor_id,
            data={"team_id": team_id, "user_id": user_id},
        )
