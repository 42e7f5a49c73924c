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
