"""multi-step flows, rule order, template approvals, webhook secrets sealed at rest

Revision ID: 0202
Revises: 0201
Create Date: 2026-11-26 21:20:00

Webhook secrets stored in plaintext inside `automation_rules.definition` are re-encrypted
with the same secret box as channel secrets (key from DMDESK_SECRET_KEY or the
dmdesk.secret file). Without a key the rows are left as they are: the app still reads
plaintext secrets and seals them the next time the rule is saved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from dmdesk.db.secretbox import SecretBox

revision: str = "0202"
down_revision: str | None = "0201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SEALED = "secret_sealed"


def upgrade() -> None:
    with op.batch_alter_table("keyword_flows") as batch:
        batch.add_column(sa.Column("steps", JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("automation_rules") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("reply_approvals") as batch:
        batch.add_column(sa.Column("template", sa.String(512), nullable=True))
        batch.add_column(sa.Column("template_language", sa.String(16), nullable=True))
    op.create_table(
        "flow_sessions",
        sa.Column("id", BIG, nullable=False),
        sa.Column("workspace_id", BIG, nullable=False),
        sa.Column("flow_id", BIG, nullable=False),
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_flow_sessions_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["keyword_flows.id"],
            name=op.f("fk_flow_sessions_flow_id_keyword_flows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_flow_sessions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_sessions")),
    )
    op.create_index("ix_flow_sessions_conversation", "flow_sessions", ["conversation_id", "status"])
    _seal_plaintext_secrets()


def _secret_key() -> str | None:
    key = os.environ.get("DMDESK_SECRET_KEY")
    if key:
        return key
    path = Path("dmdesk.secret")
    return path.read_text().strip() if path.exists() else None


def _seal_plaintext_secrets() -> None:
    conn = op.get_bind()
    rules = sa.table("automation_rules", sa.column("id", BIG), sa.column("definition", JSON))
    rows = [(rid, d) for rid, d in conn.execute(sa.select(rules.c.id, rules.c.definition))]
    plain = [(rid, _loaded(d)) for rid, d in rows if _has_plain(_loaded(d))]
    if not plain:
        return
    key = _secret_key()
    if key is None:
        return  # read as plaintext until the rule is next saved (see the docstring)
    box = SecretBox(key)
    for rule_id, definition in plain:
        for action in definition.get("actions") or []:
            if action.get("action") == "call_webhook" and action.get("secret"):
                action[SEALED] = box.seal({"secret": str(action.pop("secret"))})
        conn.execute(rules.update().where(rules.c.id == rule_id).values(definition=definition))


def _loaded(value: Any) -> dict[str, Any]:
    data = json.loads(value) if isinstance(value, str) else value
    return dict(data or {})


def _has_plain(definition: dict[str, Any]) -> bool:
    return any(
        a.get("action") == "call_webhook" and a.get("secret")
        for a in definition.get("actions") or []
    )


def downgrade() -> None:
    op.drop_index("ix_flow_sessions_conversation", table_name="flow_sessions")
    op.drop_table("flow_sessions")
    with op.batch_alter_table("reply_approvals") as batch:
        batch.drop_column("template_language")
        batch.drop_column("template")
    with op.batch_alter_table("automation_rules") as batch:
        batch.drop_column("position")
    with op.batch_alter_table("keyword_flows") as batch:
        batch.drop_column("steps")
