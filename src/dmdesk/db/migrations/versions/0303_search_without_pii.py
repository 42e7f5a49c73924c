"""The search index holds masked text: e-mails, IBANs and long digit runs are replaced
before indexing unless the workspace opts in (privacy_settings.index_personal_data).

SQLite: `messages_fts` becomes an FTS5 table with its own (masked) content, fed by
triggers that call `dmdesk_mask_pii`, a function registered on every connection
(dmdesk.db.engine). PostgreSQL: a `messages_fts` table of tsvectors of the masked text,
fed by a trigger, with the GIN index; the old GIN index on the raw text is dropped.

Also: retention policies remember when they last ran, for the daily scheduled job.

Revision ID: 0303
Revises: 0302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dmdesk.domain.pii_mask import mask_for_index

revision: str = "0303"
down_revision: str | None = "0302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPTED_IN = (
    "coalesce((SELECT p.index_personal_data FROM privacy_settings p "
    "WHERE p.workspace_id = {row}.workspace_id), {false})"
)
_SQLITE_DOC = (
    f"CASE WHEN {_OPTED_IN.format(row='{row}', false='0')} "
    "THEN {row}.text ELSE dmdesk_mask_pii({row}.text) END"
)
_SQLITE_INSERT = (
    "INSERT INTO messages_fts(rowid, search_text, workspace_id) "
    f"SELECT new.id, {_SQLITE_DOC.format(row='new')}, new.workspace_id "
    "WHERE new.text IS NOT NULL;"
)
# Mirrors dmdesk.domain.pii_mask.INDEX_MASKS (same patterns, same order, same labels).
_PG_MASK = r"""
CREATE OR REPLACE FUNCTION dmdesk_mask_pii(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(t,
    '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[email]', 'g'),
    '\m[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}\M', '[iban]', 'g'),
    '\+?[0-9](?:[[:space:]().-]{0,2}[0-9]){6,}', '[number]', 'g')
$$
"""
_PG_DOC = (
    "to_tsvector('simple', CASE WHEN "
    f"{_OPTED_IN.format(row='{row}', false='false')} "
    "THEN {row}.text ELSE dmdesk_mask_pii({row}.text) END)"
)
_PG_TRIGGER = f"""
CREATE OR REPLACE FUNCTION dmdesk_messages_fts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.text IS NULL THEN
    DELETE FROM messages_fts WHERE message_id = NEW.id;
  ELSE
    INSERT INTO messages_fts(message_id, workspace_id, document)
    VALUES (NEW.id, NEW.workspace_id, {_PG_DOC.format(row="NEW")})
    ON CONFLICT (message_id) DO UPDATE SET document = EXCLUDED.document;
  END IF;
  RETURN NULL;
END
$$
"""  # noqa: S608  (every SQL string here is built from this module's constants)


def upgrade() -> None:
    op.create_table(
        "privacy_settings",
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("index_personal_data", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("workspace_id"),
    )
    with op.batch_alter_table("retention_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def _sqlite_upgrade() -> None:
    raw = op.get_bind().connection.driver_connection
    if raw is None:
        raise RuntimeError("no SQLite connection to register dmdesk_mask_pii on")
    raw.create_function("dmdesk_mask_pii", 1, mask_for_index, deterministic=True)
    for name in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{name}")
    op.execute("DROP TABLE IF EXISTS messages_fts")
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(search_text, workspace_id UNINDEXED, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN {_SQLITE_INSERT} END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.id; END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_au AFTER UPDATE OF text, workspace_id ON messages BEGIN "  # noqa: S608
        f"DELETE FROM messages_fts WHERE rowid = old.id; {_SQLITE_INSERT} END"
    )
    op.execute(
        "INSERT INTO messages_fts(rowid, search_text, workspace_id) "  # noqa: S608
        f"SELECT m.id, {_SQLITE_DOC.format(row='m')}, m.workspace_id FROM messages m "
        "WHERE m.text IS NOT NULL"
    )


def _pg_upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_messages_fts")
    op.execute(
        "CREATE TABLE messages_fts ("
        "message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, "
        "workspace_id INTEGER NOT NULL, document TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_messages_fts_document ON messages_fts USING GIN (document)")
    op.execute("CREATE INDEX ix_messages_fts_workspace ON messages_fts (workspace_id)")
    op.execute(_PG_MASK)
    op.execute(_PG_TRIGGER)
    op.execute(
        "CREATE TRIGGER messages_fts_iu AFTER INSERT OR UPDATE OF text ON messages "
        "FOR EACH ROW EXECUTE FUNCTION dmdesk_messages_fts()"
    )
    op.execute(
        "INSERT INTO messages_fts(message_id, workspace_id, document) "  # noqa: S608
        f"SELECT m.id, m.workspace_id, {_PG_DOC.format(row='m')} FROM messages m "
        "WHERE m.text IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{name}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
        _sqlite_restore_0001()
    else:
        op.execute("DROP TRIGGER IF EXISTS messages_fts_iu ON messages")
        op.execute("DROP FUNCTION IF EXISTS dmdesk_messages_fts()")
        op.execute("DROP TABLE IF EXISTS messages_fts")
        op.execute("DROP FUNCTION IF EXISTS dmdesk_mask_pii(text)")
        op.execute(
            "CREATE INDEX ix_messages_fts ON messages "
            "USING GIN (to_tsvector('simple', coalesce(text, '')))"
        )
    op.drop_table("privacy_settings")
    with op.batch_alter_table("retention_policies", schema=None) as batch_op:
        batch_op.drop_column("last_run_at")


def _sqlite_restore_0001() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts(rowid, text) VALUES (new.id, coalesce(new.text, '')); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, text) "
        "VALUES ('delete', old.id, coalesce(old.text, '')); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_au AFTER UPDATE OF text ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, text) "
        "VALUES ('delete', old.id, coalesce(old.text, '')); "
        "INSERT INTO messages_fts(rowid, text) VALUES (new.id, coalesce(new.text, '')); END"
    )
    op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
