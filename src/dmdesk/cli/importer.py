"""`dmdesk import conversations FILE.jsonl`: history from another tool (docs/IMPORT.md)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dmdesk.cli.common import err_console, fail, load_settings, open_db

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.actions.imports import ImportOutcome
    from dmdesk.db.database import Database
    from dmdesk.db.secretbox import SecretBox
    from dmdesk.models import Workspace

app = typer.Typer(help="Import history from other tools.", no_args_is_help=True)
PLAIN_PROGRESS_EVERY = 1000


def mount(parent: typer.Typer) -> None:
    parent.add_typer(app, name="import")


def _plain_progress(done: int, total: int) -> None:
    """Progress as plain lines on stderr when it is not a terminal (a log, a pipe, a job),
    where the live bar draws nothing: every 1,000 lines and at the end."""
    if not err_console.is_terminal and (done % PLAIN_PROGRESS_EVERY == 0 or done == total):
        err_console.print(f"importing: {done:,}/{total:,} lines", highlight=False)


def _channel(s: Session, *, workspace: str | None, channel: str | None, box: SecretBox) -> int:
    """The channel to import into: by id, external id or name; else the workspace's first;
    else a new generic channel named "Imported history"."""
    from sqlalchemy import select

    from dmdesk.actions.channels import do_create_channel
    from dmdesk.cli.main import _default_workspace
    from dmdesk.domain.clock import utcnow
    from dmdesk.models import Channel

    ws: Workspace = _default_workspace(s, workspace)
    query = select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.id)
    found = list(s.scalars(query))
    if channel:
        match = [c for c in found if channel in (str(c.id), c.external_id, c.name)]
        if not match:
            fail(f"no channel {channel!r} in workspace {ws.slug}")
        return match[0].id
    if found:
        return found[0].id
    created = do_create_channel(s, workspace_id=ws.id, platform="generic", name="Imported history",
                                external_id=f"import-{secrets.token_hex(4)}",
                                settings={"secret": secrets.token_urlsafe(24)}, box=box,
                                at=utcnow())  # fmt: skip
    return created.id


def _import_line(db: Database, channel_id: int, raw: str) -> ImportOutcome:
    from dmdesk.actions.imports import do_import_conversation, parse_row
    from dmdesk.models import Channel

    row = parse_row(raw)
    return db.write(
        lambda s: do_import_conversation(s, channel=s.get_one(Channel, channel_id), row=row)
    )


@app.command("conversations")
def conversations(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSONL: one conversation per line", exists=True, dir_okay=False, readable=True
        ),
    ],
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
    channel: Annotated[str | None, typer.Option(help="Channel id, external id or name")] = None,
    strict: Annotated[bool, typer.Option(help="Exit with 1 when any line is bad")] = False,
) -> None:
    """Import conversations; re-importing the same file adds nothing. Bad lines are
    reported with their number and reason, and the rest is imported."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dmdesk.db.secretbox import SecretBox
    from dmdesk.domain.errors import DomainError

    settings = load_settings()
    db = open_db(settings)
    lines = file.read_text(encoding="utf-8").splitlines()
    done = new = skipped = 0
    errors: list[tuple[int, str]] = []
    try:
        box = SecretBox(settings.effective_secret_key())
        channel_id = db.write(lambda s: _channel(s, workspace=workspace, channel=channel, box=box))
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err_console, transient=True) as progress:
            task = progress.add_task("import", total=len(lines))
            for number, raw in enumerate(lines, start=1):
                progress.advance(task)
                _plain_progress(number, len(lines))
                if not raw.strip():
                    continue
                try:
                    out = _import_line(db, channel_id, raw)
                except DomainError as exc:
                    errors.append((number, exc.message))
                    continue
                done, new, skipped = done + 1, new + out.new_messages, skipped + out.duplicates
    finally:
        db.close()
    for number, reason in errors:
        err_console.print(f"line {number}: {reason}")
    typer.echo(f"imported {done} conversations: {new} new messages, {skipped} already present, "
               f"{len(errors)} bad lines")  # fmt: skip
    if errors and (strict or done == 0):
        raise typer.Exit(1)
