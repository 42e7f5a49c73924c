"""The `dmdesk` CLI as a user runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DMDESK = [sys.executable, "-m", "dmdesk.cli"]


def run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DMDESK_SECRET_KEY": "cli-test-key"}
    env.pop("DMDESK_DATABASE_URL", None)
    proc = subprocess.run(
        [*DMDESK, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dmdesk {' '.join(args)} failed: {proc.stderr}")
    return proc


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    run(tmp_path, "db", "upgrade")
    return tmp_path


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = run(tmp_path, "--help").stdout
    for command in ("serve", "db", "user", "token", "channel", "demo"):
        assert command in out


def test_create_user_token_and_channel_as_json(workdir: Path) -> None:
    user = json.loads(
        run(
            workdir,
            "user",
            "create",
            "--email",
            "Ana@Example.com",
            "--password",
            "password1",
            "--role",
            "admin",
            "--json",
        ).stdout
    )
    assert user["email"] == "ana@example.com"
    assert user["role"] == "admin"
    assert isinstance(user["id"], int)
    token = json.loads(
        run(workdir, "token", "create", "--email", "ana@example.com", "--json").stdout
    )
    assert token["token"].startswith("dmd_")
    channel = json.loads(
        run(
            workdir,
            "channel",
            "create",
            "--platform",
            "generic",
            "--name",
            "Site",
            "--secret",
            "abc123",
            "--json",
        ).stdout
    )
    assert channel["platform"] == "generic"
    assert channel["webhook_path"] == f"/webhooks/generic/{channel['id']}"
    assert "abc123" not in json.dumps(channel)


def test_clear_errors(workdir: Path) -> None:
    bad_role = run(
        workdir,
        "user",
        "create",
        "--email",
        "a@b.co",
        "--password",
        "password1",
        "--role",
        "boss",
        check=False,
    )
    assert bad_role.returncode == 1
    assert "role must be one of" in bad_role.stderr
    short = run(workdir, "user", "create", "--email", "a@b.co", "--password", "x", check=False)
    assert "at least 8 characters" in short.stderr
    nobody = run(workdir, "token", "create", "--email", "ghost@b.co", check=False)
    assert "no user with e-mail" in nobody.stderr
    no_secret = run(
        workdir, "channel", "create", "--platform", "generic", "--name", "S", check=False
    )
    assert "secret" in no_secret.stderr


def test_commands_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    proc = run(
        tmp_path, "user", "create", "--email", "a@b.co", "--password", "password1", check=False
    )
    assert proc.returncode == 1
    assert "dmdesk db upgrade" in proc.stderr


def test_demo_seeds_once(workdir: Path) -> None:
    first = json.loads(run(workdir, "demo", "--json").stdout)
    again = json.loads(run(workdir, "demo", "--json").stdout)
    assert first["created"] is True
    assert again["created"] is False
    assert first["login"]["email"] == "admin@demo.dmdesk.local"
