"""`dmdesk report summary --json`: its keys are exactly the metric names docs/METRICS.md
defines (its "### `name`" headings), each with the documented statistics."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from dmdesk.cli.main import app
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.test_replay import replay

METRICS_MD = Path(__file__).resolve().parents[2] / "docs" / "METRICS.md"
DURATION_KEYS = {"median_s", "p90_s", "mean_s", "n"}


def documented_metrics() -> set[str]:
    return set(re.findall(r"^### `([a-z_0-9]+)`", METRICS_MD.read_text(), flags=re.MULTILINE))


def test_summary_keys_are_the_documented_metric_names(
    db_url: str, services: Services, seeded: Seeded
) -> None:
    replay(services, seeded)
    env = {"DMDESK_DATABASE_URL": db_url, "DMDESK_SECRET_KEY": "test-secret-key"}
    names = documented_metrics()
    assert len(names) == 13
    for hours in ("calendar", "business"):
        args = ["report", "summary", "--from", "2026-03-27", "--to", "2026-03-30", "--hours",
                hours, "--json"]  # fmt: skip
        out = CliRunner().invoke(app, args, env=env)
        assert out.exit_code == 0, out.output
        metrics = json.loads(out.stdout)
        assert set(metrics) == names
        for name in ("first_response_time", "next_reply_time", "reply_time",
                     "time_to_resolution"):  # fmt: skip
            assert set(metrics[name]) == DURATION_KEYS
            assert metrics[name]["n"] > 0
        for name in ("completion_rate", "lead_qualification_rate", "conversion_rate",
                     "escalation_rate", "sla_attainment"):  # fmt: skip
            assert {"rate", "n"} <= set(metrics[name])
        assert {"share_4_5", "mean", "median", "p90", "n"} <= set(metrics["csat"])
