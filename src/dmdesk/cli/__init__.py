"""The `dmdesk` command line (typer)."""
