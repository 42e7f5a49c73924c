"""The open conversation as the thread pane needs it: thread items, tags, window chip,
pickers, and whatever the composer must show again after a refused send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions.conversations import conversation_tags
from dmdesk.actions.messages import MAX_TEXT
from dmdesk.actions.pii_access import user_sees_pii
from dmdesk.domain.enums import Platform
from dmdesk.models import User
from dmdesk.queries.rail import RailFacets, rail_facets
from dmdesk.queries.thread import Thread, load_thread
from dmdesk.web.present import SNOOZE_PRESETS, window_chip


@dataclass(frozen=True)
class ComposerState:
    """What the composer shows: the draft kept after a refusal, and why it was refused."""

    text: str = ""
    mode: str = "reply"
    error: str | None = None
    conflict: bool = False
    allowed: str | None = None


@dataclass(frozen=True)
class ThreadModel:
    thread: Thread
    tags: list[str]
    facets: RailFacets
    me: User
    now: datetime
    composer: ComposerState = field(default_factory=ComposerState)
    notice: str | None = None

    def context(self) -> dict[str, Any]:
        t = self.thread
        conv = t.conversation
        others = sorted(
            ((uid, name) for uid, name in t.users.items() if uid != self.me.id),
            key=lambda p: p[1].lower(),
        )
        return {
            "t": t,
            "conv": conv,
            "tags": self.tags,
            "team_names": self.facets.team_names(),
            "teams": self.facets.teams,
            "assignees": [(self.me.id, f"Me ({self.me.name})"), *others],
            "assignee_name": t.users.get(conv.assignee_id or 0),
            "window": window_chip(t.channel.platform, conv.last_inbound_at, self.now),
            "limit": MAX_TEXT[Platform(t.channel.platform)],
            "snooze_presets": SNOOZE_PRESETS,
            "composer": self.composer,
            "notice": self.notice,
            "now": self.now,
        }


def load_thread_model(
    session: Session,
    *,
    user: User,
    conv_id: int,
    now: datetime,
    facets: RailFacets | None = None,
) -> ThreadModel:
    """Raises NotFound for unknown and other workspaces' ids alike."""
    conv = access_conversation(session, user, conv_id)
    thread = load_thread(session, conv, mask_pii=not user_sees_pii(session, user))
    tags = conversation_tags(session, conv.id)
    facets = facets or rail_facets(session, workspace_id=user.workspace_id)
    return ThreadModel(thread, tags, facets, user, now)
