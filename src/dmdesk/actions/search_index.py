"""The message search index's privacy switch: whether it may hold personal data, and
re-indexing a workspace when that changes. The triggers of migration 0303 keep the index
current on every message insert, edit and delete; this module only handles the switch."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.errors import Forbidden
from dmdesk.models import User
from dmdesk.models.people import PrivacySettings

# The same document the triggers write (migration 0303), for one workspace at once.
_SQLITE_REINDEX = (
    "INSERT INTO messages_fts(rowid, search_text, workspace_id) "
    "SELECT id, CASE WHEN :raw THEN text ELSE dmdesk_mask_pii(text) END, workspace_id "
    "FROM messages WHERE workspace_id = :ws AND text IS NOT NULL"
)
_PG_REINDEX = (
    "UPDATE messages_fts f SET document = to_tsvector('simple', "
    "CASE WHEN :raw THEN m.text ELSE dmdesk_mask_pii(m.text) END) "
    "FROM messages m WHERE m.id = f.message_id AND f.workspace_id = :ws"
)


def index_holds_personal_data(session: Session, workspace_id: int) -> bool:
    row = session.get(PrivacySettings, workspace_id)
    return bool(row and row.index_personal_data)


def purge_index_remnants(session: Session) -> None:
    """SQLite's FTS5 keeps deleted terms in old segments until they are merged: merge them
    now (after an erasure or switching personal data off). PostgreSQL's GIN entries go at
    the next VACUUM."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')"))


def do_set_index_personal_data(
    session: Session, *, admin: User, enabled: bool, at: datetime
) -> bool:
    """Opt the workspace in to (or out of) indexing e-mails, phone and card numbers in
    the search index, and re-index its messages accordingly."""
    if admin.role != "admin":
        raise Forbidden("only admins change what the search index holds")
    ws = admin.workspace_id
    row = session.get(PrivacySettings, ws) or PrivacySettings(workspace_id=ws)
    changed = bool(row.index_personal_data) != enabled
    row.index_personal_data, row.updated_by, row.updated_at = enabled, admin.id, at
    session.add(row)
    session.flush()
    if changed:
        _reindex(session, ws, raw=enabled)
    record_event(
        session,
        workspace_id=ws,
        type="privacy.search_index_changed",
        at=at,
        actor_kind="user",
        actor_id=admin.id,
        data={"index_personal_data": enabled},
    )
    return enabled


def _reindex(session: Session, workspace_id: int, *, raw: bool) -> None:
    params = {"ws": workspace_id, "raw": raw}
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("DELETE FROM messages_fts WHERE workspace_id = :ws"), params)
        session.execute(sa.text(_SQLITE_REINDEX), params)
        if not raw:
            purge_index_remnants(session)
    else:
        session.execute(sa.text(_PG_REINDEX), params)
