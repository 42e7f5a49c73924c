"""Automation rule definitions (stored as JSON): trigger -> conditions -> actions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from dmdesk.actions.macros import Step
from dmdesk.domain.governance import compile_rule

TriggerKind = Literal[
    "message_created",
    "conversation_created",
    "status_changed",
    "tag_added",
    "sla_warning",
    "no_reply",
]
FIELDS = (
    "conversation.status",
    "conversation.priority",
    "conversation.category",
    "conversation.channel_id",
    "conversation.team_id",
    "conversation.assignee_id",
    "conversation.tags",
    "conversation.language",
    "contact.name",
    "contact.language",
    "contact.handle",
    "message.text",
    "message.direction",
    "event.tag",
    "event.to",
    "business_hours",
)
Op = Literal["eq", "ne", "in", "contains", "matches", "exists", "is_open", "is_closed"]
StepName = Literal[
    "tag",
    "set_priority",
    "assign",
    "assign_team",
    "snooze",
    "resolve",
    "send_saved_reply",
    "add_note",
    "send_faq_answer",
    "call_webhook",
    "start_flow",
]


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: TriggerKind
    hours: float | None = Field(default=None, gt=0, le=24 * 30)  # for no_reply
    direction: Literal["inbound", "outbound", "any"] = "inbound"

    @model_validator(mode="after")
    def _hours_for_no_reply(self) -> Trigger:
        if self.event == "no_reply" and self.hours is None:
            raise ValueError("no_reply needs hours")
        return self


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    op: Op = "eq"
    value: Any = None

    @model_validator(mode="after")
    def _known(self) -> Condition:
        if self.field not in FIELDS and not self.field.startswith("contact.attributes."):
            raise ValueError(f"unknown field {self.field!r}")
        if self.op == "matches":
            compile_rule("regex", str(self.value or ""))
        return self


class RuleAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: StepName
    tag: str | None = Field(default=None, max_length=64)
    priority: str | None = None
    user_id: int | None = None
    team_id: int | None = None
    hours: float | None = Field(default=None, gt=0)
    saved_reply_id: int | None = None
    text: str | None = Field(default=None, max_length=5000)
    url: HttpUrl | None = None
    secret: str | None = Field(default=None, max_length=200)
    secret_sealed: str | None = Field(default=None, max_length=4000)  # as stored, never shown
    flow_id: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> RuleAction:
        if self.action == "call_webhook" and (
            self.url is None or not (self.secret or self.secret_sealed)
        ):
            raise ValueError("call_webhook needs url and secret")
        if self.action == "start_flow" and self.flow_id is None:
            raise ValueError("start_flow needs flow_id")
        if self.action not in ("send_faq_answer", "call_webhook", "start_flow"):
            self.as_step()
        return self

    def as_step(self) -> Step:
        return Step.model_validate(
            self.model_dump(
                exclude_none=True, exclude={"url", "secret", "secret_sealed", "flow_id"}
            )
        )


class RuleDefinition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    trigger: Trigger
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    actions: list[RuleAction] = Field(min_length=1, max_length=10)

    def public(self) -> dict[str, Any]:
        """The definition without webhook secrets, for API answers: a stored one shows "set"
        (and "set" sent back keeps it, see actions.automation.seal_secrets)."""
        data = self.model_dump(mode="json", exclude_none=True)
        for action in data["actions"]:
            had = action.pop("secret", None) or action.pop("secret_sealed", None)
            action.pop("secret_sealed", None)
            if had:
                action["secret"] = "set"  # noqa: S105  # a marker, not a password
        return data


def evaluate(condition: Condition, context: dict[str, Any]) -> bool:
    """One condition against the flat context built for an event (pure)."""
    value = context.get(condition.field)
    expected = condition.value
    match condition.op:
        case "exists":
            return value not in (None, "", [])
        case "is_open":
            return value is True
        case "is_closed":
            return value is False
        case "eq":
            return bool(_norm(value) == _norm(expected))
        case "ne":
            return bool(_norm(value) != _norm(expected))
        case "in":
            options = expected if isinstance(expected, list) else [expected]
            return _norm(value) in [_norm(o) for o in options]
        case "contains":
            if isinstance(value, list):
                return _norm(expected) in [_norm(v) for v in value]
            return str(expected or "").casefold() in str(value or "").casefold()
        case "matches":
            regex = compile_rule("regex", str(expected or ""))
            return bool(regex.search(str(value or "")))
    return False  # pragma: no cover - Op is exhaustive


def _norm(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def matches(definition: RuleDefinition, context: dict[str, Any]) -> tuple[bool, list[bool]]:
    results = [evaluate(c, context) for c in definition.conditions]
    if not results:
        return True, results
    return (all(results) if definition.match == "all" else any(results)), results
