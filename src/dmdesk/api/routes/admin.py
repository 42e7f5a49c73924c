"""Users, teams and channels: read for everyone in the workspace, managed by admins."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import access_team, require_role
from dmdesk.actions.channels import do_create_channel
from dmdesk.actions.teams import do_add_team_member, do_create_team
from dmdesk.actions.users import do_create_user
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.api.schemas import (
    ChannelIn,
    ChannelOut,
    MemberIn,
    NewTeamIn,
    TeamOut,
    UserIn,
    UserOut,
)
from dmdesk.connectors.registry import webhook_path
from dmdesk.domain.enums import Role
from dmdesk.models import Channel, Team, TeamMember, User

router = APIRouter(tags=["admin"])


def _user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id, email=u.email, name=u.name, role=u.role, is_active=u.is_active, presence=u.presence
    )


def channel_out(c: Channel) -> ChannelOut:
    return ChannelOut(
        id=c.id,
        platform=c.platform,
        name=c.name,
        external_id=c.external_id,
        is_active=c.is_active,
        webhook_path=webhook_path(c.platform, c.id),
        settings=c.config,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(services: ServicesDep, caller: CallerDep) -> list[UserOut]:
    with services.db.session() as s:
        users = s.scalars(
            select(User).where(User.workspace_id == caller.user.workspace_id).order_by(User.id)
        ).all()
    return [_user_out(u) for u in users]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, services: ServicesDep, caller: CallerDep) -> UserOut:
    require_role(caller.user, Role.ADMIN)
    user = services.db.write(
        lambda s: do_create_user(
            s,
            workspace_id=caller.user.workspace_id,
            email=body.email,
            password=body.password,
            role=body.role,
            name=body.name,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return _user_out(user)


@router.get("/me", response_model=UserOut)
def me(caller: CallerDep) -> UserOut:
    return _user_out(caller.user)


@router.get("/teams", response_model=list[TeamOut])
def list_teams(services: ServicesDep, caller: CallerDep) -> list[TeamOut]:
    with services.db.session() as s:
        teams = s.scalars(
            select(Team).where(Team.workspace_id == caller.user.workspace_id).order_by(Team.name)
        ).all()
        members = s.execute(
            select(TeamMember.team_id, TeamMember.user_id).where(
                TeamMember.team_id.in_([t.id for t in teams])
            )
        ).all()
    return [
        TeamOut(id=t.id, name=t.name, member_ids=sorted(u for tid, u in members if tid == t.id))
        for t in teams
    ]


@router.post("/teams", response_model=TeamOut, status_code=201)
def create_team(body: NewTeamIn, services: ServicesDep, caller: CallerDep) -> TeamOut:
    require_role(caller.user, Role.ADMIN)
    team = services.db.write(
        lambda s: do_create_team(
            s,
            workspace_id=caller.user.workspace_id,
            name=body.name,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return TeamOut(id=team.id, name=team.name, member_ids=[])


@router.post("/teams/{team_id}/members", status_code=204)
def add_member(team_id: int, body: MemberIn, services: ServicesDep, caller: CallerDep) -> None:
    require_role(caller.user, Role.SUPERVISOR)

    def work(s: Session) -> None:
        access_team(s, caller.user, team_id)
        do_add_team_member(
            s,
            workspace_id=caller.user.workspace_id,
            team_id=team_id,
            user_id=body.user_id,
            at=services.clock(),
            actor_id=caller.user.id,
        )

    services.db.write(work)


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(services: ServicesDep, caller: CallerDep) -> list[ChannelOut]:
    with services.db.session() as s:
        rows = s.scalars(
            select(Channel)
            .where(Channel.workspace_id == caller.user.workspace_id)
            .order_by(Channel.id)
        ).all()
    return [channel_out(c) for c in rows]


@router.post("/channels", response_model=ChannelOut, status_code=201)
def create_channel(body: ChannelIn, services: ServicesDep, caller: CallerDep) -> ChannelOut:
    require_role(caller.user, Role.ADMIN)
    channel = services.db.write(
        lambda s: do_create_channel(
            s,
            workspace_id=caller.user.workspace_id,
            platform=body.platform,
            name=body.name,
            external_id=body.external_id,
            settings=body.settings,
            box=services.box,
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )
    return channel_out(channel)
