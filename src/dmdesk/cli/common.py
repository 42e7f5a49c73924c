"""Shared CLI plumbing: settings, services, printing objects and errors.

Imports of the database layer and settings stay inside the functions: every command
imports this module, and `dmdesk --help` must not pay for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.config import Settings
    from dmdesk.db.database import Database

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment (imported here: pydantic-settings is slow to import)."""
    from dmdesk.config import Settings

    return Settings()


def open_db(settings: Settings) -> Database:
    from dmdesk.db.database import Database
    from dmdesk.db.migrate import is_current

    url = settings.effective_database_url
    try:
        current = is_current(url)
    except Exception as exc:
        fail(f"cannot reach the database ({type(exc).__name__}): check DMDESK_DATABASE_URL")
    if not current:
        fail("the database schema is not current: run `dmdesk db upgrade` first")
    return Database(url, sqlite_synchronous=settings.sqlite_synchronous)


def write(settings: Settings, fn: Callable[[Session], T]) -> T:
    from dmdesk.domain.errors import DomainError

    db = open_db(settings)
    try:
        return db.write(fn)
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.close()


def emit(obj: dict[str, Any], *, as_json: bool, human: str) -> None:
    if as_json:
        typer.echo(json.dumps(obj, default=str))
    else:
        console.print(human)
