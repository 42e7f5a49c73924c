"""Triage: a conversation's verdict and spam / not-spam marks, the workspace's keyword rules
(read, replace, try on a sample), the agents' corrections as labelled examples, and the
models trained from them (train in the background, list, activate / roll back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation, require_role
from dmdesk.actions import triage as triage_actions
from dmdesk.actions.conversations import HUMAN_KEY
from dmdesk.actions.triage_models import do_activate_triage_model
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.enums import Role
from dmdesk.models import Workspace
from dmdesk.queries.triage_corrections import correction_examples
from dmdesk.services import Services
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.rules import rule_from_dict
from dmdesk.triage.store import list_models

router = APIRouter(tags=["triage"])
PRECEDENCE = (
    "spam (links, bait or the spam model) > workspace keyword rule (first match in list order; "
    "a rule with override_spam beats spam) > the model"
)


class RuleIn(BaseModel):
    name: str = Field(max_length=60)
    keywords: list[str] | str
    category: str | None = None
    priority: str | None = None
    override_spam: bool = False


class RulesIn(BaseModel):
    rules: list[RuleIn] = Field(max_length=triage_actions.MAX_RULES)


class TryIn(BaseModel):
    text: str = Field(max_length=5000)
    rules: list[RuleIn] | None = Field(
        default=None, description="Draft rules to try instead of the saved ones"
    )


class SpamIn(BaseModel):
    spam: bool
    category: str | None = Field(default=None, description="Where 'not spam' goes (general)")


def engine(services: Services, workspace_id: int) -> TriageEngine:
    """The workspace's active model (the shipped one until a trained version is activated)."""
    return services.triage_engines.get(workspace_id)


@router.get("/triage/rules")
def get_rules(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        rules = triage_actions.triage_rules(s, caller.user.workspace_id)
    return {"rules": rules, "precedence": PRECEDENCE}


@router.put("/triage/rules")
def put_rules(body: RulesIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Replace every rule; the order given is the precedence. Admins only."""
    rules = services.db.write(
        lambda s: triage_actions.do_set_triage_rules(
            s,
            workspace_id=caller.user.workspace_id,
            actor=caller.user,
            rules=[r.model_dump() for r in body.rules],
            at=services.clock(),
        )
    )
    return {"rules": rules, "precedence": PRECEDENCE}


@router.post("/triage/try")
def try_rules(body: TryIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Classify a sample with the workspace's rules (or draft ones); nothing is stored."""
    ws_id = caller.user.workspace_id
    with services.db.session() as s:
        brands = tuple(s.get_one(Workspace, ws_id).brand_names)
        stored = triage_actions.triage_rules(s, ws_id)
    raw = stored if body.rules is None else [r.model_dump() for r in body.rules]
    rules = [rule_from_dict(triage_actions.clean_rule(r)) for r in raw]
    verdict = engine(services, ws_id).classify(body.text, brand_names=brands, rules=rules)
    return verdict.to_json()


@router.get("/conversations/{conv_id}/triage")
def conversation_triage(conv_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """The stored verdict of the latest inbound message and what people decided since."""
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, conv_id)
        verdict = {k: v for k, v in conv.triage.items() if k != HUMAN_KEY}
        return {
            "conversation_id": conv.id,
            "category": conv.category,
            "priority": conv.priority,
            "language": conv.language,
            "decided_by_people": list(conv.triage.get(HUMAN_KEY, [])),
            "verdict": verdict,
        }


@router.post("/conversations/{conv_id}/spam")
def mark_spam(
    conv_id: int, body: SpamIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """Spam moves the conversation to the quarantine view; not spam brings it back."""

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        triage_actions.do_mark_spam(
            s,
            conv=conv,
            spam=body.spam,
            category=body.category,
            at=services.clock(),
            actor_id=caller.user.id,
        )
        return {"id": conv.id, "category": conv.category, "version": conv.version}

    result: dict[str, Any] = services.db.write(work)
    return result


@router.get("/triage/corrections")
def corrections(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Agents' corrections as labelled examples (message text: supervisors and admins)."""
    require_role(caller.user, Role.SUPERVISOR)
    with services.db.session() as s:
        rows = correction_examples(s, caller.user.workspace_id)
    return {"items": [c.to_json() for c in rows], "n": len(rows)}


def _models_state(services: Services, workspace_id: int) -> dict[str, Any]:
    with services.db.session() as s:
        versions = list_models(s, workspace_id)
    active = next((v["version"] for v in versions if v["active"]), 0)
    return {
        "active_version": active,
        "active_model": engine(services, workspace_id).version,
        "training": services.triage_trainer.state(workspace_id).to_json(),
        "uses_shared_sets": services.triage_trainer.use_shared,
        "items": versions,
    }


@router.get("/triage/models")
def models(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Kept versions (newest first), the active one (0: shipped) and this instance's training."""
    return _models_state(services, caller.user.workspace_id)


@router.post("/triage/models", status_code=202)
def train_model(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Admins: train with the corrections in the background; the result becomes active."""
    require_role(caller.user, Role.ADMIN)
    ws = caller.user.workspace_id
    services.triage_trainer.start(workspace_id=ws, actor_id=caller.user.id)
    return _models_state(services, ws)


@router.post("/triage/models/{version}/activate")
def activate_model(version: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Admins: make a kept version active (roll back); version 0 is the shipped model."""
    ws = caller.user.workspace_id
    services.db.write(
        lambda s: do_activate_triage_model(
            s, workspace_id=ws, actor=caller.user, version=version, at=services.clock()
        )
    )
    return _models_state(services, ws)
