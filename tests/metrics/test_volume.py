"""The weekday x hour heatmap summed by the database equals the one folded from the hourly
rows, on both engines, with and without a filter."""

from __future__ import annotations

from datetime import date

import pytest

from dmdesk.metrics import definitions as d
from dmdesk.metrics import reports
from dmdesk.metrics.service import refresh
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.test_replay import replay


def test_weekday_hours_equal_the_heatmap_of_the_hourly_rows(
    services: Services, seeded: Seeded
) -> None:
    replay(services, seeded)
    refresh(services.db)
    ws = seeded.workspace_id
    period = (date(2026, 3, 23), date(2026, 4, 5))  # two whole weeks, DST change inside
    with services.db.session() as s:
        for flt in (
            d.ReportFilter(*period),
            d.ReportFilter(*period, channel_id=seeded.channel_id),
            d.ReportFilter(*period, agent_id=seeded.agent_id),
        ):
            grid = reports.weekday_hours(s, ws, flt)
            assert grid == reports.heatmap(reports.hourly_counts(s, ws, flt))
        whole = reports.weekday_hours(s, ws, d.ReportFilter(*period))
        with pytest.raises(reports.TooManyFilters):
            reports.weekday_hours(s, ws, d.ReportFilter(*period, channel_id=1, agent_id=2))
    assert sum(map(sum, whole)) == 5  # the replay's inbound messages
    assert whole[0][9] == 1  # Monday 30 March, 09:00 Berlin: Alice's return
    assert sum(whole[4]) == 2  # Friday 27 March: Alice's first two messages
