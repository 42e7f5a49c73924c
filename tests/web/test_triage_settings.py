"""The keyword rules page: admins add, edit, reorder and delete rules; errors appear next to
the field; agents read and try; the "try it" box shows the verdict with its reasons."""

from __future__ import annotations

from typing import Any

from dmdesk.actions.triage import triage_rules
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import Agent, ingest, login

PAGE = "/settings/triage"
PHISH = "URGENT: your PayPal account is locked, verify now at http://paypa1-secure.xyz/login"


def rules_of(services: Services, seeded: Seeded) -> list[dict[str, Any]]:
    with services.db.session() as s:
        return triage_rules(s, seeded.workspace_id)


def add(admin: Agent, name: str, keywords: str, **extra: str) -> Any:
    data = {"name": name, "keywords": keywords, "category": "sales", **extra}
    return admin.post(f"{PAGE}/rules", data, follow_redirects=False)


def test_admin_adds_edits_reorders_and_deletes(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    page = client.get(PAGE).text
    assert '<a href="/settings/triage" class="rail-link" title="Triage rules"' in page
    assert "How triage decides" in page
    assert "No keyword rules yet" in page
    assert add(admin, "summer", "SUNNY24, summer sale").status_code == 303
    assert add(admin, "vip", "gold member", category="", priority="urgent").status_code == 303
    assert [r["name"] for r in rules_of(services, seeded)] == ["summer", "vip"]
    moved = admin.post(f"{PAGE}/rules/move", {"name": "vip", "direction": "up"})
    assert moved.status_code == 200
    assert [r["name"] for r in rules_of(services, seeded)] == ["vip", "summer"]
    edited = admin.post(
        f"{PAGE}/rules/edit",
        {
            "original": "summer",
            "name": "summer24",
            "keywords": "SUNNY24\nbeach bag",
            "category": "sales",
            "priority": "high",
            "override_spam": "1",
        },
    )
    assert edited.status_code == 200
    assert rules_of(services, seeded)[1] == {
        "name": "summer24",
        "keywords": ["SUNNY24", "beach bag"],
        "category": "sales",
        "priority": "high",
        "override_spam": True,
    }
    page = client.get(PAGE).text
    assert page.index('<th scope="row">vip</th>') < page.index('<th scope="row">summer24</th>')
    admin.post(f"{PAGE}/rules/delete", {"name": "vip"})
    assert [r["name"] for r in rules_of(services, seeded)] == ["summer24"]


def test_errors_are_shown_next_to_the_field_with_the_typed_values(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    bad = add(admin, "refunds", "refund please", category="refund")
    assert bad.status_code == 400
    assert 'id="add-category" name="category" aria-invalid="true"' in bad.text
    assert 'aria-describedby="add-category-err"' in bad.text
    assert '<p id="add-category-err" class="field-error">choose one of:' in bad.text
    assert 'value="refunds"' in bad.text, "what the admin typed is kept"
    empty = add(admin, "nothing", " , ")
    assert 'id="add-keywords-err"' in empty.text
    add(admin, "summer", "SUNNY24")
    neither = admin.post(
        f"{PAGE}/rules/edit",
        {"original": "summer", "name": "summer", "keywords": "x", "category": "", "priority": ""},
    )
    assert neither.status_code == 400
    assert 'id="edit-1-category-err"' in neither.text
    assert '<details class="rule-edit" open>' in neither.text
    assert [r["keywords"] for r in rules_of(services, seeded)] == [["SUNNY24"]]


def test_agents_read_and_try_but_cannot_write(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    page = agent.client.get(PAGE).text
    assert "Only admins change keyword rules" in page
    assert 'action="/settings/triage/rules"' not in page
    refused = add(agent, "summer", "SUNNY24")
    assert refused.status_code == 403
    assert "admin role" in refused.text
    assert rules_of(services, seeded) == []
    no_token = agent.client.post(f"{PAGE}/try", data={"sample": "hi"})
    assert no_token.status_code == 403


def test_try_shows_the_verdict_with_rules_and_spam_precedence(client: Any, seeded: Seeded) -> None:
    admin = login(client, "admin@acme.test")
    add(admin, "summer", "SUNNY24")
    tried = admin.post(f"{PAGE}/try", {"sample": "Is SUNNY24 valid on the red dress?"})
    assert tried.status_code == 200
    result = tried.text.split('id="try-result"')[1]
    assert "<strong>Sales</strong>" in result
    assert "rule &#39;summer&#39;: SUNNY24" in result
    add(admin, "verify", "verify")
    phish = admin.post(f"{PAGE}/try", {"sample": PHISH}).text.split('id="try-result"')[1]
    assert "<strong>Spam</strong>" in phish
    assert "lookalike domain paypa1-secure.xyz (paypal)" in phish
    assert "rule <q>verify</q> matched" in phish, "the rule matched but spam outranks it"


def test_corrections_are_counted_per_label(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    assert "0 conversations corrected by agents." in agent.client.get(PAGE).text
    first = ingest(services, seeded.channel_id, "c1", text="Win a free cruise!", sender="a")
    second = ingest(services, seeded.channel_id, "c2", text="Do you sell gift cards?", sender="b")
    agent.post(f"/conversations/{first}/triage/spam", {"spam": "1"})
    agent.post(f"/conversations/{second}/triage/category", {"category": "sales"})
    page = agent.client.get(PAGE).text
    assert "2 conversations corrected by agents: sales 1, spam 1." in page
