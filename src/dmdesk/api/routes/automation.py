"""Automation rules (with dry run and run log), keyword flows, consent, campaigns, FAQ, CSAT."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions import automation as auto
from dmdesk.actions import campaigns as camp
from dmdesk.actions import consent as consent_actions
from dmdesk.actions import faq as faq_actions
from dmdesk.actions.csat import do_request_csat
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.api.routes import flows as flow_routes
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Contact
from dmdesk.models.replies import AutomationRule, FaqEntry
from dmdesk.rules.definitions import RuleDefinition
from dmdesk.rules.engine import RuleEngine
from dmdesk.rules.faq import FaqResponder

router = APIRouter(tags=["automation"])
router.include_router(flow_routes.router)


class RuleIn(BaseModel):
    name: str = Field(max_length=120)
    definition: RuleDefinition
    enabled: bool | None = None


class DryRunIn(BaseModel):
    definition: RuleDefinition
    conversation_id: int


class CampaignIn(BaseModel):
    name: str = Field(max_length=120)
    purpose: str = Field(max_length=64)
    body: str = Field(default="", max_length=5000)
    saved_reply_id: int | None = None
    template: str | None = Field(default=None, max_length=120)
    segment: dict[str, Any] = Field(default_factory=dict)


class FaqIn(BaseModel):
    question: str = Field(max_length=2000)
    answer: str = Field(max_length=5000)
    variants: list[str] = Field(default_factory=list, max_length=200)
    enabled: bool = True


def _rule_json(rule: AutomationRule) -> dict[str, Any]:
    try:
        definition = RuleDefinition.model_validate(rule.definition).public()
    except ValueError:
        definition = {}
    return {
        "id": rule.id,
        "name": rule.name,
        "enabled": rule.enabled,
        "disabled_reason": rule.disabled_reason,
        "run_count": rule.run_count,
        "position": rule.position,
        "definition": definition,
    }


def _faq_json(e: FaqEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "question": e.question,
        "answer": e.answer,
        "variants": e.variants,
        "enabled": e.enabled,
    }


@router.get("/automation/rules")
def list_rules(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        rows = s.scalars(
            select(AutomationRule)
            .where(AutomationRule.workspace_id == caller.user.workspace_id)
            .order_by(AutomationRule.position, AutomationRule.id)
        )
        return {"items": [_rule_json(r) for r in rows]}


@router.post("/automation/rules", status_code=201)
def create_rule(body: RuleIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    definition = body.definition.model_dump(mode="json", exclude_none=True)
    return services.db.write(
        lambda s: _rule_json(
            auto.do_create_rule(
                s,
                user=caller.user,
                name=body.name,
                definition=definition,
                at=services.clock(),
                box=services.box,
            )
        )
    )


@router.put("/automation/rules/{rule_id}")
def update_rule(
    rule_id: int, body: RuleIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    definition = body.definition.model_dump(mode="json", exclude_none=True)

    def work(s: Session) -> dict[str, Any]:
        rule = auto.access_rule(s, caller.user, rule_id)
        return _rule_json(
            auto.do_update_rule(
                s,
                user=caller.user,
                rule=rule,
                at=services.clock(),
                box=services.box,
                definition=definition,
                enabled=body.enabled,
                name=body.name,
            )
        )

    return services.db.write(work)


class OrderIn(BaseModel):
    rule_ids: list[int] = Field(max_length=500)


@router.post("/automation/rules/order")
def reorder_rules(body: OrderIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    services.db.write(
        lambda s: auto.do_reorder_rules(
            s, user=caller.user, rule_ids=body.rule_ids, at=services.clock()
        )
    )
    return list_rules(services, caller)


@router.delete("/automation/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, services: ServicesDep, caller: CallerDep) -> None:
    services.db.write(
        lambda s: auto.do_delete_rule(
            s, user=caller.user, rule=auto.access_rule(s, caller.user, rule_id), at=services.clock()
        )
    )


@router.get("/automation/rules/{rule_id}/runs")
def rule_runs(rule_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        auto.access_rule(s, caller.user, rule_id)
        return {
            "items": [
                {
                    "id": r.id,
                    "outcome": r.outcome,
                    "did": r.did,
                    "error": r.error,
                    "conversation_id": r.conversation_id,
                    "at": r.at.isoformat(),
                }
                for r in auto.rule_runs(s, rule_id)
            ]
        }


@router.post("/automation/rules/dry-run")
def dry_run(body: DryRunIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Test a rule against a past conversation before saving it: nothing is written."""
    engine = RuleEngine(db=services.db, clock=services.clock, faq=FaqResponder())
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, body.conversation_id)
        return engine.dry_run(s, body.definition, conv)


@router.get("/contacts/{contact_id}/consents")
def consents(contact_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        contact = s.get(Contact, contact_id)
        if contact is None or contact.workspace_id != caller.user.workspace_id:
            raise NotFound("contact not found")
        rows = consent_actions.consents_of(s, contact_id)
        return {
            "opted_out": consent_actions.is_opted_out(s, contact_id),
            "items": [
                {
                    "purpose": c.purpose,
                    "granted": c.granted,
                    "source": c.source,
                    "wording": c.wording,
                    "updated_at": c.updated_at.isoformat(),
                }
                for c in rows
            ],
        }


@router.post("/campaigns", status_code=201)
def create_campaign(body: CampaignIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    c = services.db.write(
        lambda s: camp.do_create_campaign(
            s, user=caller.user, at=services.clock(), **body.model_dump()
        )
    )
    return {"id": c.id, "status": c.status}


@router.post("/campaigns/{campaign_id}/send")
def send_campaign(campaign_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return services.db.write(
        lambda s: camp.do_send_campaign(
            s,
            campaign=camp.access_campaign(s, caller.user, campaign_id),
            user=caller.user,
            at=services.clock(),
        ).as_json()
    )


@router.get("/campaigns/{campaign_id}/report")
def campaign_report(campaign_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return camp.campaign_report(s, camp.access_campaign(s, caller.user, campaign_id)).as_json()


@router.get("/faq")
def list_faq(services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    with services.db.session() as s:
        return {
            "items": [_faq_json(e) for e in faq_actions.faq_entries(s, caller.user.workspace_id)]
        }


@router.post("/faq", status_code=201)
def create_faq(body: FaqIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return services.db.write(
        lambda s: _faq_json(
            faq_actions.do_create_faq_entry(
                s,
                user=caller.user,
                question=body.question,
                answer=body.answer,
                variants=body.variants,
                at=services.clock(),
            )
        )
    )


@router.put("/faq/{entry_id}")
def update_faq(
    entry_id: int, body: FaqIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return services.db.write(
        lambda s: _faq_json(
            faq_actions.do_update_faq_entry(
                s,
                user=caller.user,
                entry=faq_actions.access_faq_entry(s, caller.user, entry_id),
                question=body.question,
                answer=body.answer,
                variants=body.variants,
                enabled=body.enabled,
                at=services.clock(),
            )
        )
    )


@router.delete("/faq/{entry_id}", status_code=204)
def delete_faq(entry_id: int, services: ServicesDep, caller: CallerDep) -> None:
    services.db.write(
        lambda s: faq_actions.do_delete_faq_entry(
            s,
            user=caller.user,
            entry=faq_actions.access_faq_entry(s, caller.user, entry_id),
            at=services.clock(),
        )
    )


@router.post("/faq/import", status_code=201)
async def import_faq(request: Request, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    """Body: the CSV itself (text/csv), columns question, answer, variants (a|b|c)."""
    raw = await request.body()
    if len(raw) > 2_000_000:
        raise Invalid("the CSV is larger than 2 MB", field="file")
    text = raw.decode("utf-8-sig", errors="replace")
    count = await services.db.write_async(
        lambda s: faq_actions.do_import_faq_csv(s, user=caller.user, text=text, at=services.clock())
    )
    return {"imported": count}


@router.post("/conversations/{conv_id}/csat", status_code=201)
def request_csat(conv_id: int, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        survey = do_request_csat(s, conv=conv, at=services.clock())
        return {"survey_id": survey.id, "status": survey.status}

    return services.db.write(work)
