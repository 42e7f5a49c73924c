"""Evaluation helpers and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dmdesk.cli.triage import app
from dmdesk.triage.evaluation import parse_map, scores


def test_scores() -> None:
    report = scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report.per_class["a"]["recall"] == 0.5
    assert report.per_class["b"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert report.confusion["a"] == {"a": 1, "b": 1}


def test_parse_map() -> None:
    assert parse_map(["1=complaint", "0=other"]) == {"1": "complaint", "0": "other"}
    with pytest.raises(ValueError, match="FROM=TO"):
        parse_map(["oops"])


def test_cli_classify_json() -> None:
    result = CliRunner().invoke(app, ["classify", "How much is shipping to Spain?", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["category"] == "sales"


def test_cli_eval_default_is_seed_holdout() -> None:
    result = CliRunner().invoke(app, ["eval", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"macro_f1", "per_class", "confusion", "n", "messages_per_s"}
    assert report["n"] > 50


def test_cli_eval_file_with_map(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.csv"
    path.write_text("body,y\nprice please?,S\nthanks a lot!,G\n", encoding="utf-8")
    args = [
        "eval",
        "--data",
        str(path),
        "--text-col",
        "body",
        "--label-col",
        "y",
        "--map",
        "S=sales",
        "--map",
        "G=general",
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 2
