"""Multi-step keyword flows as data: steps with quick-reply options, each choice naming the
next step (pydantic, validated on save). Pure: no database, no sending."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_OPTIONS = 10  # WhatsApp lists hold 10 rows; Messenger takes 13, Telegram more
TITLE_MAX = 20  # Messenger quick replies and WhatsApp reply buttons cut titles at 20
_PAYLOAD = re.compile(r"^FLOW_(\d+)_([a-z0-9-]{1,24})_(\d{1,2})$")


class FlowOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    next: str | None = Field(default=None, description="step id; none ends the flow")
    consent: bool = Field(default=False, description="choosing this records consent")
    tag: str | None = Field(default=None, max_length=64)


class FlowStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{1,24}$")
    text: str = Field(min_length=1, max_length=2000)
    options: list[FlowOption] = Field(default_factory=list, max_length=MAX_OPTIONS)
    on_text: str | None = Field(
        default=None, description="step for a free-text answer; none hands it to a person"
    )
    consent: bool = Field(default=False, description="reaching this step records consent")
    tag: str | None = Field(default=None, max_length=64)
    follow_up_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    follow_up_text: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _follow_up_pair(self) -> FlowStep:
        if (self.follow_up_hours is None) != (self.follow_up_text is None):
            raise ValueError(f"step {self.id}: a follow-up needs both hours and text")
        titles = [o.title.casefold() for o in self.options]
        if len(set(titles)) != len(titles):
            raise ValueError(f"step {self.id}: option titles must differ")
        return self

    def waits(self) -> bool:
        """Whether the flow waits for the person after this step."""
        return bool(self.options) or self.on_text is not None


class FlowSteps(BaseModel):
    """The steps of one flow; the first step is where the keyword starts it."""

    model_config = ConfigDict(extra="forbid")

    steps: list[FlowStep] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _links(self) -> FlowSteps:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        for step in self.steps:
            targets = [o.next for o in step.options] + [step.on_text]
            for target in targets:
                if target is not None and target not in ids:
                    raise ValueError(f"step {step.id} points to unknown step {target!r}")
        return self

    def first(self) -> FlowStep:
        return self.steps[0]

    def get(self, step_id: str) -> FlowStep | None:
        return next((s for s in self.steps if s.id == step_id), None)


def payload_for(flow_id: int, step_id: str, index: int) -> str:
    """The quick-reply payload of option `index` (fits Telegram's 64-byte callback data)."""
    return f"FLOW_{flow_id}_{step_id}_{index}"


def parse_payload(payload: str | None) -> tuple[int, str, int] | None:
    found = _PAYLOAD.match(payload or "")
    if found is None:
        return None
    return int(found.group(1)), found.group(2), int(found.group(3))


def choose(
    step: FlowStep, *, flow_id: int, text: str | None, payload: str | None
) -> FlowOption | None:
    """The option the person picked: the tapped payload, the option's number (platforms that
    get a numbered list instead of buttons) or its title typed out."""
    parsed = parse_payload(payload)
    if parsed is not None:
        fid, sid, index = parsed
        if (fid, sid) == (flow_id, step.id) and index < len(step.options):
            return step.options[index]
        return None
    answer = (text or "").strip().rstrip(".").casefold()
    if answer.isdigit() and 1 <= int(answer) <= len(step.options):
        return step.options[int(answer) - 1]
    return next((o for o in step.options if o.title.casefold() == answer), None)


def single_step(
    *,
    reply_text: str,
    quick_replies: list[str],
    tag: str | None,
    follow_up_hours: float | None,
    follow_up_text: str | None,
) -> FlowSteps:
    """A flow saved in the single-step form (reply, quick replies, follow-up) as steps."""
    hours = follow_up_hours if follow_up_text else None
    # Older single-step flows were saved without title checks: cut and de-duplicate here.
    titles = list(dict.fromkeys(q[:TITLE_MAX] for q in quick_replies if q.strip()))
    return FlowSteps(
        steps=[
            FlowStep(
                id="start",
                text=reply_text,
                options=[FlowOption(title=t) for t in titles[:MAX_OPTIONS]],
                consent=True,
                tag=tag,
                follow_up_hours=hours,
                follow_up_text=follow_up_text if hours else None,
            )
        ]
    )


def describe(steps: FlowSteps) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json", exclude_none=True) for s in steps.steps]
