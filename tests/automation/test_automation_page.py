"""The /settings/automation page: admins create, test (dry run), edit, reorder, disable and
delete rules and flows; errors come back next to the field; agents only read; CSRF holds."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from dmdesk.models.replies import AutomationRule, KeywordFlow
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.replies.test_replies_api import conversation
from tests.web.conftest import login

PAGE = "/settings/automation"
RULE = {
    "trigger": {"event": "message_created"},
    "conditions": [{"field": "message.text", "op": "contains", "value": "refund"}],
    "actions": [{"action": "tag", "tag": "refund"}],
}


def _rules(services: Services) -> list[AutomationRule]:
    with services.db.session() as s:
        return list(s.scalars(select(AutomationRule).order_by(AutomationRule.position)))


def _form(name: str, definition: Any, **extra: str) -> dict[str, str]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return {"name": name, "definition": text, **extra}


def test_dry_run_then_save_edit_reorder_disable_delete(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = conversation(client, services, seeded, text="I want a refund")
    admin = login(client, "admin@acme.test")
    tested = admin.post(
        f"{PAGE}/rules", _form("Refunds", RULE, conversation_id=str(conv), intent="test")
    )
    assert tested.status_code == 200
    assert "the rule matches" in tested.text
    assert "Would do: tag" in tested.text
    assert _rules(services) == []  # a dry run saves nothing
    saved = admin.post(f"{PAGE}/rules", _form("Refunds", RULE), follow_redirects=False)
    assert saved.status_code == 303
    admin.post(f"{PAGE}/rules", _form("Second", RULE))
    first, second = _rules(services)
    admin.post(f"{PAGE}/rules/{second.id}/up", {})
    assert [r.name for r in _rules(services)] == ["Second", "Refunds"]
    edited = {**RULE, "actions": [{"action": "set_priority", "priority": "high"}]}
    admin.post(f"{PAGE}/rules", _form("Refunds!", edited, target=f"rule-{first.id}"))
    admin.post(f"{PAGE}/rules/{second.id}/disable", {})
    after = {r.id: r for r in _rules(services)}
    assert after[first.id].name == "Refunds!"
    assert after[first.id].definition["actions"] == [{"action": "set_priority", "priority": "high"}]
    assert after[second.id].enabled is False
    admin.post(f"{PAGE}/rules/{second.id}/delete", {})
    assert [r.id for r in _rules(services)] == [first.id]
    page = client.get(f"{PAGE}?runs={first.id}")
    assert f'action="{PAGE}/rules/{first.id}/disable"' in page.text
    assert 'name="csrf_token" value=""' not in page.text  # every form carries the token
    assert "Run log" in page.text
    assert "Refunds!" in page.text


def test_errors_come_back_next_to_the_field(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    broken = admin.post(f"{PAGE}/rules", _form("Bad", "{not json"))
    assert broken.status_code == 400
    assert 'id="re-definition-err"' in broken.text
    assert 'aria-invalid="true"' in broken.text
    assert "{not json" in broken.text  # what was typed is kept
    unknown = admin.post(f"{PAGE}/rules", _form("Bad", {**RULE, "trigger": {"event": "nope"}}))
    assert unknown.status_code == 400
    assert "trigger.event" in unknown.text
    missing = admin.post(f"{PAGE}/rules", _form("T", RULE, conversation_id="99999", intent="test"))
    assert 'id="re-conversation_id-err"' in missing.text
    flow = admin.post(
        f"{PAGE}/flows",
        {
            "keyword": "guide",
            "purpose": "tips",
            "steps": '[{"id": "a", "text": "x", "on_text": "b"}]',
        },
    )
    assert flow.status_code == 400
    assert "unknown step" in flow.text
    assert _rules(services) == []


def test_flows_are_created_edited_and_toggled(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    steps = [
        {"id": "start", "text": "Which one?", "options": [{"title": "A", "next": "a"}]},
        {"id": "a", "text": "Here is A", "consent": True},
    ]
    made = admin.post(
        f"{PAGE}/flows",
        {"keyword": "Guide", "purpose": "tips", "steps": json.dumps(steps)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    with services.db.session() as s:
        flow = s.scalars(select(KeywordFlow)).one()
    assert (flow.keyword, flow.reply_text, len(flow.steps)) == ("guide", "Which one?", 2)
    admin.post(f"{PAGE}/flows/{flow.id}/disable", {})
    editor = client.get(f"{PAGE}?edit=flow-{flow.id}")
    assert "Here is A" in editor.text
    page = client.get(PAGE).text
    assert re.search(r"<code>GUIDE</code>.*?start → a.*?Off", page, re.S)


def test_agents_read_only_and_csrf_is_required(
    client: Any, services: Services, seeded: Seeded
) -> None:
    agent = login(client, "agent@acme.test")
    assert client.get(PAGE).status_code == 200
    refused = agent.post(f"{PAGE}/rules", _form("Sneaky", RULE))
    assert refused.status_code == 403
    assert _rules(services) == []
    no_token = client.post(f"{PAGE}/rules", data=_form("Sneaky", RULE), follow_redirects=False)
    assert no_token.status_code in (400, 403)
    assert _rules(services) == []
