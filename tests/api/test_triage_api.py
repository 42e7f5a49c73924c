"""Triage over the REST API: keyword rules (admin-only writes, validation, precedence), the
try-it classifier, a conversation's verdict, spam / not-spam marks and the corrections."""

from __future__ import annotations

import time
from typing import Any

from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, post_generic

CAMPAIGN = {"name": "summer", "keywords": ["SUNNY24", "summer sale"], "category": "sales"}
PHISH = "URGENT: your PayPal account is locked, verify now at http://paypa1-secure.xyz/login"


def _ingest(client: Any, services: Services, seeded: Seeded, msg_id: str, text: str) -> int:
    body = generic_body(msg_id, sender=f"u-{msg_id}", text=text)
    post_generic(client, seeded, body)
    services.pipeline.run_once()
    items = client.get("/api/v1/conversations?view=all", headers=seeded.agent()).json()["items"]
    return int(max(i["id"] for i in items))


def _wait_for_bus(services: Services, before: int) -> None:
    deadline = time.monotonic() + 10
    while services.bus.published <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert services.bus.published > before, "the rules change was published"


def test_rules_admin_only_validated_and_ordered(client: Any, seeded: Seeded) -> None:
    assert client.get("/api/v1/triage/rules", headers=seeded.agent()).json()["rules"] == []
    refused = client.put("/api/v1/triage/rules", json={"rules": [CAMPAIGN]}, headers=seeded.agent())
    assert refused.status_code == 403
    bad = client.put(
        "/api/v1/triage/rules",
        json={"rules": [{**CAMPAIGN, "category": "refund"}]},
        headers=seeded.admin(),
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "category"
    twice = client.put(
        "/api/v1/triage/rules", json={"rules": [CAMPAIGN, CAMPAIGN]}, headers=seeded.admin()
    )
    assert twice.status_code == 400
    assert twice.json()["field"] == "name"
    second = {"name": "vip", "keywords": "vip, gold member", "priority": "urgent"}
    ok = client.put(
        "/api/v1/triage/rules", json={"rules": [second, CAMPAIGN]}, headers=seeded.admin()
    )
    assert ok.status_code == 200, ok.text
    got = client.get("/api/v1/triage/rules", headers=seeded.agent()).json()
    assert [r["name"] for r in got["rules"]] == ["vip", "summer"]
    assert got["rules"][0]["keywords"] == ["vip", "gold member"]
    assert "spam" in got["precedence"]
    assert "rule" in got["precedence"]


def test_try_uses_saved_or_draft_rules_and_spam_beats_a_rule(client: Any, seeded: Seeded) -> None:
    sample = {"text": "Is the SUNNY24 code valid for the red dress?"}
    before = client.post("/api/v1/triage/try", json=sample, headers=seeded.agent()).json()
    assert not any("rule" in r for r in before["category_reasons"])
    client.put("/api/v1/triage/rules", json={"rules": [CAMPAIGN]}, headers=seeded.admin())
    after = client.post("/api/v1/triage/try", json=sample, headers=seeded.agent()).json()
    assert after["category"] == "sales"
    assert after["category_reasons"] == ["rule 'summer': SUNNY24"]
    assert after["rule_hits"][0]["rule"] == "summer"
    draft = {"name": "phish", "keywords": ["verify"], "category": "support"}
    spam = client.post(
        "/api/v1/triage/try", json={"text": PHISH, "rules": [draft]}, headers=seeded.agent()
    ).json()
    assert spam["category"] == "spam", "spam outranks a keyword rule"
    assert spam["rule_hits"][0]["rule"] == "phish"
    overriding = {**draft, "override_spam": True}
    forced = client.post(
        "/api/v1/triage/try", json={"text": PHISH, "rules": [overriding]}, headers=seeded.agent()
    ).json()
    assert forced["category"] == "support"
    invalid = client.post(
        "/api/v1/triage/try",
        json={"text": "x", "rules": [{"name": "", "keywords": ["a"], "category": "sales"}]},
        headers=seeded.agent(),
    )
    assert invalid.status_code == 400
    assert invalid.json()["field"] == "name"


def test_saved_rules_reach_the_ingestion_pipeline(
    client: Any, services: Services, seeded: Seeded
) -> None:
    first = _ingest(client, services, seeded, "p1", "Is the SUNNY24 code valid on shoes?")
    view = client.get(f"/api/v1/conversations/{first}/triage", headers=seeded.agent()).json()
    assert view["verdict"]["rule_hits"] == []
    before = services.bus.published
    client.put("/api/v1/triage/rules", json={"rules": [CAMPAIGN]}, headers=seeded.admin())
    _wait_for_bus(services, before)
    second = _ingest(client, services, seeded, "p2", "Is the SUNNY24 code valid on shoes?")
    view = client.get(f"/api/v1/conversations/{second}/triage", headers=seeded.agent()).json()
    assert view["category"] == "sales"
    assert view["verdict"]["category_reasons"] == ["rule 'summer': SUNNY24"]


def test_spam_and_not_spam_move_the_conversation(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _ingest(client, services, seeded, "s1", "Hi, do you ship the blue backpack to Spain?")
    h = seeded.agent()

    def ids(view: str) -> set[int]:
        items = client.get(f"/api/v1/conversations?view={view}", headers=h).json()["items"]
        return {i["id"] for i in items}

    assert conv in ids("open")
    marked = client.post(f"/api/v1/conversations/{conv}/spam", json={"spam": True}, headers=h)
    assert marked.json()["category"] == "spam"
    assert conv in ids("spam")
    assert conv not in ids("open")
    wrong = client.post(
        f"/api/v1/conversations/{conv}/spam", json={"spam": False, "category": "spam"}, headers=h
    )
    assert wrong.status_code == 400
    back = client.post(
        f"/api/v1/conversations/{conv}/spam", json={"spam": False, "category": "sales"}, headers=h
    ).json()
    assert back["category"] == "sales"
    assert conv in ids("open")
    assert conv not in ids("spam")
    view = client.get(f"/api/v1/conversations/{conv}/triage", headers=h).json()
    assert view["decided_by_people"] == ["category"]
    assert client.get("/api/v1/conversations/999999/triage", headers=h).status_code == 404


def test_corrections_need_a_supervisor_and_carry_the_last_label(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = _ingest(client, services, seeded, "c1", "Do you sell gift cards?")
    h = seeded.agent()
    client.post(f"/api/v1/conversations/{conv}/spam", json={"spam": True}, headers=h)
    client.post(f"/api/v1/conversations/{conv}/category", json={"category": "sales"}, headers=h)
    assert client.get("/api/v1/triage/corrections", headers=h).status_code == 403
    out = client.get("/api/v1/triage/corrections", headers=seeded.admin()).json()
    assert out["n"] == 1
    item = out["items"][0]
    assert (item["text"], item["label"], item["previous"]) == (
        "Do you sell gift cards?",
        "sales",
        "spam",
    )
    assert item["kind"] == "conversation.category_corrected"
