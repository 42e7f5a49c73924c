"""Triage writes: applying a verdict without overriding what people decided, agents'
spam / not-spam marks (kept as labelled examples), and the workspace's keyword rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.actions.conversations import (
    HUMAN_KEY,
    _event,
    mark_human_decision,
    refresh_queue_position,
)
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Category, Priority, Role
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.domain.thread_category import settle_category
from dmdesk.models import Conversation, User, Workspace

SPAM_EVENT = "conversation.marked_spam"
NOT_SPAM_EVENT = "conversation.marked_not_spam"
CATEGORY_EVENT = "conversation.category_corrected"
# Every event that records a person's verdict on a conversation's category.
CORRECTION_EVENTS = (CATEGORY_EVENT, SPAM_EVENT, NOT_SPAM_EVENT)
RULES_KEY = "triage_rules"
RULES_EVENT = "workspace.triage_rules_changed"
MAX_RULES = 200
MAX_KEYWORDS = 50


def do_apply_triage(
    session: Session,
    *,
    conv: Conversation,
    verdict: dict[str, Any],
    message_id: int | None,
    at: datetime,
) -> None:
    """Store the verdict; set category, language and priority unless a person set them.

    The category follows the thread rules in `domain.thread_category` (a reply does not undo
    what the thread is about); priority only rises automatically (a calm follow-up does not
    demote an urgent thread).
    """
    human = set(conv.triage.get(HUMAN_KEY, []))
    if verdict.get("language") and verdict["language"] != "und":
        conv.language = verdict["language"]
    kept = ""
    if "category" not in human:
        settled = settle_category(
            _category_or_none(conv.category),
            conv.category_confidence,
            _category_or_none(verdict.get("category")),
            float(verdict.get("category_confidence") or 0.0),
            answered=conv.first_human_reply_at is not None,
        )
        conv.category = settled.category.value if settled.category else None
        conv.category_confidence = settled.confidence
        kept = settled.kept
    extra = {HUMAN_KEY: sorted(human)} if human else {}
    conv.triage = {**verdict, **extra, **({"kept": kept} if kept else {})}
    proposed = Priority(verdict.get("priority") or "normal")
    if "priority" not in human and proposed.sort_rank < Priority(conv.priority).sort_rank:
        conv.priority = proposed.value
        refresh_queue_position(conv)
    spam = verdict.get("spam") or {}
    _event(
        session,
        conv,
        "triage.applied",
        at=at,
        actor_id=None,
        actor_kind="bot",
        data={
            "message_id": message_id,
            "category": conv.category,
            "message_category": verdict.get("category"),
            "kept": kept,
            "confidence": verdict.get("category_confidence"),
            "reasons": list(verdict.get("category_reasons") or [])[:5],
            "priority": conv.priority,
            "language": conv.language,
            "spam": bool(spam.get("is_spam")),
            "phishing": bool(spam.get("is_phishing")),
            "spam_reasons": list(spam.get("reasons") or [])[:5],
            "pii_kinds": sorted({p.get("kind") for p in verdict.get("pii") or []}),
            "model_version": verdict.get("model_version"),
        },
    )


def _category_or_none(value: Any) -> Category | None:
    try:
        return Category(value) if value else None
    except ValueError:
        return None


# --- agents' spam / not-spam marks ------------------------------------------------------------

NOT_SPAM_DEFAULT = Category.GENERAL


def do_mark_spam(
    session: Session,
    *,
    conv: Conversation,
    spam: bool,
    at: datetime,
    actor_id: int,
    category: Category | str | None = None,
) -> Conversation:
    """An agent's spam verdict: spam moves the thread to quarantine, "not spam" brings it back
    to the inbox under `category` (general unless chosen). Kept as a labelled example."""
    if spam:
        target = Category.SPAM
    else:
        try:
            target = Category(category) if category else NOT_SPAM_DEFAULT
        except ValueError as exc:
            raise Invalid("unknown category", field="category") from exc
        if target is Category.SPAM:
            raise Invalid(
                "choose the category a message that is not spam belongs to", field="category"
            )
    previous = conv.category
    conv.category = target.value
    conv.category_confidence = 1.0
    mark_human_decision(conv, "category")
    conv.version += 1
    conv.updated_at = at
    _event(
        session,
        conv,
        SPAM_EVENT if spam else NOT_SPAM_EVENT,
        at=at,
        actor_id=actor_id,
        data={"from": previous, "to": target.value},
    )
    return conv


# --- workspace keyword rules ------------------------------------------------------------------


def _choice(value: Any, enum: type[Category] | type[Priority], field: str) -> str | None:
    text = str(value or "").strip().lower()
    if not text:
        return None
    try:
        return enum(text).value
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum)
        raise Invalid(f"choose one of: {allowed}", field=field) from exc


def _keywords(value: Any) -> list[str]:
    raw = value.replace("\n", ",").split(",") if isinstance(value, str) else list(value or ())
    words = list(dict.fromkeys(str(k).strip() for k in raw if str(k).strip()))
    if not words:
        raise Invalid("give at least one keyword or phrase", field="keywords")
    if len(words) > MAX_KEYWORDS or any(len(w) > 80 for w in words):
        raise Invalid(f"at most {MAX_KEYWORDS} keywords of 80 characters each", field="keywords")
    return words


def clean_rule(data: Mapping[str, Any]) -> dict[str, Any]:
    """A rule as stored (the shape `triage.rules.rule_from_dict` reads), or Invalid with the
    field at fault: name, keywords, category or priority."""
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 60:
        raise Invalid("a rule needs a name of 1 to 60 characters", field="name")
    keywords = _keywords(data.get("keywords"))
    category = _choice(data.get("category"), Category, "category")
    priority = _choice(data.get("priority"), Priority, "priority")
    if category is None and priority is None:
        raise Invalid("a rule sets a category, a priority or both", field="category")
    return {
        "name": name,
        "keywords": keywords,
        "category": category,
        "priority": priority,
        "override_spam": bool(data.get("override_spam", False)),
    }


def triage_rules(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The workspace's keyword rules in precedence order (first match wins)."""
    ws = session.get(Workspace, workspace_id)
    return [dict(r) for r in (ws.settings.get(RULES_KEY) or [])] if ws else []


def _index(rules: Sequence[Mapping[str, Any]], name: str) -> int:
    wanted = name.strip().casefold()
    for i, rule in enumerate(rules):
        if str(rule.get("name", "")).casefold() == wanted:
            return i
    raise NotFound(f"no rule named {name!r}")


def check_admin_actor(actor: User | None, workspace_id: int) -> None:
    """A person must be an admin of the workspace; no actor is the operator (the CLI)."""
    if actor is None:
        return
    if actor.workspace_id != workspace_id:
        raise NotFound("workspace not found")
    require_role(actor, Role.ADMIN)


def _save(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    rules: list[dict[str, Any]],
    at: datetime,
    change: str,
) -> list[dict[str, Any]]:
    check_admin_actor(actor, workspace_id)
    names = [r["name"].casefold() for r in rules]
    if len(set(names)) != len(names):
        raise Invalid("two rules have the same name; names must be unique", field="name")
    if len(rules) > MAX_RULES:
        raise Invalid(f"at most {MAX_RULES} rules", field="rules")
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound("workspace not found")
    ws.settings = {**ws.settings, RULES_KEY: rules}
    record_event(
        session,
        workspace_id=ws.id,
        type=RULES_EVENT,
        at=at,
        actor_id=actor.id if actor else None,
        data={"change": change, "count": len(rules)},
    )
    return rules


def do_set_triage_rules(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    rules: Sequence[Mapping[str, Any]],
    at: datetime,
) -> list[dict[str, Any]]:
    """Replace every rule (the API's PUT); the order given is the precedence."""
    check_admin_actor(actor, workspace_id)
    cleaned = [clean_rule(r) for r in rules]
    return _save(
        session, workspace_id=workspace_id, actor=actor, rules=cleaned, at=at, change="replaced"
    )


def do_add_triage_rule(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    rule: Mapping[str, Any],
    at: datetime,
) -> dict[str, Any]:
    check_admin_actor(actor, workspace_id)
    cleaned = clean_rule(rule)
    rules = [*triage_rules(session, workspace_id), cleaned]
    _save(session, workspace_id=workspace_id, actor=actor, rules=rules, at=at, change="added")
    return cleaned


def do_update_triage_rule(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    name: str,
    rule: Mapping[str, Any],
    at: datetime,
) -> dict[str, Any]:
    check_admin_actor(actor, workspace_id)
    rules = triage_rules(session, workspace_id)
    index = _index(rules, name)
    cleaned = clean_rule(rule)
    rules[index] = cleaned
    _save(session, workspace_id=workspace_id, actor=actor, rules=rules, at=at, change="edited")
    return cleaned


def do_delete_triage_rule(
    session: Session, *, workspace_id: int, actor: User | None, name: str, at: datetime
) -> None:
    check_admin_actor(actor, workspace_id)
    rules = triage_rules(session, workspace_id)
    del rules[_index(rules, name)]
    _save(session, workspace_id=workspace_id, actor=actor, rules=rules, at=at, change="deleted")


def do_move_triage_rule(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    name: str,
    offset: int,
    at: datetime,
) -> list[dict[str, Any]]:
    """Move a rule up (negative offset) or down; precedence is the list order."""
    check_admin_actor(actor, workspace_id)
    rules = triage_rules(session, workspace_id)
    i = _index(rules, name)
    j = max(0, min(len(rules) - 1, i + offset))
    rules.insert(j, rules.pop(i))
    return _save(
        session, workspace_id=workspace_id, actor=actor, rules=rules, at=at, change="moved"
    )
