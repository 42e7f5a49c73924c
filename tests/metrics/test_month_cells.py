"""Month-grain cells: every metric has one, folded with its day cells, and migration 0102
fills in the counted ones for rollups folded before it existed, exactly."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports
from dmdesk.metrics.rollups import read_tables, recompute
from dmdesk.metrics.service import refresh
from dmdesk.models.metrics import MetricCell
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.test_replay import replay

VERSIONS = Path(reports.__file__).parents[1] / "db" / "migrations" / "versions"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "m0102", VERSIONS / "0102_metrics_month_counts.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(services: Services, step: str) -> None:
    """One direction of migration 0102, run on the live schema (alembic_version untouched)."""

    def work(session: Session) -> None:
        with Operations.context(MigrationContext.configure(session.connection())):
            getattr(_migration(), step)()

    services.db.write(work)


def _month_counts(services: Services) -> int:
    names = [m + d.MONTH_SUFFIX for m in _migration().COUNTED]
    with services.db.session() as s:
        return int(s.scalar(select(func.count()).where(MetricCell.metric.in_(names))) or 0)


def test_every_metric_has_a_month_cell_equal_to_its_days(
    services: Services, seeded: Seeded
) -> None:
    replay(services, seeded)
    refresh(services.db)
    with services.db.session() as s:
        cells = read_tables(s, workspace_id=seeded.workspace_id).cells
    by_month: dict[tuple[object, ...], tuple[int, int]] = {}
    for (ws, dims, metric, day), value in cells.items():
        if not metric.endswith(d.MONTH_SUFFIX):
            key = (ws, dims, metric + d.MONTH_SUFFIX, day.replace(day=1))
            n, total = by_month.get(key, (0, 0))
            by_month[key] = (n + value.n, total + value.total)
    months = {k: (v.n, v.total) for k, v in cells.items() if k[2].endswith(d.MONTH_SUFFIX)}
    assert months == by_month
    assert any(k[2] == d.INBOUND + d.MONTH_SUFFIX for k in months)


def test_the_migration_backfills_month_counts_exactly(services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    refresh(services.db)
    folded = _month_counts(services)
    assert folded > 0
    _run(services, "downgrade")  # the rollups as 0101 folded them: no month counts
    assert _month_counts(services) == 0
    with services.db.session() as s:
        assert read_tables(s) != recompute(s)
    _run(services, "upgrade")
    assert _month_counts(services) == folded
    with services.db.session() as s:
        assert read_tables(s) == recompute(s)


def test_whole_months_and_edge_days_give_the_day_sums(services: Services, seeded: Seeded) -> None:
    """Counts read from month cells (March, April) plus edge days equal the day cells'."""
    replay(services, seeded)
    refresh(services.db)
    with services.db.session() as s:
        wide = reports.load_bags(
            s, seeded.workspace_id, d.ReportFilter(date(2026, 2, 27), date(2026, 4, 30))
        )
        days = reports.load_bags(
            s, seeded.workspace_id, d.ReportFilter(date(2026, 3, 27), date(2026, 3, 31))
        )
    assert dict(wide[None].counts) == dict(days[None].counts)
    assert dict(wide[None].totals) == dict(days[None].totals)
    assert wide[None].counts[d.INBOUND] == 5
