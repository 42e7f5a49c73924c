"""Multi-step keyword flows: quick replies out, the person's tap (or number, or typed title)
back in, branching, consent at the consent step, per-step follow-ups, and an opt-out that
stops the flow at once so the contact is never messaged again."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from dmdesk.actions.conversations import conversation_tags
from dmdesk.actions.keyword_flows import do_create_keyword_flow
from dmdesk.models import Event
from dmdesk.models.replies import Consent, FlowSession
from dmdesk.rules.flow_steps import FlowSteps, choose, parse_payload, payload_for, single_step
from dmdesk.rules.jobs import run_due_followups
from dmdesk.services import Services
from tests.automation.kit import clock, inbound, outbound_rows, outbound_texts, user
from tests.conftest import Seeded

STEPS: list[dict[str, Any]] = [
    {
        "id": "start",
        "text": "Which guide would you like?",
        "options": [
            {"title": "Skincare", "next": "skin"},
            {"title": "Haircare", "next": "hair"},
        ],
    },
    {
        "id": "skin",
        "text": "Here is the skincare guide. Weekly tips by DM?",
        "tag": "lead-skin",
        "options": [
            {"title": "Yes please", "consent": True, "next": "thanks"},
            {"title": "No thanks"},
        ],
        "follow_up_hours": 24,
        "follow_up_text": "Did the skincare guide help?",
    },
    {"id": "hair", "text": "Here is the haircare guide.", "tag": "lead-hair"},
    {"id": "thanks", "text": "Great, tips every Monday. Reply STOP any time."},
]


def _flow(svc: Services, ws: Seeded) -> int:
    admin = user(svc, ws.admin_id)
    steps = FlowSteps.model_validate({"steps": STEPS}).model_dump(mode="json", exclude_none=True)
    flow = svc.db.write(
        lambda s: do_create_keyword_flow(
            s,
            user=admin,
            keyword="GUIDE",
            purpose="tips",
            reply_text="",
            at=svc.clock(),
            steps=steps["steps"],
        )
    )
    return int(flow.id)


def _consents(svc: Services) -> list[Consent]:
    with svc.db.session() as s:
        return list(s.scalars(select(Consent).order_by(Consent.id)))


def _tags(svc: Services, conv_id: int) -> list[str]:
    with svc.db.session() as s:
        return list(conversation_tags(s, conv_id))


def test_branching_by_tap_and_by_number_records_consent_at_its_step(
    svc: Services, ws: Seeded
) -> None:
    flow_id = _flow(svc, ws)
    conv = inbound(svc, ws, "guide!")
    first = outbound_rows(svc, conv)[-1]
    assert first.text == "Which guide would you like?"
    assert first.meta["quick_replies"] == [
        {"title": "Skincare", "payload": f"FLOW_{flow_id}_start_0"},
        {"title": "Haircare", "payload": f"FLOW_{flow_id}_start_1"},
    ]
    assert _consents(svc) == []  # no consent step reached yet
    inbound(svc, ws, "Skincare", payload=f"FLOW_{flow_id}_start_0")
    assert outbound_texts(svc, conv)[-1].startswith("Here is the skincare guide")
    assert "lead-skin" in _tags(svc, conv)
    inbound(svc, ws, "1")  # the numbered-list answer (X, or a person typing)
    assert outbound_texts(svc, conv)[-1].startswith("Great, tips every Monday")
    (consent,) = _consents(svc)
    assert (consent.purpose, consent.granted, consent.source) == ("tips", True, "flow:guide:skin")
    assert consent.wording.endswith("-> Yes please")
    with svc.db.session() as s:
        assert s.scalars(select(FlowSession.status)).one() == "done"


def test_typed_title_branches_and_free_text_goes_to_a_person(svc: Services, ws: Seeded) -> None:
    _flow(svc, ws)
    conv = inbound(svc, ws, "GUIDE")
    inbound(svc, ws, "haircare")
    assert outbound_texts(svc, conv)[-1] == "Here is the haircare guide."
    sent = len(outbound_texts(svc, conv))
    inbound(svc, ws, "GUIDE")
    inbound(svc, ws, "actually I have a question about my order")
    assert len(outbound_texts(svc, conv)) == sent + 1  # only the restart, no bot answer
    with svc.db.session() as s:
        assert s.scalars(select(FlowSession.status).order_by(FlowSession.id)).all() == [
            "done",
            "done",
        ]


def test_opt_out_stops_the_flow_and_its_follow_up(svc: Services, ws: Seeded) -> None:
    flow_id = _flow(svc, ws)
    conv = inbound(svc, ws, "GUIDE")
    inbound(svc, ws, "Skincare", payload=f"FLOW_{flow_id}_start_0")
    inbound(svc, ws, "STOP")
    sent = len(outbound_texts(svc, conv))  # the opt-out confirmation is the last one
    inbound(svc, ws, "Yes please", payload=f"FLOW_{flow_id}_skin_0")
    inbound(svc, ws, "GUIDE")
    clock(svc).advance(hours=25)
    run_due_followups(svc)
    assert len(outbound_texts(svc, conv)) == sent
    assert all(c.granted is False for c in _consents(svc))
    with svc.db.session() as s:
        assert s.scalars(select(FlowSession.status)).one() == "stopped"
        types = list(
            s.scalars(select(Event.type).where(Event.type.like("flow.%")).order_by(Event.id))
        )
    assert "flow.stopped" in types
    assert types[-1] == "flow.skipped"


def test_step_follow_up_after_silence(svc: Services, ws: Seeded) -> None:
    flow_id = _flow(svc, ws)
    conv = inbound(svc, ws, "GUIDE")
    inbound(svc, ws, "Skincare", payload=f"FLOW_{flow_id}_start_0")
    clock(svc).advance(hours=23)
    run_due_followups(svc)
    assert outbound_texts(svc, conv)[-1] != "Did the skincare guide help?"
    clock(svc).advance(hours=2)
    report = run_due_followups(svc)
    # no consent for "tips" was given, so the nudge is not sent
    assert (report.follow_ups, outbound_texts(svc, conv)[-1]) == (
        0,
        "Here is the skincare guide. Weekly tips by DM?",
    )


def test_definitions_are_validated() -> None:
    with pytest.raises(ValidationError, match="unknown step"):
        FlowSteps.model_validate({"steps": [{"id": "a", "text": "x", "on_text": "nope"}]})
    with pytest.raises(ValidationError, match="at most 20"):
        FlowSteps.model_validate(
            {"steps": [{"id": "a", "text": "x", "options": [{"title": "x" * 21}]}]}
        )
    with pytest.raises(ValidationError, match="unique"):
        FlowSteps.model_validate({"steps": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]})
    with pytest.raises(ValidationError, match="both hours and text"):
        FlowSteps.model_validate({"steps": [{"id": "a", "text": "x", "follow_up_hours": 2}]})


def test_payloads_round_trip_and_only_match_their_step() -> None:
    steps = FlowSteps.model_validate({"steps": STEPS})
    skin = steps.get("skin")
    assert skin is not None
    assert parse_payload(payload_for(7, "skin", 1)) == (7, "skin", 1)
    assert len(payload_for(999999, "x" * 24, 9).encode()) <= 64  # Telegram callback_data
    assert choose(skin, flow_id=7, text=None, payload="FLOW_7_skin_1") == skin.options[1]
    assert choose(skin, flow_id=7, text=None, payload="FLOW_7_start_1") is None
    assert choose(skin, flow_id=7, text="3", payload=None) is None
    assert choose(skin, flow_id=7, text="YES PLEASE", payload=None) == skin.options[0]


def test_single_step_form_survives_old_unchecked_titles() -> None:
    steps = single_step(
        reply_text="Here you go",
        quick_replies=["More tips please, as many as you have", "More tips please, as many!", " "],
        tag=None,
        follow_up_hours=2,
        follow_up_text=None,
    )
    (step,) = steps.steps
    assert [o.title for o in step.options] == ["More tips please, as"]
    assert (step.consent, step.follow_up_hours) == (True, None)


def test_flows_over_the_api(client: Any, services: Services, seeded: Seeded) -> None:
    api = "/api/v1/automation/flows"
    bad = client.post(
        api,
        headers=seeded.admin(),
        json={
            "keyword": "guide",
            "purpose": "tips",
            "steps": [{"id": "a", "text": "x", "on_text": "zz"}],
        },
    )
    assert bad.status_code == 400
    assert "unknown step" in bad.text
    as_agent = client.post(
        api, headers=seeded.agent(), json={"keyword": "guide", "purpose": "tips", "steps": STEPS}
    )
    assert as_agent.status_code == 403
    made = client.post(
        api, headers=seeded.admin(), json={"keyword": "Guide", "purpose": "tips", "steps": STEPS}
    )
    assert made.status_code == 201
    flow = made.json()
    assert [s["id"] for s in flow["steps"]] == ["start", "skin", "hair", "thanks"]
    changed = client.put(
        f"{api}/{flow['id']}",
        headers=seeded.admin(),
        json={"keyword": "tips", "purpose": "tips", "steps": STEPS[2:], "enabled": False},
    )
    assert changed.status_code == 200
    assert (changed.json()["keyword"], changed.json()["enabled"]) == ("tips", False)
    assert changed.json()["reply_text"] == "Here is the haircare guide."  # the first step
    listed = client.get(api, headers=seeded.agent()).json()["items"]
    assert [f["steps"][0]["id"] for f in listed] == ["hair"]
    assert client.delete(f"{api}/{flow['id']}", headers=seeded.admin()).status_code == 204
    assert client.get(api, headers=seeded.admin()).json()["items"] == []
