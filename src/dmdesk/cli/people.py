"""`dmdesk contact export|erase|merge`, `dmdesk retention run`, `dmdesk orders import` and
`dmdesk webhooks deliver`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dmdesk.cli.common import console, emit, load_settings, open_db, write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.models import Contact

contact_app = typer.Typer(
    help="People behind contacts: access, erasure, merges.", no_args_is_help=True
)
retention_app = typer.Typer(help="Message retention.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders from a shop or CRM.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Outbound webhooks.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]


def mount(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact")
    app.add_typer(retention_app, name="retention")
    app.add_typer(orders_app, name="orders")
    app.add_typer(webhooks_app, name="webhooks")


def _contact(s: Session, contact_id: int) -> Contact:
    from dmdesk.domain.errors import NotFound
    from dmdesk.models import Contact

    contact = s.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    return contact


@contact_app.command("export")
def contact_export(
    contact_id: int,
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default: stdout)")] = None,
) -> None:
    """Right of access: everything about the person behind a contact, as one JSON file."""
    from dmdesk.actions import people as people_actions
    from dmdesk.actions import privacy
    from dmdesk.domain.clock import utcnow
    from dmdesk.queries.people import dossier

    def work(s: Session) -> dict[str, Any]:
        contact = _contact(s, contact_id)
        person = people_actions.do_ensure_person(s, contact=contact, at=utcnow())
        if person.merged_into_id:
            person = people_actions.get_person(s, contact.workspace_id, person.merged_into_id)
        privacy.do_audit(
            s,
            user=None,
            workspace_id=contact.workspace_id,
            action="contact.export",
            subject=("person", person.id),
            at=utcnow(),
            via="cli",
        )
        return dossier(s, person)

    data = json.dumps(write(load_settings(), work), indent=2, default=str)
    if out is None:
        typer.echo(data)
    else:
        out.write_text(data, encoding="utf-8")
        console.print(f"wrote {out}")


@contact_app.command("erase")
def contact_erase(
    contact_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Right to erasure: delete the person behind a contact and everything derived from them."""
    from dmdesk.actions import privacy
    from dmdesk.domain.clock import utcnow

    if not yes and not typer.confirm(f"Erase contact {contact_id} and all their identities?"):
        raise typer.Exit(1)

    def work(s: Session) -> dict[str, Any]:
        contact = _contact(s, contact_id)
        report = privacy.do_erase_contact(
            s, workspace_id=contact.workspace_id, contact_id=contact.id, actor=None, at=utcnow()
        )
        return report.to_json()

    settings = load_settings()
    out = write(settings, work)
    db = open_db(settings)
    try:
        out["log_checkpointed"] = privacy.checkpoint_after_erasure(db.read_engine)
    finally:
        db.close()
    emit(
        out,
        as_json=as_json,
        human=f"erased {out['contacts']} contact(s), "
        f"{out['conversations']} conversation(s), {out['messages']} message(s)",
    )


@contact_app.command("merge")
def contact_merge(
    target_person: int,
    source_person: int,
    as_json: JsonOpt = False,
) -> None:
    """Merge SOURCE_PERSON's identities into TARGET_PERSON (undo through the API)."""
    from dmdesk.actions import people as people_actions
    from dmdesk.domain.clock import utcnow
    from dmdesk.domain.errors import NotFound
    from dmdesk.models.people import Person

    def work(s: Session) -> dict[str, Any]:
        target = s.get(Person, target_person)
        if target is None:
            raise NotFound(f"no person {target_person}")
        merge = people_actions.do_merge_people(
            s,
            workspace_id=target.workspace_id,
            target_id=target_person,
            source_id=source_person,
            actor_id=None,
            at=utcnow(),
        )
        return {"merge_id": merge.id, "contact_ids": merge.contact_ids}

    out = write(load_settings(), work)
    emit(out, as_json=as_json, human=f"merged (merge {out['merge_id']})")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Apply every workspace's retention policy (or report what it would do)."""
    from dmdesk.actions import privacy
    from dmdesk.domain.clock import utcnow

    reports = write(
        load_settings(), lambda s: privacy.do_run_retention(s, now=utcnow(), dry_run=dry_run)
    )
    rows = [r.to_json() for r in reports]
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    verb = "would remove" if dry_run else "removed"
    for r in rows:
        console.print(
            f"workspace {r['workspace_id']} ({r['mode']} before {r['cutoff']}): {verb} "
            f"{r['messages']} message bodies, {r['inbound_events']} queued events, "
            f"{r['raw_deliveries']} raw payloads"
        )
    if not rows:
        console.print("no workspace has a retention policy")


@orders_app.command("import")
def orders_import(
    file: Path,
    import_valid: Annotated[
        bool,
        typer.Option(
            "--import-valid/--all-or-nothing", help="With errors: import the rest, or nothing"
        ),
    ] = False,
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import orders from CSV.

    Columns: order_id, status, value, currency, ordered_at; optional items, person_id,
    email, phone (to link the order to a person).
    """
    from sqlalchemy import select

    from dmdesk.actions.orders import ORDER_COLUMNS, do_import_orders, parse_csv
    from dmdesk.domain.clock import utcnow
    from dmdesk.domain.errors import NotFound
    from dmdesk.models import Workspace

    rows, errors = parse_csv(file.read_text(encoding="utf-8-sig"), ORDER_COLUMNS)

    def work(s: Session) -> dict[str, Any]:
        query = select(Workspace).order_by(Workspace.id)
        ws = s.scalars(query.where(Workspace.slug == workspace) if workspace else query).first()
        if ws is None:
            raise NotFound("no such workspace")
        return do_import_orders(
            s, workspace_id=ws.id, rows=rows, errors=errors, import_valid=import_valid, at=utcnow()
        ).to_json()

    out = write(load_settings(), work)
    if as_json:
        typer.echo(json.dumps(out))
    for e in out["errors"]:
        console.print(f"line {e['line']}, column {e['column']}: {e['message']}")
    if not as_json:
        console.print(
            f"imported {out['imported']}, updated {out['updated']}"
            + (
                ""
                if out["committed"]
                else " (nothing imported: fix the errors or use --import-valid)"
            )
        )
    if out["errors"] and not out["committed"]:
        raise typer.Exit(2)


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """Send every due outbound webhook once (run it from cron or a timer)."""
    import httpx

    from dmdesk.actions.webhooks_out import deliver_due
    from dmdesk.db.secretbox import SecretBox
    from dmdesk.domain.clock import utcnow

    settings = load_settings()
    db = open_db(settings)
    try:
        with httpx.Client(timeout=10) as client:
            sent = deliver_due(
                db, box=SecretBox(settings.effective_secret_key()), clock=utcnow, client=client
            )
    finally:
        db.close()
    console.print(f"attempted {sent} deliveries")
