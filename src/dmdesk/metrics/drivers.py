"""What drives a burst of inbound DMs: the most frequent words and the referral posts
(ads, links, stories) of the messages in a time window."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.models import Conversation, Event, Message

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@cache
def _stop_words() -> frozenset[str]:
    # Imported on first use: scikit-learn takes over a second to load.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"hello", "thanks", "thank", "please", "just"}


@dataclass(frozen=True)
class Drivers:
    keywords: list[tuple[str, int]]
    referrals: list[tuple[str, int]]
    message_ids: list[int]


def keywords(texts: list[str], *, top: int = 8) -> list[tuple[str, int]]:
    """The most frequent content words, each counted once per message."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w for w in _WORD.findall(text.lower()) if w not in _stop_words()})
    return counts.most_common(top)


def referral_label(referral: dict[str, Any] | None) -> str | None:
    if not referral:
        return None
    for key in ("title", "post_id", "ad_id", "ref", "url"):
        if referral.get(key):
            return f"{referral.get('source') or 'referral'}: {referral[key]}"
    return None


def window_drivers(
    session: Session,
    workspace_id: int,
    *,
    channel_id: int | None,
    start: datetime,
    end: datetime,
) -> Drivers:
    """Drivers of the inbound messages logged in [start, end) (via the event-log index)."""
    ids = [
        int(e.data.get("message_id", 0))
        for e in session.scalars(
            select(Event).where(
                Event.workspace_id == workspace_id,
                Event.type == "message.created",
                Event.occurred_at >= start,
                Event.occurred_at < end,
            )
        )
        if e.data.get("direction") == "inbound"
        and (channel_id is None or e.data.get("channel_id") == channel_id)
    ]
    rows = session.execute(
        select(Message.id, Message.text, Message.meta, Conversation.referral)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id.in_(ids[:5000]), Message.is_deleted.is_(False))
    ).all()
    labels: Counter[str] = Counter()
    for _id, _text, meta, conv_referral in rows:
        label = referral_label((meta or {}).get("referral")) or referral_label(conv_referral)
        if label:
            labels[label] += 1
    texts = [text for _id, text, _m, _r in rows if text]
    return Drivers(keywords(texts), labels.most_common(5), [r[0] for r in rows])
