"""Command groups imported only when one of them runs, so `dmdesk --help` starts fast.

The root group lists each of them from a table entry (name, one-line help, module) and
imports the module on first use. Command modules import the app (database, settings,
metrics, the simulator...) inside their functions, so a group's own help stays fast too.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer bundles its own click; these are only the types of its methods' signatures.
    from typer._click import Command, Context


@dataclass(frozen=True)
class LazyCommand:
    """A command (or group) that `module`'s `mount(app)` adds, and its one-line help."""

    module: str
    help: str
    group: bool = True


@cache
def mounted_commands(module: str) -> Mapping[str, Command]:
    """The click commands `module.mount()` adds to an app, built as typer builds them."""
    holder = typer.Typer()
    importlib.import_module(module).mount(holder)
    return dict(typer.main.get_group(holder).commands)


def _not_loaded() -> None:
    """Stands in for a lazy command in listings; it never runs (see LazyGroup)."""


def add_placeholders(app: typer.Typer, table: Mapping[str, LazyCommand]) -> None:
    """Register a stand-in per entry, in order, so help lists them where they belong."""
    for name, entry in table.items():
        if entry.group:
            app.add_typer(typer.Typer(), name=name, help=entry.help)
        else:
            app.command(name, help=entry.help)(_not_loaded)


class LazyGroup(TyperGroup):
    """A typer group that swaps a stand-in for the real command when it is resolved.

    Resolving happens before a sub-command runs, prints its own help or completes its
    arguments; listing the root's commands (help, completion of names) uses the stand-ins.
    """

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        entry = self.lazy.get(args[0]) if args else None
        if entry is not None:
            self.commands.update(mounted_commands(entry.module))
        return super().resolve_command(ctx, args)
