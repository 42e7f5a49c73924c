"""`dmdesk team|routing|sla|jobs` in-process against a fresh database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dmdesk.cli.main import app
from dmdesk.models.ownership import RoutingRuleRow, SlaPolicyRow, TeamSettings
from dmdesk.services import Services
from tests.conftest import Seeded


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DMDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("DMDESK_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("DMDESK_LOG_JSON", "false")
    return CliRunner()


def _ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_team_routing_sla_and_jobs(cli: CliRunner, svc: Services, ws: Seeded) -> None:
    team = json.loads(_ok(cli, "team", "create", "Support", "--json"))
    _ok(cli, "team", "add-member", "Support", "agent@acme.test")
    hours = {
        "timezone": "Europe/Madrid",
        "shifts": [{"weekday": "mon", "start": "09:00", "end": "17:00"}],
    }
    _ok(
        cli,
        "team",
        "hours",
        "Support",
        json.dumps(hours),
        "--strategy",
        "least_loaded",
        "--reassign-after",
        "30",
    )
    _ok(cli, "routing", "add", "All", json.dumps({"actions": {"team": "Support"}}))
    listed = json.loads(_ok(cli, "routing", "list", "--json"))
    assert [r["name"] for r in listed["rules"]] == ["All"]
    _ok(
        cli,
        "sla",
        "set",
        "Standard",
        json.dumps({"hours": "business", "targets": [{"first_response": "PT2H"}]}),
        "--default",
    )
    outcome = json.loads(_ok(cli, "jobs", "run-once", "--json"))
    assert set(outcome) >= {"sla_check", "reassignment", "presence_timeouts", "escalations"}
    assert not any(v.startswith("failed") for v in outcome.values())
    with svc.db.session() as s:
        settings = s.get_one(TeamSettings, team["id"])
        assert (settings.strategy, settings.reassign_after_minutes) == ("least_loaded", 30)
        assert s.query(RoutingRuleRow).count() == 1
        assert s.query(SlaPolicyRow).one().is_default
    bad = cli.invoke(app, ["routing", "add", "Bad", '{"conditions": [{"kind": "nope"}]}'])
    assert bad.exit_code == 1
