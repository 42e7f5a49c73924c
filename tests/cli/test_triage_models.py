"""`dmdesk triage corrections train` stores the trained model in the database and activates
it (a running desk picks it up without a restart); `dmdesk triage models list|activate`."""

from __future__ import annotations

import json
from pathlib import Path

from dmdesk.services import Services
from tests.cli.test_triage_feedback import PARKA, PROBE, correct, run, say
from tests.cli.test_triage_feedback import sqlite_services as sqlite_services  # the fixture
from tests.conftest import seed_workspace


def test_train_stores_and_activates_then_roll_back(
    sqlite_url: str, sqlite_services: Services, tmp_path: Path
) -> None:
    desk = sqlite_services
    desk.triage_engines.interval = 0
    seeded = seed_workspace(desk)
    for i, text in enumerate(PARKA):
        correct(desk, seeded, say(desk, seeded, f"p{i}", text), "collaboration")
    assert desk.triage_engines.get(seeded.workspace_id).classify(PROBE).category != "collaboration"
    out = run(sqlite_url, "triage", "corrections", "train", "--workspace", "acme",
              "--no-shared", "--json")  # fmt: skip
    summary = json.loads(out.stdout)
    assert (summary["stored_version"], summary["active"], summary["out"]) == (1, True, None)
    assert summary["use_shared"] is False
    engine = desk.triage_engines.get(seeded.workspace_id)
    assert engine.classify(PROBE).category == "collaboration", "the running desk follows"
    listed = json.loads(run(sqlite_url, "triage", "models", "list", "--json").stdout)
    assert [(v["version"], v["active"], v["meta"]["corrections"]) for v in listed] == [
        (1, True, len(PARKA))
    ]
    probe = tmp_path / "probe.jsonl"
    probe.write_text(json.dumps({"text": PROBE, "label": "collaboration"}) + "\n")
    scores = {
        version: json.loads(
            run(
                sqlite_url,
                "triage",
                "eval",
                "--data",
                str(probe),
                "--model-version",
                version,
                "--workspace",
                "acme",
                "--json",
            ).stdout
        )["accuracy"]
        for version in ("0", "1")
    }
    assert scores == {"0": 0.0, "1": 1.0}, "eval scores a stored version against the shipped one"
    absent = run(sqlite_url, "triage", "eval", "--data", str(probe), "--model-version", "7",
                 check=False)  # fmt: skip
    assert absent.returncode != 0
    assert "no triage model version 7" in absent.stderr
    run(sqlite_url, "triage", "models", "activate", "0")
    assert desk.triage_engines.get(seeded.workspace_id).classify(PROBE).category != "collaboration"
    missing = run(sqlite_url, "triage", "models", "activate", "3", check=False)
    assert missing.returncode != 0
    assert "no triage model version 3" in missing.stderr
    human = run(sqlite_url, "triage", "models", "list").stdout
    assert "shipped model" in human
