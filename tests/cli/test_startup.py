"""`dmdesk` starts without importing the application: help lists every command from a table,
and a command's module (database, metrics, simulator...) is imported only when it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.core import TyperGroup

from dmdesk.cli.lazy import mounted_commands
from dmdesk.cli.main import LAZY_COMMANDS

# Every top-level command, in the order `dmdesk --help` lists them.
TOP_LEVEL = [
    "serve",
    "demo",
    "simulate",
    "demo-traffic",
    "db",
    "user",
    "token",
    "channel",
    "saved-reply",
    "faq",
    "rule",
    "automation",
    "flow",
    "contact",
    "retention",
    "orders",
    "webhooks",
    "team",
    "routing",
    "sla",
    "jobs",
    "report",
    "import",
    "triage",
]

# What light commands must not pay for: the database layer, settings, the app's capabilities.
HEAVY = (
    "sqlalchemy",
    "pydantic_settings",
    "numpy",
    "fastapi",
    "dmdesk.config",
    "dmdesk.db",
    "dmdesk.models",
    "dmdesk.actions",
    "dmdesk.metrics",
    "dmdesk.simulator",
    "dmdesk.demo",
    "dmdesk.services",
)

# Runs the CLI in a fresh interpreter and prints, on exit, the modules it imported.
PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules))))
from dmdesk.cli.main import app
app(sys.argv[1:])
"""


def probe(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules = json.loads(proc.stderr.rpartition("\nMODULES ")[2])
    return proc, set(modules)


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules for h in HEAVY if m == h or m.startswith(f"{h}."))


def test_importing_the_cli_imports_no_application_module() -> None:
    code = "import json, sys; import dmdesk.cli.main; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    modules = set(json.loads(out.stdout))
    assert "dmdesk.cli.main" in modules
    assert heavy(modules) == []
    assert not {"dmdesk.metrics.service", "dmdesk.simulator.server"} & modules


def test_help_lists_every_command_in_order_without_importing_them() -> None:
    proc, modules = probe("--help")
    assert proc.returncode == 0, proc.stderr
    rows = [line.strip("│ ").split() for line in proc.stdout.splitlines()]
    listed = {row[0]: " ".join(row[1:]) for row in rows if row and row[0] in TOP_LEVEL}
    assert list(listed) == TOP_LEVEL
    for name, entry in LAZY_COMMANDS.items():
        assert listed[name] == entry.help
    assert heavy(modules) == []
    assert not any(m in modules for m in {e.module for e in LAZY_COMMANDS.values()})


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ("report", ["summary", "volume", "agents", "topics", "spikes", "rebuild", "topics-eval"]),
        ("triage", ["train", "classify", "eval", "rules", "corrections"]),
        ("team", ["create", "add-member", "hours"]),
        ("contact", ["export", "erase", "merge"]),
        ("import", ["conversations"]),
    ],
)
def test_group_help_loads_only_its_own_module(group: str, commands: list[str]) -> None:
    proc, modules = probe(group, "--help")
    assert proc.returncode == 0, proc.stderr
    for command in commands:
        assert f" {command} " in proc.stdout
    assert LAZY_COMMANDS[group].module in modules
    assert heavy(modules) == []


def test_classify_needs_the_triage_model_only() -> None:
    proc, modules = probe("triage", "classify", "my order never arrived", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "category" in json.loads(proc.stdout)
    assert "dmdesk.triage.engine" in modules
    assert [m for m in heavy(modules) if not m.startswith("numpy")] == []


def test_unknown_command_still_fails_with_a_suggestion() -> None:
    proc, _ = probe("reprt")
    assert proc.returncode == 2
    assert "report" in proc.stderr


def test_the_table_matches_what_each_module_mounts() -> None:
    by_module: dict[str, set[str]] = {}
    for name, entry in LAZY_COMMANDS.items():
        by_module.setdefault(entry.module, set()).add(name)
    for module, names in by_module.items():
        commands = mounted_commands(module)
        assert set(commands) == names, module
        for name, command in commands.items():
            entry = LAZY_COMMANDS[name]
            assert (command.help or "").split("\n\n")[0].strip() == entry.help, name
            assert isinstance(command, TyperGroup) == entry.group, name


def test_a_lazy_group_runs_the_real_command() -> None:
    from typer.testing import CliRunner

    from dmdesk.cli.main import app

    out = CliRunner().invoke(app, ["triage", "classify", "hello", "--json"])
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.stdout)) >= {"category", "priority", "spam"}
    missing = CliRunner().invoke(app, ["report"])
    assert missing.exit_code == 2
    assert "summary" in missing.output
