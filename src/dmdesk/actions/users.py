"""Users, API tokens and browser sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.clock import new_token
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Conflict, Invalid, NotFound
from dmdesk.domain.passwords import MIN_PASSWORD_LENGTH, hash_password, token_digest
from dmdesk.models import ApiToken, User, WebSession, Workspace

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def do_create_user(
    session: Session,
    *,
    workspace_id: int,
    email: str,
    password: str,
    role: Role | str,
    at: datetime,
    name: str | None = None,
    actor_id: int | None = None,
) -> User:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise Invalid(f"{email!r} is not an e-mail address", field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid(
            f"role must be one of {', '.join(r.value for r in Role)}", field="role"
        ) from exc
    if session.get(Workspace, workspace_id) is None:
        raise NotFound("no such workspace")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail {email} exists", field="email")
    user = User(
        workspace_id=workspace_id,
        email=email,
        name=(name or email.split("@")[0]).strip(),
        password_hash=hash_password(password),
        role=role.value,
        is_active=True,
        presence="offline",
        capacity=20,
        preferences={},
        created_at=at,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="user.created",
        at=at,
        actor_id=actor_id,
        data={"user_id": user.id, "role": role.value},
    )
    return user


@dataclass(frozen=True)
class IssuedToken:
    id: int
    user_id: int
    token: str


def do_create_api_token(
    session: Session, *, user_id: int, at: datetime, name: str = "api"
) -> IssuedToken:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("no such active user")
    token = "dmd_" + new_token()
    row = ApiToken(user_id=user_id, name=name, token_hash=token_digest(token), created_at=at)
    session.add(row)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="token.created",
        at=at,
        actor_kind="user",
        actor_id=user_id,
        data={"token_id": row.id},
    )
    return IssuedToken(id=row.id, user_id=user_id, token=token)


@dataclass(frozen=True)
class IssuedSession:
    token: str
    csrf_token: str
    expires_at: datetime


def do_create_web_session(
    session: Session, *, user_id: int, at: datetime, days: int
) -> IssuedSession:
    token = new_token()
    csrf = new_token(24)
    expires = at + timedelta(days=days)
    session.add(
        WebSession(
            user_id=user_id,
            token_hash=token_digest(token),
            csrf_token=csrf,
            created_at=at,
            expires_at=expires,
        )
    )
    session.flush()
    return IssuedSession(token=token, csrf_token=csrf, expires_at=expires)


def do_end_web_session(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_digest(token)))


def do_set_presence(session: Session, *, user_id: int, presence: str, at: datetime) -> User:
    if presence not in ("online", "away", "offline"):
        raise Invalid("presence must be online, away or offline", field="presence")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.presence = presence
    user.presence_at = at
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="user.presence",
        at=at,
        actor_kind="user",
        actor_id=user_id,
        data={"presence": presence},
    )
    return user
