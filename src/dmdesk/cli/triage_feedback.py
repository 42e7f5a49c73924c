"""`dmdesk triage rules list|add|remove` (workspace keyword rules) and
`dmdesk triage corrections export|train` (agents' corrections as training data) and
`dmdesk triage models list|activate` (the versions trained in the desk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dmdesk.cli.common import console, emit, fail, load_settings, open_db, write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.queries.triage_corrections import Correction
    from dmdesk.triage.engine import TriageEngine

rules_app = typer.Typer(help="Workspace keyword rules (beat the model; spam beats them).")
corrections_app = typer.Typer(help="Agents' corrections: export them, train with them.")
models_app = typer.Typer(help="Triage models trained in the desk: list, activate (roll back).")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
WorkspaceOpt = Annotated[str | None, typer.Option(help="Workspace slug (default: the first)")]
RequiredWorkspace = Annotated[str, typer.Option(help="Workspace slug")]


def mount(triage_app: typer.Typer) -> None:
    triage_app.add_typer(rules_app, name="rules")
    triage_app.add_typer(corrections_app, name="corrections")
    triage_app.add_typer(models_app, name="models")


def _workspace_id(s: Session, slug: str | None) -> int:
    from sqlalchemy import select

    from dmdesk.models import Workspace

    query = select(Workspace.id).order_by(Workspace.id)
    found = s.scalars(query.where(Workspace.slug == slug) if slug else query).first()
    if found is None:
        fail(f"no workspace {slug or ''}".strip())
    return int(found)


@rules_app.command("list")
def rules_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The rules in precedence order (the first that matches decides the category)."""
    from rich.table import Table

    from dmdesk.actions import triage as triage_actions

    db = open_db(load_settings())
    try:
        with db.session() as s:
            rules = triage_actions.triage_rules(s, _workspace_id(s, workspace))
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(rules, ensure_ascii=False))
        return
    table = Table("#", "name", "keywords", "category", "priority", "beats spam")
    for i, r in enumerate(rules, 1):
        table.add_row(
            str(i),
            r["name"],
            ", ".join(r["keywords"]),
            r.get("category") or "",
            r.get("priority") or "",
            "yes" if r.get("override_spam") else "",
        )
    console.print(table if rules else "no keyword rules")


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Option(help="A unique name, shown in the reasons")],
    keyword: Annotated[list[str], typer.Option(help="Word or phrase (repeat the option)")],
    category: Annotated[str | None, typer.Option(help="Category it sets")] = None,
    priority: Annotated[str | None, typer.Option(help="Priority it sets")] = None,
    override_spam: Annotated[bool, typer.Option(help="Beat a spam verdict too")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a rule at the end of the list (lowest precedence)."""
    from dmdesk.actions import triage as triage_actions
    from dmdesk.domain.clock import utcnow

    spec = {
        "name": name,
        "keywords": keyword,
        "category": category,
        "priority": priority,
        "override_spam": override_spam,
    }
    rule = write(
        load_settings(),
        lambda s: triage_actions.do_add_triage_rule(
            s, workspace_id=_workspace_id(s, workspace), actor=None, rule=spec, at=utcnow()
        ),
    )
    emit(rule, as_json=as_json, human=f"added rule {rule['name']!r}")


@rules_app.command("remove")
def rules_remove(name: str, workspace: WorkspaceOpt = None) -> None:
    """Remove a rule by name."""
    from dmdesk.actions import triage as triage_actions
    from dmdesk.domain.clock import utcnow

    write(
        load_settings(),
        lambda s: triage_actions.do_delete_triage_rule(
            s, workspace_id=_workspace_id(s, workspace), actor=None, name=name, at=utcnow()
        ),
    )
    console.print(f"removed rule {name!r}")


def _corrections(slug: str) -> list[Correction]:
    from dmdesk.queries.triage_corrections import correction_examples

    db = open_db(load_settings())
    try:
        with db.session() as s:
            return correction_examples(s, _workspace_id(s, slug))
    finally:
        db.close()


@corrections_app.command("export")
def corrections_export(
    workspace: RequiredWorkspace,
    out: Annotated[Path, typer.Option(help="JSONL file (text, label, provenance)")],
) -> None:
    """Write the corrections as JSONL, the format `dmdesk triage train --data` reads.

    The file holds customers' message text: keep it as private as the desk's database.
    """
    rows = _corrections(workspace)
    with out.open("w", encoding="utf-8") as fh:
        for c in rows:
            fh.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for c in rows:
        counts[c.label] = counts.get(c.label, 0) + 1
    console.print(f"wrote {len(rows)} corrections to {out}: {counts}")


@corrections_app.command("train")
def corrections_train(
    workspace: RequiredWorkspace,
    out: Annotated[
        Path | None, typer.Option(help="Write the artefact to this folder instead of the database")
    ] = None,
    shared: Annotated[bool, typer.Option(help="Also use the permissive shared sets")] = True,
    activate: Annotated[bool, typer.Option(help="Make the stored version active")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train the triage models with the workspace's corrections on top of the usual data.

    By default the result is stored in the database as the workspace's next version and
    activated: every running desk picks it up within seconds, no restart.
    """
    import tempfile

    from rich.progress import Progress

    from dmdesk.triage import retrain

    settings = load_settings()
    db = open_db(settings)
    try:
        with db.session() as s:
            ws = _workspace_id(s, workspace)
        rows = retrain.corrections_of(db, ws)
    finally:
        db.close()
    if not rows:
        fail("no corrections to learn from yet")
    with tempfile.TemporaryDirectory(prefix="dmdesk-train-") as tmp:
        target = out or Path(tmp)
        target.mkdir(parents=True, exist_ok=True)
        with Progress(console=console, disable=as_json) as progress:
            task = progress.add_task("training", total=3)
            meta = retrain.train_with_corrections(
                rows,
                out=target,
                use_shared=shared,
                progress=lambda msg: progress.update(task, description=msg, advance=1),
            )
        stored = None if out else _store(ws, target, meta, activate=activate)
    summary = {"corrections": len(rows), "out": str(out) if out else None, **meta}
    if stored is not None:
        summary["stored_version"] = stored["version"]
        summary["active"] = stored["active"]
    where = str(out) if out else f"database version {summary.get('stored_version')}"
    emit(summary, as_json=as_json, human=f"trained with {len(rows)} corrections: {where}")


def _store(ws: int, folder: Path, meta: dict[str, Any], *, activate: bool) -> dict[str, Any]:
    from dmdesk.actions.triage_models import do_save_triage_model
    from dmdesk.domain.clock import utcnow
    from dmdesk.triage.store import pack

    blob = pack(folder)
    return write(
        load_settings(),
        lambda s: do_save_triage_model(
            s,
            workspace_id=ws,
            actor=None,
            artefact=blob,
            meta=meta,
            at=utcnow(),
            activate=activate,
        ),
    )


@models_app.command("list")
def models_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The workspace's kept versions, newest first; version 0 is the shipped model."""
    from rich.table import Table

    from dmdesk.triage.store import list_models

    db = open_db(load_settings())
    try:
        with db.session() as s:
            versions = list_models(s, _workspace_id(s, workspace))
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps(versions, ensure_ascii=False))
        return
    table = Table("version", "trained at", "corrections", "model", "active")
    for v in versions:
        meta = v["meta"]
        table.add_row(
            str(v["version"]),
            v["trained_at"],
            str(meta.get("corrections", "")),
            str(meta.get("version", "")),
            "yes" if v["active"] else "",
        )
    active = any(v["active"] for v in versions)
    console.print(table if versions else "no trained versions")
    console.print("active: " + ("the version marked yes" if active else "the shipped model"))


@models_app.command("activate")
def models_activate(
    version: Annotated[int, typer.Argument(help="A kept version; 0 = the shipped model")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Make a kept version the active model (roll back); running desks follow within seconds."""
    from dmdesk.actions.triage_models import do_activate_triage_model
    from dmdesk.domain.clock import utcnow

    write(
        load_settings(),
        lambda s: do_activate_triage_model(
            s, workspace_id=_workspace_id(s, workspace), actor=None, version=version, at=utcnow()
        ),
    )
    console.print(f"active triage model: {'shipped' if version == 0 else f'version {version}'}")


def stored_engine(workspace: str | None, version: int) -> TriageEngine:
    """A kept version of the workspace's desk-trained model (0: the shipped one), for `eval`."""
    from sqlalchemy import select

    from dmdesk.models import TriageModel
    from dmdesk.triage.engine import TriageEngine
    from dmdesk.triage.store import load_model

    if version == 0:
        return TriageEngine.load()
    db = open_db(load_settings())
    try:
        with db.session() as s:
            ws = _workspace_id(s, workspace)
            model_id = s.scalar(
                select(TriageModel.id).where(
                    TriageModel.workspace_id == ws, TriageModel.version == version
                )
            )
            if model_id is None:
                fail(f"no triage model version {version} (see `dmdesk triage models list`)")
            return load_model(s, int(model_id))
    finally:
        db.close()
