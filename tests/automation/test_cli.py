"""The automation CLI in-process (typer's runner) against a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dmdesk.cli.main import app


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DMDESK_SECRET_KEY", "cli-test-key")


def test_saved_replies_rules_and_tick(env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "a@x.test",
            "--name",
            "Ann",
            "--password",
            "password1",
            "--role",
            "admin",
        ],
    )
    assert made.exit_code == 0, made.output
    created = runner.invoke(
        app,
        ["saved-reply", "create", "--name", "Hi", "--body", "Hi {{contact.first_name}}!", "--json"],
    )
    assert json.loads(created.stdout)["name"] == "Hi"
    bad = runner.invoke(
        app, ["saved-reply", "create", "--name", "x", "--body", "{{contact.__class__}}"]
    )
    assert bad.exit_code == 1
    listed = json.loads(runner.invoke(app, ["saved-reply", "list", "--json"]).stdout)
    assert [r["name"] for r in listed] == ["Hi"]
    rule = tmp_path / "rule.json"
    rule.write_text(
        json.dumps(
            {"trigger": {"event": "message_created"}, "actions": [{"action": "tag", "tag": "new"}]}
        )
    )
    assert (
        runner.invoke(app, ["rule", "create", "--name", "Tag", "--definition", str(rule)]).exit_code
        == 0
    )
    rules = json.loads(runner.invoke(app, ["rule", "list", "--json"]).stdout)
    assert rules[0]["enabled"] is True
    tick = runner.invoke(app, ["automation", "tick", "--json"])
    assert json.loads(tick.stdout)["follow_ups"] == 0


def test_flow_create_validates_and_lists(env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    user = ["user", "create", "--email", "a@x.test", "--name", "Ann", "--password", "password1"]
    assert runner.invoke(app, [*user, "--role", "admin"]).exit_code == 0
    steps = tmp_path / "flow.json"
    steps.write_text(
        json.dumps(
            [
                {"id": "start", "text": "Which one?", "options": [{"title": "A", "next": "a"}]},
                {"id": "a", "text": "Here is A", "consent": True},
            ]
        )
    )
    create = ["flow", "create", "--keyword", "Guide", "--purpose", "tips", "--steps", str(steps)]
    made = runner.invoke(app, [*create, "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["steps"] == 2
    steps.write_text(json.dumps([{"id": "start", "text": "x", "on_text": "missing"}]))
    bad = runner.invoke(
        app, ["flow", "create", "--keyword", "other", "--purpose", "p", "--steps", str(steps)]
    )
    assert bad.exit_code == 1
    assert "unknown step" in bad.output
    listed = json.loads(runner.invoke(app, ["flow", "list", "--json"]).stdout)
    assert [(f["keyword"], f["steps"]) for f in listed] == [("guide", ["start", "a"])]


def test_faq_eval_refuses_unknown_datasets(env: None) -> None:
    out = CliRunner().invoke(app, ["faq", "eval", "--dataset", "imdb"])
    assert out.exit_code == 1


def test_register_jobs_adds_the_automation_tick() -> None:
    from dmdesk.jobs.scheduler import Scheduler
    from dmdesk.rules import register_jobs

    scheduler = Scheduler()
    register_jobs(scheduler)
    assert "automation" in scheduler.jobs
