"""Routing rules per workspace: create, edit, reorder, delete; apply the first match to a
conversation (team, priority, tags) and log which rule decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import (
    _event,
    conversation_tags,
    do_add_tag,
    do_set_priority,
    do_set_team,
)
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Category, Platform, Priority
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.domain.routing_rules import RoutingDecision, RoutingInput, RoutingRule, RuleBook, route
from dmdesk.models import Channel, Contact, Conversation, Message, Team
from dmdesk.models.ownership import RoutingRuleRow


def parse_rule(row_id: int, name: str, definition: dict[str, Any], *, enabled: bool) -> RoutingRule:
    """A stored definition (match, conditions, actions) as the domain rule."""
    try:
        return RoutingRule.model_validate(
            {**definition, "id": str(row_id), "name": name, "enabled": enabled}
        )
    except ValidationError as exc:
        raise Invalid(
            f"invalid routing rule: {exc.errors()[0]['msg']}", field="definition"
        ) from exc


def _clean(definition: dict[str, Any]) -> dict[str, Any]:
    rule = parse_rule(0, "check", definition, enabled=True)
    dumped = rule.model_dump(mode="json", exclude={"id", "name", "enabled"})
    return dict(dumped)


def rule_rows(session: Session, workspace_id: int) -> list[RoutingRuleRow]:
    return list(
        session.scalars(
            select(RoutingRuleRow)
            .where(RoutingRuleRow.workspace_id == workspace_id)
            .order_by(RoutingRuleRow.position, RoutingRuleRow.id)
        )
    )


def load_rulebook(session: Session, workspace_id: int) -> RuleBook:
    rows = rule_rows(session, workspace_id)
    return RuleBook(
        rules=tuple(parse_rule(r.id, r.name, r.definition, enabled=r.enabled) for r in rows)
    )


def _rule_event(
    session: Session, row: RoutingRuleRow, *, kind: str, at: datetime, actor_id: int | None
) -> None:
    record_event(
        session,
        workspace_id=row.workspace_id,
        type=f"routing.rule_{kind}",
        at=at,
        actor_id=actor_id,
        data={"rule_id": row.id, "name": row.name},
    )


def do_create_routing_rule(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    definition: dict[str, Any],
    at: datetime,
    actor_id: int | None = None,
    enabled: bool = True,
) -> RoutingRuleRow:
    """Append a rule at the end of the workspace's order."""
    if not name.strip():
        raise Invalid("a rule needs a name", field="name")
    last = session.scalar(
        select(func.max(RoutingRuleRow.position)).where(RoutingRuleRow.workspace_id == workspace_id)
    )
    row = RoutingRuleRow(
        workspace_id=workspace_id,
        position=(last or 0) + 1,
        name=name.strip(),
        enabled=enabled,
        definition=_clean(definition),
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    _rule_event(session, row, kind="created", at=at, actor_id=actor_id)
    return row


def access_rule(session: Session, workspace_id: int, rule_id: int) -> RoutingRuleRow:
    row = session.get(RoutingRuleRow, rule_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound("routing rule not found")
    return row


def do_update_routing_rule(
    session: Session,
    *,
    row: RoutingRuleRow,
    at: datetime,
    actor_id: int | None,
    name: str | None = None,
    definition: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> RoutingRuleRow:
    if name is not None and name.strip():
        row.name = name.strip()
    if definition is not None:
        row.definition = _clean(definition)
    if enabled is not None:
        row.enabled = enabled
    row.updated_at = at
    _rule_event(session, row, kind="updated", at=at, actor_id=actor_id)
    return row


def do_delete_routing_rule(
    session: Session, *, row: RoutingRuleRow, at: datetime, actor_id: int | None
) -> None:
    _rule_event(session, row, kind="deleted", at=at, actor_id=actor_id)
    session.delete(row)


def do_reorder_routing_rules(
    session: Session, *, workspace_id: int, rule_ids: list[int], at: datetime, actor_id: int | None
) -> list[RoutingRuleRow]:
    """Set the evaluation order; the ids must be exactly the workspace's rules."""
    rows = {r.id: r for r in rule_rows(session, workspace_id)}
    if sorted(rule_ids) != sorted(rows):
        raise Invalid("list every rule of the workspace exactly once", field="rule_ids")
    for position, rule_id in enumerate(rule_ids, start=1):
        rows[rule_id].position = position
    record_event(
        session,
        workspace_id=workspace_id,
        type="routing.rules_reordered",
        at=at,
        actor_id=actor_id,
        data={"rule_ids": rule_ids},
    )
    return [rows[i] for i in rule_ids]


def routing_input(session: Session, conv: Conversation, *, text: str | None = None) -> RoutingInput:
    """What the rules see: the conversation, its contact and its newest inbound text."""
    channel = session.get_one(Channel, conv.channel_id)
    contact = session.get(Contact, conv.contact_id)
    if text is None:
        text = session.scalar(
            select(Message.text)
            .where(Message.conversation_id == conv.id, Message.direction == "inbound")
            .order_by(Message.id.desc())
            .limit(1)
        )
    attributes = getattr(contact, "attributes", None) or {}
    return RoutingInput(
        channel=str(channel.id),
        platform=Platform(channel.platform),
        category=Category(conv.category) if conv.category else None,
        priority=Priority(conv.priority),
        language=conv.language,
        tags=frozenset(conversation_tags(session, conv.id)),
        contact={k: v for k, v in attributes.items() if isinstance(v, str | int | float | bool)},
        text=text or "",
    )


def resolve_team(session: Session, workspace_id: int, *, ref: str) -> Team:
    """A rule names its team by id or by name."""
    query = select(Team).where(Team.workspace_id == workspace_id)
    found = session.scalar(
        query.where(Team.id == int(ref)) if ref.isdigit() else query.where(Team.name == ref)
    )
    if found is None:
        raise NotFound(f"no team {ref!r}")
    return found


def do_apply_routing(
    session: Session, *, conv: Conversation, at: datetime, text: str | None = None
) -> RoutingDecision:
    """Run the workspace's rules on a conversation and apply the decision."""
    decision = route(
        load_rulebook(session, conv.workspace_id), routing_input(session, conv, text=text)
    )
    if decision.rule_id is None:
        return decision
    actions = decision.actions
    if actions.team:
        team = resolve_team(session, conv.workspace_id, ref=actions.team)
        do_set_team(session, conv=conv, team_id=team.id, at=at, actor_id=None, reason="routing")
    if actions.priority:
        do_set_priority(
            session, conv=conv, priority=actions.priority, at=at, actor_id=None, reason="routing"
        )
    for tag in actions.add_tags:
        do_add_tag(session, conv=conv, tag=tag, at=at, actor_id=None)
    _event(
        session,
        conv,
        "routing.applied",
        at=at,
        actor_id=None,
        actor_kind="system",
        data={
            "rule_id": int(decision.rule_id),
            "rule_name": decision.rule_name,
            "team_id": conv.team_id,
            "priority": actions.priority.value if actions.priority else None,
            "tags": list(actions.add_tags),
            "evaluated": decision.evaluated,
        },
    )
    return decision


def dry_run(
    session: Session, *, conv: Conversation, rulebook: RuleBook | None = None
) -> dict[str, Any]:
    """What routing would decide for a past conversation; writes nothing."""
    book = rulebook or load_rulebook(session, conv.workspace_id)
    decision = route(book, routing_input(session, conv))
    return {
        "matched": decision.rule_id is not None,
        "rule_id": int(decision.rule_id) if decision.rule_id else None,
        "rule_name": decision.rule_name,
        "evaluated": decision.evaluated,
        "actions": decision.actions.model_dump(mode="json"),
    }
