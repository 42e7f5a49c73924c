"""triage_models: triage artefacts trained in the desk, per workspace, one active

Revision ID: 0601
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0601"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "triage_models",
        sa.Column("id", BIG, nullable=False),
        sa.Column("workspace_id", BIG, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_by", BIG, nullable=True),
        sa.Column("meta", JSON, nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_triage_models_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trained_by"],
            ["users.id"],
            name=op.f("fk_triage_models_trained_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_models")),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_triage_models_workspace_id_version")
        ),
    )
    op.create_index("ix_triage_models_active", "triage_models", ["active", "workspace_id"])


def downgrade() -> None:
    op.drop_index("ix_triage_models_active", table_name="triage_models")
    op.drop_table("triage_models")
