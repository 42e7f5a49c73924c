"""`dmdesk`: serve, migrate, create users, tokens and channels, seed the demo."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from dmdesk.cli.common import console, emit, fail, load_settings, write
from dmdesk.cli.lazy import LazyCommand, LazyGroup, add_placeholders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dmdesk.models import Workspace

# Commands kept in their own modules, imported when one runs (start-up stays fast); their
# one-line help is here so that `dmdesk --help` lists them without importing them.
LAZY_COMMANDS = {
    "simulate": LazyCommand(
        "dmdesk.cli.simulate",
        "Play Messenger, Instagram, WhatsApp, Telegram and X for a desk (offline).",
        group=False,
    ),
    "saved-reply": LazyCommand("dmdesk.cli.automation", "Saved replies."),
    "faq": LazyCommand("dmdesk.cli.automation", "FAQ knowledge base: import, list, evaluate."),
    "rule": LazyCommand("dmdesk.cli.automation", "Automation rules."),
    "automation": LazyCommand("dmdesk.cli.automation", "Automation jobs."),
    "flow": LazyCommand("dmdesk.cli.automation", "Keyword flows (multi-step, quick replies)."),
    "contact": LazyCommand("dmdesk.cli.people", "People behind contacts: access, erasure, merges."),
    "retention": LazyCommand("dmdesk.cli.people", "Message retention."),
    "orders": LazyCommand("dmdesk.cli.people", "Orders from a shop or CRM."),
    "webhooks": LazyCommand("dmdesk.cli.people", "Outbound webhooks."),
    "team": LazyCommand("dmdesk.cli.ownership", "Teams: members, hours, assignment."),
    "routing": LazyCommand("dmdesk.cli.ownership", "Routing rules."),
    "sla": LazyCommand("dmdesk.cli.ownership", "SLA policies."),
    "jobs": LazyCommand("dmdesk.cli.ownership", "Periodic jobs (SLA checks, reassignment...)."),
    "report": LazyCommand("dmdesk.cli.report", "Reports: metrics, volume, agents, topics, spikes."),
    "import": LazyCommand("dmdesk.cli.importer", "Import history from other tools."),
    "triage": LazyCommand("dmdesk.cli.triage", "Triage: train, classify, evaluate."),
}


class _RootGroup(LazyGroup):
    lazy = LAZY_COMMANDS


app = typer.Typer(
    cls=_RootGroup, help="dmdesk: a self-hosted desk for social-media DMs.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
channel_app = typer.Typer(help="Channels (connected platform accounts).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(channel_app, name="channel")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the created object as JSON")]


def _default_workspace(s: Session, slug: str | None) -> Workspace:
    from sqlalchemy import select

    from dmdesk.domain.clock import utcnow
    from dmdesk.models import Workspace

    query = select(Workspace).order_by(Workspace.id)
    if slug:
        query = query.where(Workspace.slug == slug)
    ws = s.scalars(query).first()
    if ws is None:
        from dmdesk.actions.workspaces import do_create_workspace

        if slug:
            fail(f"no workspace {slug!r}")
        ws = do_create_workspace(s, name="My workspace", at=utcnow())
    return ws


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Run the web server (UI, API, webhooks) and the background workers."""
    import uvicorn

    from dmdesk.app import create_app
    from dmdesk.observability import setup_logging

    settings = load_settings()
    setup_logging(settings.log_level, as_json=settings.log_json)
    from dmdesk.cli.common import open_db

    open_db(settings).close()  # fails clearly when the schema is not current
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        # Open live-update streams must not hold a shutdown (SIGTERM) forever.
        timeout_graceful_shutdown=5,
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    from dmdesk.db.migrate import upgrade

    settings = load_settings()
    try:
        upgrade(settings.effective_database_url)
    except Exception as exc:
        fail(f"migration failed: {exc}")
    console.print("[green]database schema is current[/]")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login e-mail")],
    password: Annotated[
        str, typer.Option(help="At least 8 characters", prompt=True, hide_input=True)
    ],
    role: Annotated[str, typer.Option(help="admin, supervisor or agent")] = "agent",
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a user (the first one also creates the workspace)."""
    from dmdesk.actions.users import do_create_user
    from dmdesk.domain.clock import utcnow

    def work(s: Session) -> dict[str, object]:
        ws = _default_workspace(s, workspace)
        u = do_create_user(
            s, workspace_id=ws.id, email=email, password=password, role=role, name=name, at=utcnow()
        )
        return {"id": u.id, "email": u.email, "name": u.name, "role": u.role, "workspace_id": ws.id}

    out = write(load_settings(), work)
    emit(out, as_json=as_json, human=f"created user {out['email']} (id {out['id']}, {role})")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="The user's e-mail")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "api",
    as_json: JsonOpt = False,
) -> None:
    """Create an API token for a user (shown once)."""
    from sqlalchemy import select

    from dmdesk.actions.users import do_create_api_token
    from dmdesk.domain.clock import utcnow
    from dmdesk.models import User

    def work(s: Session) -> dict[str, object]:
        user = s.scalars(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            fail(f"no user with e-mail {email}")
        t = do_create_api_token(s, user_id=user.id, at=utcnow(), name=name)
        return {"id": t.id, "user_id": t.user_id, "token": t.token}

    out = write(load_settings(), work)
    emit(out, as_json=as_json, human=f"token (shown once): {out['token']}")


@channel_app.command("create")
def channel_create(
    platform: Annotated[
        str, typer.Option(help="generic, messenger, instagram, whatsapp, telegram or x")
    ],
    name: Annotated[str, typer.Option(help="Display name")],
    external_id: Annotated[
        str | None, typer.Option(help="Page / account / phone-number / bot id")
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", help="Connector setting KEY=VALUE (e.g. app_secret=...)"),
    ] = None,
    secret: Annotated[str | None, typer.Option(help="Generic channel's signing secret")] = None,
    app_secret: Annotated[str | None, typer.Option(help="Meta app secret")] = None,
    verify_token: Annotated[str | None, typer.Option(help="Meta verify token")] = None,
    access_token: Annotated[str | None, typer.Option(help="Platform access token")] = None,
    bot_token: Annotated[str | None, typer.Option(help="Telegram bot token")] = None,
    secret_token: Annotated[str | None, typer.Option(help="Telegram secret token")] = None,
    consumer_secret: Annotated[str | None, typer.Option(help="X consumer secret")] = None,
    api_base_url: Annotated[str | None, typer.Option(help="Send API base URL")] = None,
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Connect a platform account; secrets are stored encrypted and never shown again."""
    from dmdesk.actions.channels import do_create_channel
    from dmdesk.connectors.registry import webhook_path
    from dmdesk.db.secretbox import SecretBox
    from dmdesk.domain.clock import utcnow

    values: dict[str, object] = {
        k: v
        for k, v in {
            "secret": secret,
            "app_secret": app_secret,
            "verify_token": verify_token,
            "access_token": access_token,
            "bot_token": bot_token,
            "secret_token": secret_token,
            "consumer_secret": consumer_secret,
            "api_base_url": api_base_url,
        }.items()
        if v
    }
    for item in setting or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--set takes KEY=VALUE, got {item!r}")
        values[key.strip()] = value
    settings = load_settings()
    box = SecretBox(settings.effective_secret_key())

    def work(s: Session) -> dict[str, object]:
        ws = _default_workspace(s, workspace)
        c = do_create_channel(
            s,
            workspace_id=ws.id,
            platform=platform,
            name=name,
            external_id=external_id,
            settings=values,
            box=box,
            at=utcnow(),
        )
        return {
            "id": c.id,
            "platform": c.platform,
            "name": c.name,
            "external_id": c.external_id,
            "webhook_path": webhook_path(c.platform, c.id),
        }

    out = write(settings, work)
    emit(
        out,
        as_json=as_json,
        human=f"connected {platform} channel {out['name']} (id {out['id']}); "
        f"webhook: {out['webhook_path']}",
    )


@app.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Seed even if data exists")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Seed a demo workspace: people, conversations, a team and an admin login."""
    from dmdesk.demo.seed import seed_demo
    from dmdesk.domain.clock import utcnow

    settings = load_settings()
    out = write(
        settings,
        lambda s: seed_demo(
            s, at=utcnow(), secret_key=settings.effective_secret_key(), force=reset
        ),
    )
    emit(out, as_json=as_json, human=json.dumps(out, indent=2, default=str))


# Registered here, between `demo` and `demo-traffic`, so help keeps its order.
add_placeholders(app, LAZY_COMMANDS)


@app.command("demo-traffic")
def demo_traffic(
    url: Annotated[
        str, typer.Option(help="Base URL of the running desk")
    ] = "http://127.0.0.1:8000",
    per_minute: Annotated[float | None, typer.Option(help="Messages a minute")] = None,
    count: Annotated[int | None, typer.Option(help="Stop after this many")] = None,
) -> None:
    """Post simulated DMs to the demo channel of a running desk."""
    from dmdesk.demo.seed import DEMO_CHANNEL_SECRET, seed_demo
    from dmdesk.demo.traffic import run
    from dmdesk.domain.clock import utcnow

    settings = load_settings()
    info = write(
        settings, lambda s: seed_demo(s, at=utcnow(), secret_key=settings.effective_secret_key())
    )
    rate = per_minute if per_minute is not None else settings.demo_traffic_per_min
    console.print(f"posting ~{rate:g} DMs a minute to {url}")
    run(
        base_url=url,
        channel_id=int(info["channel_id"]),
        secret=DEMO_CHANNEL_SECRET,
        per_minute=rate,
        count=count,
    )
