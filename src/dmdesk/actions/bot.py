"""The one send path for automated messages: never to an opted-out contact, window kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dmdesk.actions.consent import has_consent, is_opted_out
from dmdesk.actions.messages import do_send_reply
from dmdesk.domain.enums import AuthorKind
from dmdesk.domain.errors import PolicyRefused
from dmdesk.models import Conversation, Message

QuickReplies = list[tuple[str, str]]  # (title, payload)


def do_send_bot_message(
    session: Session,
    *,
    conv: Conversation,
    text: str,
    at: datetime,
    quick_replies: QuickReplies | None = None,
    purpose: str | None = None,
    opt_out_confirmation: bool = False,
    template: str | None = None,
    meta: dict[str, object] | None = None,
) -> Message:
    """A BOT message through do_send_reply (which enforces the platform window).

    Refused when the contact opted out (except the opt-out confirmation itself) and, with
    `purpose`, when there is no consent for it. Quick replies ride in the message meta for
    connectors that support them; the text always works without them.
    """
    if not opt_out_confirmation and is_opted_out(session, conv.contact_id):
        raise PolicyRefused("the contact opted out of automated messages")
    if purpose is not None and not has_consent(session, conv.contact_id, purpose):
        raise PolicyRefused(f"no consent for {purpose}")
    msg = do_send_reply(
        session,
        conv=conv,
        text=text,
        at=at,
        author_id=None,
        author_kind=AuthorKind.BOT,
        template=template,
    )
    extra: dict[str, object] = dict(meta or {})
    if quick_replies:
        extra["quick_replies"] = [{"title": t, "payload": p} for t, p in quick_replies]
    if extra:
        msg.meta = {**msg.meta, **extra}
    return msg
