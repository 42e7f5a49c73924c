"""Form POSTs on a conversation: send (reply or note), assign, tag, status, snooze.

Each is CSRF-checked, runs one action through the writer, then redirects (plain forms)
or answers with the thread fragment (fetch with `X-Fragment: 1`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions import conversations as conv_actions
from dmdesk.actions.governance import do_submit_reply
from dmdesk.actions.messages import do_add_note
from dmdesk.domain.errors import Invalid
from dmdesk.web.deps import FormCaller, ServicesDep
from dmdesk.web.present import snooze_until
from dmdesk.web.respond import act
from dmdesk.web.thread_model import ComposerState

router = APIRouter(include_in_schema=False, prefix="/conversations/{conv_id}")
Text = Annotated[str, Form()]
OptText = Annotated[str | None, Form()]


@router.post("/send")
def send(
    conv_id: int,
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    text: Text = "",
    mode: Text = "reply",
    expected_version: Annotated[int | None, Form()] = None,
    force: Text = "",
) -> Response:
    """A reply (the default) or an internal note; a reply stops if the conversation changed."""
    user = caller.user

    def work(s: Session) -> None:
        conv = access_conversation(s, user, conv_id)
        at = services.clock()
        if mode == "note":
            do_add_note(s, conv=conv, text=text, at=at, author_id=user.id)
            return
        if not force:
            conv_actions._check_version(conv, expected_version)
        # The one send path: do-not-say rules and approvals apply to the composer too.
        do_submit_reply(s, conv=conv, text=text, at=at, author=user)

    draft = ComposerState(text=text, mode="note" if mode == "note" else "reply")
    return act(request, services, caller, conv_id, work, draft=draft)


@router.post("/assign")
def assign(
    conv_id: int,
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    assignee: Text = "",
) -> Response:
    target = caller.user.id if assignee == "me" else int(assignee) if assignee.isdigit() else None

    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        conv_actions.do_assign_conversation(
            s, conv=conv, assignee_id=target, at=services.clock(), actor_id=caller.user.id
        )

    return act(request, services, caller, conv_id, work)


@router.post("/team")
def set_team(
    conv_id: int, request: Request, caller: FormCaller, services: ServicesDep, team: Text = ""
) -> Response:
    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        conv_actions.do_set_team(
            s,
            conv=conv,
            team_id=int(team) if team.isdigit() else None,
            at=services.clock(),
            actor_id=caller.user.id,
        )

    return act(request, services, caller, conv_id, work)


@router.post("/tags")
def tag(
    conv_id: int,
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    tag: Text = "",
    remove: Text = "",
) -> Response:
    """Add the typed tag(s) (comma separated), or remove one with `remove`."""

    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        at, actor = services.clock(), caller.user.id
        if remove:
            conv_actions.do_remove_tag(s, conv=conv, tag=remove, at=at, actor_id=actor)
            return
        names = [t for t in tag.split(",") if t.strip()]
        if not names:
            raise Invalid("type a tag to add", field="tag")
        for name in names:
            conv_actions.do_add_tag(s, conv=conv, tag=name, at=at, actor_id=actor)

    return act(request, services, caller, conv_id, work)


@router.post("/status")
def set_status(
    conv_id: int,
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    status: Text,
    snooze: Text = "",
    until: OptText = None,
    tz: OptText = None,
) -> Response:
    """Resolve, reopen, pending, or snooze with a preset (later, tomorrow, next week, custom)."""

    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        at = services.clock()
        wake = None
        if status == "snoozed":
            wake = snooze_until(snooze or "custom", now=at, tz=tz, custom=until)
            if wake is None:
                raise Invalid("choose when the snooze ends", field="snoozed_until")
        conv_actions.do_set_status(
            s, conv=conv, status=status, snoozed_until=wake, at=at, actor_id=caller.user.id
        )

    return act(request, services, caller, conv_id, work)
