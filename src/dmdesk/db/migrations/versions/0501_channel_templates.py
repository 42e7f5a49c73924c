"""channel_templates: WhatsApp templates approved per channel

Revision ID: 0501
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0501"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "channel_templates",
        sa.Column("id", BIG, nullable=False),
        sa.Column("workspace_id", BIG, nullable=False),
        sa.Column("channel_id", BIG, nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_channel_templates_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_templates_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_templates")),
        sa.UniqueConstraint(
            "channel_id",
            "name",
            "language",
            name=op.f("uq_channel_templates_channel_id_name_language"),
        ),
    )


def downgrade() -> None:
    op.drop_table("channel_templates")
