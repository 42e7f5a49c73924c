"""Load + permission check in one call; missing and forbidden look the same (404)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Forbidden, NotFound
from dmdesk.models import Channel, Conversation, Team, User


def require_role(user: User, role: Role) -> None:
    if not Role(user.role).at_least(role):
        raise Forbidden(f"this needs the {role.value} role")


def access_conversation(session: Session, user: User, conversation_id: int) -> Conversation:
    conv = session.get(Conversation, conversation_id)
    if conv is None or conv.workspace_id != user.workspace_id:
        raise NotFound("conversation not found")
    return conv


def access_user(session: Session, user: User, user_id: int) -> User:
    other = session.get(User, user_id)
    if other is None or other.workspace_id != user.workspace_id:
        raise NotFound("user not found")
    return other


def access_team(session: Session, user: User, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.workspace_id != user.workspace_id:
        raise NotFound("team not found")
    return team


def access_channel(session: Session, user: User, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != user.workspace_id:
        raise NotFound("channel not found")
    return channel
