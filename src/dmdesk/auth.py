"""Who is calling: API bearer tokens and browser session cookies, resolved to a user."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dmdesk.db.database import Database
from dmdesk.domain.passwords import token_digest, verify_password
from dmdesk.models import ApiToken, User, WebSession

SESSION_COOKIE = "dmdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Caller:
    user: User
    via: str  # "token" or "session"
    csrf_token: str | None = None

    def csrf_ok(self, given: str | None) -> bool:
        if self.via == "token":
            return True  # bearer tokens are not sent by browsers on their own
        return bool(given and self.csrf_token and hmac.compare_digest(given, self.csrf_token))


def user_from_bearer(db: Database, token: str, *, now: datetime) -> Caller | None:
    with db.session() as s:
        row = s.execute(
            select(User, ApiToken.id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == token_digest(token),
                ApiToken.revoked_at.is_(None),
                User.is_active.is_(True),
            )
        ).first()
    del now
    return Caller(row[0], "token") if row else None


def user_from_session(db: Database, token: str, *, now: datetime) -> Caller | None:
    with db.session() as s:
        row = s.execute(
            select(User, WebSession)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.token_hash == token_digest(token), User.is_active.is_(True))
        ).first()
    if row is None or row[1].expires_at <= now:
        return None
    return Caller(row[0], "session", row[1].csrf_token)


def check_login(db: Database, email: str, password: str) -> User | None:
    with db.session() as s:
        user = s.scalars(
            select(User).where(User.email == email.strip().lower(), User.is_active.is_(True))
        ).first()
    if user is None:
        # Same work either way, so timing does not reveal which e-mails exist.
        verify_password(
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$"
            "0000000000000000000000000000000000000000000",
            password,
        )
        return None
    return user if verify_password(user.password_hash, password) else None
