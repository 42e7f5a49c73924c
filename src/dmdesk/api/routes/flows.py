"""Keyword flows over the API: multi-step definitions with quick replies, validated on
save (rules.flow_steps), listed, edited, enabled/disabled and deleted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from dmdesk.actions import keyword_flows as flows
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.models.replies import KeywordFlow
from dmdesk.rules.flow_steps import FlowStep, FlowSteps, describe
from dmdesk.rules.flows import steps_of

router = APIRouter(tags=["automation"])


class FlowIn(BaseModel):
    keyword: str = Field(max_length=64)
    purpose: str = Field(max_length=64)
    reply_text: str = Field(default="", max_length=5000)
    consent_wording: str = Field(default="", max_length=2000)
    tag: str | None = Field(default=None, max_length=64)
    quick_replies: list[str] = Field(default_factory=list, max_length=10)
    follow_up_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    follow_up_text: str | None = Field(default=None, max_length=5000)
    steps: list[FlowStep] | None = Field(default=None, max_length=20)
    enabled: bool = True

    @model_validator(mode="after")
    def _linked(self) -> FlowIn:
        if self.steps is not None:
            FlowSteps(steps=self.steps)  # ids unique, every `next` names a step
        return self

    def options(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"keyword", "purpose", "reply_text", "steps"})
        data["steps"] = [s.model_dump(mode="json", exclude_none=True) for s in self.steps or []]
        return data


def _flow_json(f: KeywordFlow) -> dict[str, Any]:
    return {
        "id": f.id,
        "keyword": f.keyword,
        "purpose": f.purpose,
        "reply_text": f.reply_text,
        "consent_wording": f.consent_wording,
        "tag": f.tag,
        "quick_replies": f.quick_replies,
        "enabled": f.enabled,
        "follow_up_hours": f.follow_up_hours,
        "follow_up_text": f.follow_up_text,
        "steps": describe(steps_of(f)),
    }


@router.get("/automation/flows")
def list_flows(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return {"items": [_flow_json(f) for f in flows.flows_of(s, caller.user.workspace_id)]}


@router.post("/automation/flows", status_code=201)
def create_flow(body: FlowIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    options = body.options()
    return services.db.write(
        lambda s: _flow_json(
            flows.do_create_keyword_flow(
                s,
                user=caller.user,
                keyword=body.keyword,
                purpose=body.purpose,
                reply_text=body.reply_text,
                at=services.clock(),
                **options,
            )
        )
    )


@router.put("/automation/flows/{flow_id}")
def update_flow(
    flow_id: int, body: FlowIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    changes = {**body.options(), "keyword": body.keyword, "purpose": body.purpose}
    changes["reply_text"] = body.reply_text

    def work(s: Session) -> dict[str, Any]:
        flow = flows.access_flow(s, caller.user, flow_id)
        return _flow_json(
            flows.do_update_keyword_flow(
                s, user=caller.user, flow=flow, changes=changes, at=services.clock()
            )
        )

    return services.db.write(work)


@router.delete("/automation/flows/{flow_id}", status_code=204)
def delete_flow(flow_id: int, services: ServicesDep, caller: CallerDep) -> None:
    services.db.write(
        lambda s: flows.do_delete_keyword_flow(
            s,
            user=caller.user,
            flow=flows.access_flow(s, caller.user, flow_id),
            at=services.clock(),
        )
    )
