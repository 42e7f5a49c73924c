"""The contact panel fragment: the person next to a conversation, masked for agents."""

from __future__ import annotations

from typing import Any

from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import contact_of, dm


def _login(client: Any, email: str) -> None:
    resp = client.post(
        "/login", data={"email": email, "password": "password1"}, follow_redirects=False
    )
    assert resp.status_code == 303


def test_panel_shows_the_person_and_masks_for_agents(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(
        services,
        seeded,
        "p1",
        text="my order #Z-1",
        referral={"source": "ad", "title": "Winter reel"},
    )
    pid = contact_of(services, conv).person_id
    client.patch(
        f"/api/v1/people/{pid}", json={"email": "maria@example.org"}, headers=seeded.admin()
    )
    _login(client, "agent@acme.test")
    html = client.get(f"/fragments/contact/{conv}").text
    assert "Maria Lopez" in html
    assert "Winter reel" in html
    assert "maria@example.org" not in html
    assert "[email]" in html
    assert client.get("/fragments/contact/99999").status_code == 404


def test_panel_shows_identities_stage_orders_attributes_and_past_conversations(
    client: Any, services: Services, seeded: Seeded
) -> None:
    first = dm(services, seeded, "h1", sender="ig-7", name="Ana Ruiz", text="hello")
    second = dm(services, seeded, "h2", sender="wa-7", name="Ana R.", text="me again")
    target = contact_of(services, first).person_id
    source = contact_of(services, second).person_id
    admin = seeded.admin()
    merged = client.post(
        f"/api/v1/people/{target}/merge", json={"source_id": source}, headers=admin
    )
    assert merged.status_code < 300, merged.text
    attr = {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"]}
    assert client.post("/api/v1/attributes", json=attr, headers=admin).status_code == 201
    client.put(
        f"/api/v1/people/{target}/attributes", json={"values": {"tier": "gold"}}, headers=admin
    )
    client.post(f"/api/v1/people/{target}/stage", json={"stage": "lead"}, headers=admin)
    order = {
        "order_id": "PNL-77",
        "status": "shipped",
        "value": "19.50",
        "currency": "EUR",
        "ordered_at": "2026-11-01",
        "person_id": target,
    }
    assert client.post("/api/v1/orders", json=[order], headers=admin).status_code < 300
    _login(client, "agent@acme.test")
    html = client.get(f"/fragments/contact/{first}").text
    assert "Ana Ruiz" in html
    assert "Ana R." in html  # the merged identity
    assert "stage-lead" in html
    assert "gold" in html
    assert "PNL-77" in html
    assert "shipped" in html
    assert f"#{second}" in html  # the other identity's conversation
    page = client.get(f"/conversations/{first}").text
    assert 'id="contact-panel"' in page


def test_panel_suggests_a_merge_and_hides_phone_ids_from_agents(
    client: Any, services: Services, seeded: Seeded
) -> None:
    ig = dm(services, seeded, "s1", sender="ig-55", name="Lu")
    wa = dm(services, seeded, "s2", sender="447700900555", name="Lu W")
    for conv in (ig, wa):
        pid = contact_of(services, conv).person_id
        client.patch(
            f"/api/v1/people/{pid}", json={"email": "lu@example.org"}, headers=seeded.admin()
        )
    _login(client, "agent@acme.test")
    html = client.get(f"/fragments/contact/{ig}").text
    other = contact_of(services, wa).person_id
    assert f"Person #{other}" in html
    assert "same email" in html
    page = client.get(f"/conversations/{wa}").text
    assert "447700900555" not in page
    assert "ID on the channel" not in page
