"""`dmdesk contact export|erase`, `dmdesk retention run --dry-run`, `dmdesk orders import`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dmdesk.cli.main import app
from dmdesk.models import Contact, Message
from dmdesk.models.people import Order, PrivacyAudit
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, make_settings, seed_workspace
from tests.people.kit import dm

runner = CliRunner()


@pytest.fixture
def desk(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Services, Seeded]]:
    monkeypatch.setenv("DMDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DMDESK_SECRET_KEY", "test-secret-key")
    svc = build_services(make_settings(sqlite_url))
    yield svc, seed_workspace(svc)
    svc.stop()


def test_export_then_erase_from_the_cli(desk: tuple[Services, Seeded], tmp_path: Path) -> None:
    services, seeded = desk
    conv = dm(services, seeded, "x1", text="my number is +44 20 7946 0958")
    with services.db.session() as s:
        contact_id = s.scalars(select(Contact.id)).one()
    out = tmp_path / "person.json"
    result = runner.invoke(app, ["contact", "export", str(contact_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["messages"][0]["text"] == "my number is +44 20 7946 0958"
    assert data["conversations"][0]["id"] == conv
    refused = runner.invoke(app, ["contact", "erase", str(contact_id)], input="n\n")
    assert refused.exit_code == 1
    result = runner.invoke(app, ["contact", "erase", str(contact_id), "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["messages"] == 1
    with services.db.session() as s:
        assert s.scalars(select(Message)).all() == []
        actions = list(s.scalars(select(PrivacyAudit.action).order_by(PrivacyAudit.id)))
    assert actions == ["contact.export", "contact.erase"]
    missing = runner.invoke(app, ["contact", "erase", "999", "--yes"])
    assert missing.exit_code == 1


def test_retention_dry_run_and_orders_import(desk: tuple[Services, Seeded], tmp_path: Path) -> None:
    services, seeded = desk
    assert "no workspace" in runner.invoke(app, ["retention", "run", "--dry-run"]).output
    from dmdesk.actions.privacy import do_set_retention

    services.db.write(
        lambda s: do_set_retention(
            s,
            workspace_id=seeded.workspace_id,
            days=30,
            mode="delete",
            actor_id=seeded.admin_id,
            at=services.clock(),
        )
    )
    result = runner.invoke(app, ["retention", "run", "--dry-run", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["dry_run"] is True
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "order_id,status,value,currency,ordered_at\n"
        "A-1,paid,10,EUR,2026-11-01\nA-2,paid,x,EUR,2026-11-01\n"
    )
    nothing = runner.invoke(app, ["orders", "import", str(csv_file)])
    assert nothing.exit_code == 2
    assert "line 3, column value" in nothing.output
    rest = runner.invoke(app, ["orders", "import", str(csv_file), "--import-valid"])
    assert rest.exit_code == 0
    assert "imported 1" in rest.output
    with services.db.session() as s:
        assert list(s.scalars(select(Order.number))) == ["A-1"]
