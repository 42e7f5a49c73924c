"""`dmdesk report` and `dmdesk import conversations` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dmdesk.cli.main import app
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.test_replay import replay

ROWS = [
    {"external_id": "c-1", "contact": {"external_id": "ig-1", "name": "Ann"},
     "status": "resolved", "resolved_at": "2026-02-02T12:00:00+01:00", "tags": ["vip"],
     "messages": [
         {"author": "contact", "at": "2026-02-02T10:00:00+01:00", "text": "Where is my order?",
          "external_id": "x-1"},
         {"author": "bot", "at": "2026-02-02T10:00:05+01:00", "text": "We will answer soon"},
         {"author": "agent", "at": "2026-02-02T10:10:00+01:00", "text": "It ships today"},
     ]},
    {"contact": {"external_id": "ig-2"},
     "messages": [{"author": "contact", "at": "2026-02-02T11:00:00", "text": "no offset"}]},
    "{not json",
    {"contact": {"external_id": "ig-3"},
     "messages": [{"author": "robot", "at": "2026-02-02T11:00:00Z", "text": "?"}]},
    {"contact": {"id": "ig-4"},
     "messages": [
         {"author_kind": "contact", "sent_at": "2026-02-03T09:00:00Z", "text": "Sizes?"},
         {"author_kind": "agent", "sent_at": "2026-02-03T09:30:00Z", "text": "S to XL"},
     ]},
]  # fmt: skip


def _invoke(db_url: str, *args: str) -> Any:
    env = {"DMDESK_DATABASE_URL": db_url, "DMDESK_SECRET_KEY": "test-secret-key"}
    return CliRunner().invoke(app, list(args), env=env)


def _jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r) for r in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_summary_json_has_every_metric(db_url: str, services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    out = _invoke(db_url, "report", "summary", "--from", "2026-03-27", "--to", "2026-03-30",
                  "--json")  # fmt: skip
    assert out.exit_code == 0, out.output
    metrics = json.loads(out.stdout)
    assert metrics["first_response_time"] == {
        "median_s": 1800.0, "p90_s": 105480.0, "mean_s": 44500.0, "n": 3}  # fmt: skip
    assert set(metrics) >= {"next_reply_time", "time_to_resolution", "completion_rate",
                            "lead_qualification_rate", "conversion_rate", "csat",
                            "escalation_rate", "sla_attainment", "inbound_messages"}  # fmt: skip
    business = _invoke(db_url, "report", "summary", "--from", "2026-03-27", "--to",
                       "2026-03-30", "--hours", "business", "--json")  # fmt: skip
    assert json.loads(business.stdout)["first_response_time"]["mean_s"] == 1300.0
    table = _invoke(db_url, "report", "summary", "--from", "2026-03-27", "--to", "2026-03-30")
    assert "first_response_time" in table.stdout


def test_volume_and_agents_as_csv(db_url: str, services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    period = ("--from", "2026-03-27", "--to", "2026-03-30", "--csv")
    volume = _invoke(db_url, "report", "volume", *period).stdout.splitlines()
    assert volume[0] == "period,inbound_messages,conversations_started"
    assert volume[1:] == ["2026-03-27,2,1", "2026-03-28,1,1", "2026-03-29,0,0",
                          "2026-03-30,2,1"]  # fmt: skip
    agents = _invoke(db_url, "report", "agents", *period).stdout.splitlines()
    assert agents[0].startswith("agent,name,")
    assert len(agents) == 4  # admin, agent and "(none)" for the unassigned ones


def test_bad_filters_fail_clearly(db_url: str, seeded: Seeded) -> None:
    out = _invoke(db_url, "report", "summary", "--from", "March", "--json")
    assert out.exit_code == 1
    assert "from must be a date" in out.output


def test_import_reports_bad_lines_and_is_idempotent(
    db_url: str, seeded: Seeded, tmp_path: Path
) -> None:
    path = _jsonl(tmp_path)
    first = _invoke(db_url, "import", "conversations", str(path))
    assert first.exit_code == 0, first.output
    assert "imported 2 conversations: 5 new messages, 0 already present, 3 bad lines" in (
        first.stdout)  # fmt: skip
    assert "line 2: messages.0.at" in first.output
    assert "line 3:" in first.output
    assert "line 4: messages.0.author" in first.output
    assert f"importing: {len(ROWS)}/{len(ROWS)} lines" in first.output  # progress, not a TTY
    again = _invoke(db_url, "import", "conversations", str(path), "--channel", "acme-web")
    assert "imported 2 conversations: 0 new messages, 5 already present" in again.stdout
    assert _invoke(db_url, "import", "conversations", str(path), "--strict").exit_code == 1
    out = _invoke(db_url, "report", "summary", "--from", "2026-02-01", "--to", "2026-02-03",
                  "--json")  # fmt: skip
    metrics = json.loads(out.stdout)
    # The bot's 10:00:05 answer does not stop the clock; the agent's 10:10 does.
    assert metrics["first_response_time"] == {
        "median_s": 1200.0, "p90_s": 1680.0, "mean_s": 1200.0, "n": 2}  # fmt: skip
    assert metrics["time_to_resolution"]["n"] == 1
    assert metrics["time_to_resolution"]["median_s"] == 7200.0
    assert metrics["completion_rate"] == {"rate": 0.5, "completed": 1, "n": 2}


@pytest.mark.parametrize("channel", ["nope", "999"])
def test_import_into_an_unknown_channel_fails(
    db_url: str, seeded: Seeded, tmp_path: Path, channel: str
) -> None:
    out = _invoke(db_url, "import", "conversations", str(_jsonl(tmp_path)), "--channel", channel)
    assert out.exit_code == 1
    assert "no channel" in out.output
