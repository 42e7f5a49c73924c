"""metrics: month-grain cells for counted metrics, summed from the day cells

Histograms already had a month twin (`<metric>/month`, day = the 1st); counted metrics
now have one too, so a year-long report sums 12 cells per metric instead of 365. The
fold writes them from now on; this fills them in for the rollups folded before.

Revision ID: 0102
Revises: 0101
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0102"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The counted metrics as of this revision (metrics.reports._COUNTED), frozen here.
COUNTED = (
    "inbound_messages", "conversations_started", "conversations_completed", "leads_qualified",
    "conversations_converted", "conversion_value_cents", "conversations_escalated",
    "sla_tracked", "sla_attained", "human_replies",
)  # fmt: skip
MONTH_SUFFIX = "/month"
DIMS = "workspace_id, channel_id, team_id, agent_id, category"


def _names(suffix: str = "") -> str:
    return ", ".join(f"'{m}{suffix}'" for m in COUNTED)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        month = "date(day, 'start of month')"
    else:
        month = "CAST(date_trunc('month', day) AS date)"
    op.execute(
        # Every SQL string here is built from this module's constants.
        f"INSERT INTO metric_cells ({DIMS}, metric, day, n, total, hist) "  # noqa: S608
        f"SELECT {DIMS}, metric || '{MONTH_SUFFIX}', {month}, SUM(n), SUM(total), NULL "
        f"FROM metric_cells WHERE metric IN ({_names()}) "
        f"GROUP BY {DIMS}, metric, {month} "
        "HAVING SUM(n) <> 0 OR SUM(total) <> 0"
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM metric_cells WHERE metric IN ({_names(MONTH_SUFFIX)})")  # noqa: S608
