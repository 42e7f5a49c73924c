"""The thread pane renders every kind of item: bubbles, ticks, attachments, story replies,
reactions, tombstones, edits, notes and system events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dmdesk.actions.conversations import do_assign_conversation
from dmdesk.actions.ingest import do_apply_deletion, do_apply_reaction
from dmdesk.actions.messages import do_add_note, do_send_reply
from dmdesk.domain.inbound import Attachment, ContactRef, InboundDeletion, InboundReaction
from dmdesk.models import Channel, Conversation, Message
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import Agent, ingest


def _build_thread(services: Services, seeded: Seeded) -> int:
    now = services.clock()
    at = now - timedelta(minutes=30)
    conv = ingest(services, seeded.channel_id, "k1", text="Hello there", at=at)
    ingest(
        services,
        seeded.channel_id,
        "k2",
        text=None,
        at=at + timedelta(minutes=1),
        attachments=(
            Attachment(
                kind="image",
                url="https://cdn.example/p.jpg",
                name="photo.jpg",
                mime_type="image/jpeg",
                size=20480,
            ),
        ),
    )
    ingest(
        services,
        seeded.channel_id,
        "k3",
        text=None,
        at=at + timedelta(minutes=2),
        attachments=(Attachment(kind="unsupported", extra={"platform_type": "ephemeral"}),),
    )
    ingest(
        services,
        seeded.channel_id,
        "k4",
        text="Love it!",
        at=at + timedelta(minutes=3),
        story_url="https://cdn.example/story.jpg",
    )
    ingest(services, seeded.channel_id, "k5", text="oops", at=at + timedelta(minutes=4))
    ingest(
        services,
        seeded.channel_id,
        "k6",
        text="Typed on the phone",
        is_echo=True,
        at=at + timedelta(minutes=5),
    )

    def work(s: Any) -> None:
        channel = s.get_one(Channel, seeded.channel_id)
        c = s.get_one(Conversation, conv)
        who = ContactRef("u1")
        do_apply_deletion(
            s,
            channel=channel,
            at=now,
            event=InboundDeletion(
                account_id=channel.external_id, occurred_at=now, contact=who, message_id="k5"
            ),
        )
        do_apply_reaction(
            s,
            channel=channel,
            at=now,
            event=InboundReaction(
                account_id=channel.external_id,
                occurred_at=now,
                contact=who,
                message_id="k1",
                emoji="❤",
                action="react",
            ),
        )
        do_assign_conversation(
            s, conv=c, assignee_id=seeded.admin_id, at=now, actor_id=seeded.agent_id
        )
        do_add_note(s, conv=c, text="VIP, refund ok", at=now, author_id=seeded.agent_id)
        msg = do_send_reply(s, conv=c, text="On its way!", at=now, author_id=seeded.agent_id)
        msg.delivery_status = "failed"
        msg.error_message = "The person blocked the page"

    services.db.write(work)
    return conv


def test_every_kind_of_item_renders(agent: Agent, services: Services, seeded: Seeded) -> None:
    conv = _build_thread(services, seeded)
    html = agent.client.get(f"/conversations/{conv}").text
    with services.db.session() as s:
        first = s.scalars(select(Message.id).where(Message.platform_message_id == "k1")).one()
    assert f'<article id="m-{first}" class="msg in"' in html
    assert 'aria-labelledby="m-' in html
    assert "Hello there" in html
    assert "❤" in html
    assert "Photo" in html
    assert "photo.jpg" in html
    assert "20 KB" in html
    assert "Message type not shown: ephemeral" in html
    assert "Replied to your story" in html
    assert "Maria Lopez removed a message" in html
    assert ">oops<" not in html
    assert "Sent from the Website app" in html
    assert "Internal note" in html
    assert "VIP, refund ok" in html
    assert 'class="note"' in html
    assert "agent assigned this to admin" in html
    assert 'aria-label="Failed: The person blocked the page"' in html
    assert "On its way!" in html
    assert html.count("<h1") == 1


def test_window_chip_and_limit_follow_the_platform(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv = ingest(services, seeded.channel_id, "w1", text="Hi")
    html = agent.client.get(f"/conversations/{conv}").text
    assert "Reply window" not in html  # generic channels have no window
    assert 'data-limit="20000"' in html

    def to_whatsapp(s: Any) -> None:
        s.get_one(Channel, seeded.channel_id).platform = "whatsapp"

    services.db.write(to_whatsapp)
    html = agent.client.get(f"/conversations/{conv}").text
    assert "Reply window: 23h" in html or "Reply window: 24h" in html
    assert 'data-limit="4096"' in html
