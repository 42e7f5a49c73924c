"""Drive the desk's actions at chosen instants, so metrics tests replay real histories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dmdesk.actions.conversations import do_assign_conversation, do_set_status
from dmdesk.actions.ingest import do_apply_deletion, do_ingest_message
from dmdesk.actions.messages import do_send_reply
from dmdesk.db.events import record_event
from dmdesk.domain.enums import AuthorKind
from dmdesk.domain.inbound import ContactRef, InboundDeletion, InboundMessage
from dmdesk.models import Channel, Conversation, Workspace
from dmdesk.services import Services

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_5 = {
    "timezone": "Europe/Berlin",
    "shifts": [
        {"weekday": w, "start": "09:00", "end": "17:00"}
        for w in ("mon", "tue", "wed", "thu", "fri")
    ],
}


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@dataclass
class Desk:
    svc: Services
    workspace_id: int
    channel_id: int
    seq: int = 0
    platform_ids: dict[int, tuple[str, str]] = field(default_factory=dict)

    def configure(self, *, timezone: str, schedule: dict[str, Any] | None) -> None:
        def work(s: Session) -> None:
            ws = s.get_one(Workspace, self.workspace_id)
            ws.timezone = timezone
            ws.settings = {**ws.settings, "business_hours": schedule} if schedule else {}

        self.svc.db.write(work)

    def inbound(self, contact: str, at: datetime, text: str = "hello") -> tuple[int, int]:
        self.seq += 1
        mid = f"m{self.seq}"

        def work(s: Session) -> tuple[int, int]:
            channel = s.get_one(Channel, self.channel_id)
            event = InboundMessage(
                account_id=channel.external_id,
                occurred_at=at,
                contact=ContactRef(external_id=contact),
                message_id=mid,
                text=text,
            )
            out = do_ingest_message(s, channel=channel, event=event, at=at)
            assert out.message_id is not None
            self.platform_ids[out.message_id] = (contact, mid)
            return out.conversation_id, out.message_id

        return self.svc.db.write(work)

    def unsend(self, message_id: int, at: datetime) -> None:
        """The contact deletes (unsends) one of their messages."""
        contact, mid = self.platform_ids[message_id]

        def work(s: Session) -> None:
            channel = s.get_one(Channel, self.channel_id)
            event = InboundDeletion(
                account_id=channel.external_id,
                occurred_at=at,
                contact=ContactRef(external_id=contact),
                message_id=mid,
            )
            assert do_apply_deletion(s, channel=channel, event=event, at=at)

        self.svc.db.write(work)

    def reply(
        self,
        conv_id: int,
        at: datetime,
        *,
        user_id: int | None,
        kind: AuthorKind = AuthorKind.AGENT,
        text: str = "on it",
    ) -> int:
        def work(s: Session) -> int:
            conv = s.get_one(Conversation, conv_id)
            return do_send_reply(
                s, conv=conv, text=text, at=at, author_id=user_id, author_kind=kind
            ).id

        return self.svc.db.write(work)

    def status(self, conv_id: int, at: datetime, status: str, user_id: int | None) -> None:
        self.svc.db.write(
            lambda s: do_set_status(
                s, conv=s.get_one(Conversation, conv_id), status=status, at=at, actor_id=user_id
            )
        )

    def assign(self, conv_id: int, at: datetime, user_id: int | None) -> None:
        self.svc.db.write(
            lambda s: do_assign_conversation(
                s, conv=s.get_one(Conversation, conv_id), assignee_id=user_id, at=at, actor_id=None
            )
        )

    def event(self, conv_id: int, type_: str, at: datetime, **data: Any) -> None:
        self.svc.db.write(
            lambda s: record_event(
                s,
                workspace_id=self.workspace_id,
                type=type_,
                at=at,
                conversation_id=conv_id,
                data=data,
            )
        )


def fast_desk(svc: Services, slug: str = "prop") -> tuple[Desk, tuple[int, int]]:
    """A workspace, a generic channel and two agents, without password hashing."""
    from dmdesk.actions.channels import do_create_channel
    from dmdesk.actions.workspaces import do_create_workspace
    from dmdesk.models import User

    def work(s: Session) -> tuple[int, int, tuple[int, int]]:
        now = svc.clock()
        ws = do_create_workspace(s, name=slug, slug=slug, at=now)
        ch = do_create_channel(s, workspace_id=ws.id, platform="generic", name="web",
                               external_id=f"{slug}-web", settings={"secret": "x"}, box=svc.box,
                               at=now)  # fmt: skip
        users = [User(workspace_id=ws.id, email=f"a{i}@{slug}.test", name=f"A{i}",
                      password_hash="-", role="agent", created_at=now) for i in (1, 2)]  # fmt: skip
        s.add_all(users)
        s.flush()
        return ws.id, ch.id, (users[0].id, users[1].id)

    ws_id, ch_id, agents = svc.db.write(work)
    return Desk(svc, ws_id, ch_id), agents
