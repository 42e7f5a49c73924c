"""Seeds the demo workspace through the same actions the product uses."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.channels import do_create_channel
from dmdesk.actions.conversations import do_assign_conversation, do_set_status
from dmdesk.actions.ingest import do_ingest_message
from dmdesk.actions.messages import do_send_reply
from dmdesk.actions.teams import do_add_team_member, do_create_team
from dmdesk.actions.users import do_create_user
from dmdesk.actions.workspaces import do_create_workspace
from dmdesk.db.secretbox import SecretBox
from dmdesk.demo.channels import ensure_demo_channels
from dmdesk.demo.scripts import AGENT_REPLIES, FOLLOW_UPS, OPENERS, PEOPLE
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Channel, Workspace

DEMO_SLUG = "acme-outdoor"
DEMO_ADMIN = ("admin@demo.dmdesk.local", "demo-password")
DEMO_AGENTS = [
    ("ana@demo.dmdesk.local", "Ana Silva", "agent"),
    ("lee@demo.dmdesk.local", "Lee Wong", "supervisor"),
]
DEMO_CHANNEL_SECRET = "demo-generic-secret"  # noqa: S105  # public on purpose: demo traffic signs with it


def seed_demo(
    session: Session, *, at: datetime, secret_key: str, force: bool = False
) -> dict[str, Any]:
    existing = session.scalars(select(Workspace).where(Workspace.slug == DEMO_SLUG)).first()
    if existing is not None and not force:
        channel = session.scalars(
            select(Channel).where(
                Channel.workspace_id == existing.id, Channel.platform == "generic"
            )
        ).first()
        ensure_demo_channels(session, workspace_id=existing.id, box=SecretBox(secret_key), at=at)
        return _summary(existing, channel, created=False)
    ws = do_create_workspace(
        session,
        name="Acme Outdoor",
        slug=DEMO_SLUG,
        timezone="Europe/Madrid",
        brand_names=["Acme", "Acme Outdoor"],
        at=at,
    )
    admin = do_create_user(
        session,
        workspace_id=ws.id,
        email=DEMO_ADMIN[0],
        password=DEMO_ADMIN[1],
        role="admin",
        name="Demo Admin",
        at=at,
    )
    agents = [
        do_create_user(
            session, workspace_id=ws.id, email=e, password=DEMO_ADMIN[1], role=r, name=n, at=at
        )
        for e, n, r in DEMO_AGENTS
    ]
    care = do_create_team(session, workspace_id=ws.id, name="Care", at=at)
    sales = do_create_team(session, workspace_id=ws.id, name="Sales", at=at)
    for user in (admin, *agents):
        do_add_team_member(session, workspace_id=ws.id, team_id=care.id, user_id=user.id, at=at)
    do_add_team_member(session, workspace_id=ws.id, team_id=sales.id, user_id=agents[1].id, at=at)
    channel = do_create_channel(
        session,
        workspace_id=ws.id,
        platform="generic",
        name="Website chat",
        external_id="demo-web",
        settings={"secret": DEMO_CHANNEL_SECRET},
        box=SecretBox(secret_key),
        at=at,
    )
    _seed_conversations(session, channel=channel, users=[admin, *agents], at=at)
    ensure_demo_channels(session, workspace_id=ws.id, box=SecretBox(secret_key), at=at)
    return _summary(ws, channel, created=True)


def _seed_conversations(
    session: Session, *, channel: Channel, users: list[Any], at: datetime
) -> None:
    rng = random.Random(7)
    for i, (name, handle) in enumerate(PEOPLE):
        sent = at - timedelta(minutes=rng.randint(5, 60 * 30))
        ref = ContactRef(external_id=f"demo-{handle}", name=name, handle=handle)
        outcome = do_ingest_message(
            session,
            channel=channel,
            at=sent,
            event=InboundMessage(
                account_id=channel.external_id,
                occurred_at=sent,
                contact=ref,
                message_id=f"demo-{i}-0",
                text=OPENERS[i % len(OPENERS)],
            ),
        )
        conv = outcome.conversation_id
        from dmdesk.models import Conversation

        row = session.get_one(Conversation, conv)
        if i % 3 == 0:
            do_assign_conversation(
                session, conv=row, assignee_id=users[1 + i % 2].id, at=sent, actor_id=None
            )
        if i % 4 == 1:
            reply_at = sent + timedelta(minutes=rng.randint(2, 40))
            do_send_reply(
                session,
                conv=row,
                text=AGENT_REPLIES[i % len(AGENT_REPLIES)],
                at=reply_at,
                author_id=users[1].id,
            )
            follow = reply_at + timedelta(minutes=3)
            do_ingest_message(
                session,
                channel=channel,
                at=follow,
                event=InboundMessage(
                    account_id=channel.external_id,
                    occurred_at=follow,
                    contact=ref,
                    message_id=f"demo-{i}-1",
                    text=FOLLOW_UPS[i % len(FOLLOW_UPS)],
                ),
            )
        if i % 5 == 4:
            do_set_status(
                session,
                conv=row,
                status="resolved",
                at=sent + timedelta(hours=1),
                actor_id=users[0].id,
            )


def _summary(ws: Workspace, channel: Channel | None, *, created: bool) -> dict[str, Any]:
    return {
        "created": created,
        "workspace": ws.slug,
        "workspace_id": ws.id,
        "login": {"email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]},
        "channel_id": channel.id if channel else None,
        "channel_secret": DEMO_CHANNEL_SECRET,
    }
