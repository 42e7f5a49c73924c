"""`dmdesk triage`: train the model, classify a message, evaluate on labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

import dmdesk.triage

if TYPE_CHECKING:
    from dmdesk.triage import datasets, evaluation

app = typer.Typer(help="Triage: category, priority, spam, language, sentiment, personal data.")
console = Console()
# training.MODEL_DIR, without importing the training code (numpy, scikit-learn) for help.
MODEL_DIR = Path(dmdesk.triage.__file__).parent / "model"


def mount(parent: typer.Typer) -> None:
    from dmdesk.cli.triage_feedback import mount as mount_feedback

    mount_feedback(app)
    parent.add_typer(app, name="triage", help="Triage: train, classify, evaluate.")


@app.command()
def train(
    data: Annotated[list[Path] | None, typer.Option(help="Labelled CSV/JSONL (text,label)")] = None,
    out: Annotated[Path, typer.Option(help="Artefact folder")] = MODEL_DIR,
    shared: Annotated[bool, typer.Option(help="Use the permissive shared sets")] = True,
) -> None:
    """Train the category and spam models deterministically and write the artefact."""
    from rich.progress import Progress

    from dmdesk.triage import training

    config = training.TrainConfig(user_files=tuple(data or ()), use_shared=shared)
    with Progress(console=console) as progress:
        task = progress.add_task("training", total=3)

        def step(message: str) -> None:
            progress.update(task, description=message, advance=1)

        meta = training.train(config, out=out, progress=step)
    console.print(f"wrote {out} version {meta['version']}: {meta['sizes']}")


@app.command()
def classify(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON")] = False,
    brand: Annotated[list[str] | None, typer.Option(help="Workspace brand name")] = None,
) -> None:
    """Print the full verdict for one message."""
    from dmdesk.triage.engine import TriageEngine

    verdict = TriageEngine.load().classify(text, brand_names=tuple(brand or ()))
    if as_json:
        typer.echo(json.dumps(verdict.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(show_header=False)
    for key, value in verdict.to_json().items():
        table.add_row(key, json.dumps(value, ensure_ascii=False))
    console.print(table)


def _examples(
    data: Path | None, suite: str, *, text_col: str, label_col: str
) -> list[datasets.Example]:
    from dmdesk.triage import datasets, evalsets

    if data is not None:
        return datasets.read_labelled(data, text_col=text_col, label_col=label_col)
    if suite == "seed":
        return datasets.split(datasets.seed_examples(), holdout=True)
    root = datasets.shared_data_dir()
    if root is None:
        raise typer.BadParameter("shared data folder not found (set DMDESK_SHARED_DATA)")
    return evalsets.SUITES[suite](root)


@app.command("eval")
def eval_(
    data: Annotated[Path | None, typer.Option(help="Labelled CSV or JSONL")] = None,
    text_col: Annotated[str, typer.Option(help="Text column")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column")] = "label",
    map_: Annotated[list[str] | None, typer.Option("--map", help="FROM=TO label map")] = None,
    suite: Annotated[str, typer.Option(help="seed|complaints|gold|sms|...|pii")] = "seed",
    task: Annotated[
        str, typer.Option(help="category|spam|complaint|sentiment|language")
    ] = "category",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
    model_version: Annotated[
        int | None,
        typer.Option(help="A version trained in the desk (`triage models list`); 0 = shipped"),
    ] = None,
    workspace: Annotated[
        str | None, typer.Option(help="Workspace of --model-version (default: the first)")
    ] = None,
) -> None:
    """Evaluate on a labelled file, a shared suite, or (default) the seed held-out split."""
    from dmdesk.triage import datasets, evalsets, evaluation, pii_eval
    from dmdesk.triage.engine import TriageEngine

    if suite == "pii" and data is None:  # the PII steps need no model
        root = datasets.shared_data_dir()
        if root is None:
            raise typer.BadParameter("shared data folder not found")
        typer.echo(json.dumps(pii_eval.evaluate_pii(evalsets.presidio(root)), indent=2))
        return
    if model_version is None:
        engine = TriageEngine.load()
    else:
        from dmdesk.cli.triage_feedback import stored_engine

        engine = stored_engine(workspace, model_version)
    examples = _examples(data, suite, text_col=text_col, label_col=label_col)
    report = evaluation.evaluate(
        engine, examples, task=task, label_map=evaluation.parse_map(map_ or [])
    )
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        return
    _print_report(report)


def _print_report(report: evaluation.Report) -> None:
    from rich.table import Table

    table = Table("class", "precision", "recall", "f1", "support")
    for name, row in report.per_class.items():
        table.add_row(
            name,
            *(f"{row[k]:.3f}" for k in ("precision", "recall", "f1")),
            str(int(row["support"])),
        )
    console.print(table)
    console.print(
        f"macro-F1 {report.macro_f1:.3f}  n={report.n}  {report.messages_per_s:,.0f} messages/s"
    )
    console.print("confusion (gold -> predicted):")
    for gold, counts in report.confusion.items():
        console.print(f"  {gold}: {counts}")
