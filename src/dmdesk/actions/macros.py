"""Macros: one click runs several steps (send a saved reply, tag, priority, assign, snooze,
resolve) as one write through the existing actions; automation rules reuse the steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dmdesk.actions import conversations as conv_actions
from dmdesk.actions.messages import do_add_note
from dmdesk.db.events import record_event
from dmdesk.domain.enums import ConversationStatus
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Conversation, User
from dmdesk.models.replies import Macro

StepAction = Literal[
    "tag",
    "set_priority",
    "assign",
    "assign_team",
    "snooze",
    "resolve",
    "send_saved_reply",
    "add_note",
]
_NEEDS: dict[str, str] = {
    "tag": "tag",
    "set_priority": "priority",
    "snooze": "hours",
    "send_saved_reply": "saved_reply_id",
    "add_note": "text",
}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: StepAction
    tag: str | None = Field(default=None, max_length=64)
    priority: str | None = None
    user_id: int | None = None
    team_id: int | None = None
    hours: float | None = Field(default=None, gt=0, le=24 * 90)
    saved_reply_id: int | None = None
    text: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _has_its_field(self) -> Step:
        needed = _NEEDS.get(self.action)
        if needed and getattr(self, needed) is None:
            raise ValueError(f"{self.action} needs {needed}")
        return self


def parse_steps(raw: list[dict[str, object]]) -> list[Step]:
    try:
        return [Step.model_validate(s) for s in raw]
    except ValueError as exc:
        raise Invalid(f"invalid step: {exc}", field="steps") from exc


def apply_step(
    session: Session, *, conv: Conversation, step: Step, user: User | None, at: datetime
) -> str:
    """Run one step; returns what it did, in words for the run log."""
    actor = user.id if user else None
    match step.action:
        case "tag":
            conv_actions.do_add_tag(session, conv=conv, tag=step.tag or "", at=at, actor_id=actor)
            return f"tagged {step.tag}"
        case "set_priority":
            conv_actions.do_set_priority(
                session, conv=conv, priority=step.priority or "", at=at, actor_id=actor
            )
            return f"priority {step.priority}"
        case "assign":
            conv_actions.do_assign_conversation(
                session, conv=conv, assignee_id=step.user_id, at=at, actor_id=actor
            )
            return f"assigned to {step.user_id}"
        case "assign_team":
            conv_actions.do_set_team(
                session, conv=conv, team_id=step.team_id, at=at, actor_id=actor
            )
            return f"team {step.team_id}"
        case "snooze":
            until = at + timedelta(hours=step.hours or 0)
            conv_actions.do_set_status(
                session,
                conv=conv,
                status=ConversationStatus.SNOOZED,
                snoozed_until=until,
                at=at,
                actor_id=actor,
            )
            return f"snoozed until {until.isoformat()}"
        case "resolve":
            conv_actions.do_set_status(
                session, conv=conv, status=ConversationStatus.RESOLVED, at=at, actor_id=actor
            )
            return "resolved"
        case "add_note":
            if user is None:
                raise Invalid("a note needs an author", field="text")
            do_add_note(session, conv=conv, text=step.text or "", at=at, author_id=user.id)
            return "added a note"
        case "send_saved_reply":
            return _send_saved(session, conv=conv, step=step, user=user, at=at)
    raise Invalid(f"unknown step {step.action}")  # pragma: no cover - Literal is exhaustive


def _send_saved(
    session: Session, *, conv: Conversation, step: Step, user: User | None, at: datetime
) -> str:
    from dmdesk.actions.replies import do_send_saved_reply

    outcome = do_send_saved_reply(
        session, conv=conv, saved_reply_id=step.saved_reply_id or 0, user=user, at=at
    )
    return f"saved reply {step.saved_reply_id}: {outcome.status}"


def do_create_macro(
    session: Session,
    *,
    user: User,
    name: str,
    steps: list[dict[str, object]],
    shared: bool,
    at: datetime,
) -> Macro:
    parsed = parse_steps(steps)
    if not name.strip() or not parsed:
        raise Invalid("a macro needs a name and at least one step", field="name")
    macro = Macro(
        workspace_id=user.workspace_id,
        owner_id=None if shared else user.id,
        name=name.strip()[:120],
        steps=[s.model_dump(exclude_none=True) for s in parsed],
        created_at=at,
    )
    session.add(macro)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="macro.created",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"macro_id": macro.id, "name": macro.name, "shared": shared},
    )
    return macro


def visible_macros(session: Session, user: User) -> list[Macro]:
    return list(
        session.scalars(
            select(Macro)
            .where(
                Macro.workspace_id == user.workspace_id,
                or_(Macro.owner_id.is_(None), Macro.owner_id == user.id),
            )
            .order_by(Macro.name)
        )
    )


def access_macro(session: Session, user: User, macro_id: int) -> Macro:
    macro = session.get(Macro, macro_id)
    if (
        macro is None
        or macro.workspace_id != user.workspace_id
        or macro.owner_id not in (None, user.id)
    ):
        raise NotFound("macro not found")
    return macro


def do_run_macro(
    session: Session, *, macro: Macro, conv: Conversation, user: User, at: datetime
) -> list[str]:
    """All steps in the caller's one transaction: any failure undoes every step."""
    did = [
        apply_step(session, conv=conv, step=step, user=user, at=at)
        for step in parse_steps(macro.steps)
    ]
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type="macro.run",
        at=at,
        conversation_id=conv.id,
        actor_kind="user",
        actor_id=user.id,
        data={"macro_id": macro.id, "did": did},
    )
    return did
