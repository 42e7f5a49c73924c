"""`python -m dmdesk.cli` runs the CLI (used by tests and when the script is not on PATH)."""

from dmdesk.cli.main import app

app()
