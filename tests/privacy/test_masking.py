"""Personal data: masked for agents without the permission, revealed and exported only with
it, and every view, reveal and export leaves an audit row."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from dmdesk.domain.pii_mask import can_view_pii, mask_for, mask_text
from dmdesk.domain.triage import PiiFinding
from dmdesk.models import Message
from dmdesk.models.people import PrivacyAudit
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import dm

TEXT = "mail me at ana.b@example.org or call +44 20 7946 0958, card 4111 1111 1111 1111"


class Who:
    def __init__(self, role: str) -> None:
        self.role = role


def test_mask_for_is_pure_and_role_aware() -> None:
    findings = [PiiFinding("email", 11, 28, "a***@example.org")]
    agent, admin = Who("agent"), Who("admin")
    masked = mask_for(agent, TEXT, findings)
    assert masked == "mail me at [email] or call [phone], card [card]"
    assert mask_for(agent, TEXT, findings, granted=True) == TEXT
    assert mask_for(admin, TEXT, None) == TEXT
    assert can_view_pii(Who("supervisor"))
    assert mask_text("IBAN DE44500105175407324931 thanks") == "IBAN [iban] thanks"
    assert mask_for(agent, None, None) is None
    dict_finding = [{"kind": "email", "start": 11, "end": 28}]
    assert "[email]" in (mask_for(agent, TEXT, dict_finding) or "")


def _audit(services: Services) -> list[tuple[str, int | None]]:
    with services.db.session() as s:
        rows = s.execute(
            select(PrivacyAudit.action, PrivacyAudit.user_id).order_by(PrivacyAudit.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_agent_sees_masked_card_and_cannot_reveal_until_granted(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "k1", text=TEXT)
    thread = client.get(f"/api/v1/conversations/{conv}", headers=seeded.agent()).json()
    contact_id = thread["contact"]["id"]
    pid = client.get(f"/api/v1/contacts/{contact_id}/person", headers=seeded.admin()).json()[
        "person"
    ]["id"]
    client.patch(
        f"/api/v1/people/{pid}", json={"email": "ana.b@example.org"}, headers=seeded.admin()
    )
    card = client.get(f"/api/v1/people/{pid}", headers=seeded.agent()).json()
    assert card["person"]["email"] == "[email]"
    with services.db.session() as s:
        msg_id = s.scalars(select(Message.id)).one()
    assert (
        client.get(f"/api/v1/messages/{msg_id}/reveal", headers=seeded.agent()).status_code == 403
    )
    assert (
        client.put(
            f"/api/v1/users/{seeded.agent_id}/pii-grant",
            json={"granted": True},
            headers=seeded.agent(),
        ).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/v1/users/{seeded.agent_id}/pii-grant",
            json={"granted": True},
            headers=seeded.admin(),
        ).status_code
        == 200
    )
    revealed = client.get(f"/api/v1/messages/{msg_id}/reveal", headers=seeded.agent()).json()
    assert revealed["text"] == TEXT
    card = client.get(f"/api/v1/people/{pid}", headers=seeded.agent()).json()
    assert card["person"]["email"] == "ana.b@example.org"
    assert _audit(services) == [
        ("contact.view", seeded.admin_id),
        ("pii.reveal", seeded.agent_id),
        ("contact.view", seeded.agent_id),
    ]


def test_exports_are_masked_unless_included_and_audited(
    client: Any, services: Services, seeded: Seeded
) -> None:
    dm(services, seeded, "e1", text=TEXT)
    h = seeded.admin()
    masked = client.get("/api/v1/exports/conversations?format=json", headers=h).json()
    assert "example.org" not in json.dumps(masked)
    assert "[email]" in json.dumps(masked)
    full = client.get("/api/v1/exports/conversations?include_pii=true", headers=h).json()
    assert "ana.b@example.org" in full[0]["last_message_preview"]
    csv_text = client.get("/api/v1/exports/contacts?format=csv", headers=h).text
    assert csv_text.splitlines()[0].startswith("contact_id,person_id,platform")
    assert client.get("/api/v1/exports/contacts", headers=seeded.agent()).status_code == 403
    person = client.get("/api/v1/people?q=maria", headers=h).json()[0]
    dossier = client.get(f"/api/v1/people/{person['id']}/export", headers=h).json()
    assert dossier["messages"][0]["text"] == TEXT
    assert dossier["format"].startswith("dmdesk")
    audit = client.get("/api/v1/privacy/audit", headers=h).json()
    assert [a["action"] for a in reversed(audit)] == [
        "export.conversations",
        "export.conversations",
        "export.contacts",
        "contact.export",
    ]
    assert audit[-1]["detail"] == {"format": "json", "include_pii": False, "rows": 1}


def test_the_person_card_masks_free_text_and_phone_like_ids_for_agents(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "k1", sender="447700900123", name="Kim", text="hi")
    contact = client.get(f"/api/v1/conversations/{conv}", headers=seeded.admin()).json()
    pid = client.get(
        f"/api/v1/contacts/{contact['contact']['id']}/person", headers=seeded.admin()
    ).json()["person"]["id"]
    h = seeded.admin()
    attr = {"key": "backup", "label": "Backup contact", "type": "text"}
    assert client.post("/api/v1/attributes", json=attr, headers=h).status_code == 201
    client.put(
        f"/api/v1/people/{pid}/attributes",
        json={"values": {"backup": "kim.alt@example.org"}},
        headers=h,
    )
    client.post(
        f"/api/v1/people/{pid}/notes", json={"text": "call 0161 496 0018 after 5"}, headers=h
    )
    full = json.dumps(client.get(f"/api/v1/people/{pid}", headers=h).json())
    for secret in ("447700900123", "kim.alt@example.org", "0161 496 0018"):
        assert secret in full  # an admin sees it all
    masked = client.get(f"/api/v1/people/{pid}", headers=seeded.agent()).json()
    text = json.dumps(masked)
    for secret in ("447700900123", "kim.alt@example.org", "0161 496 0018"):
        assert secret not in text
    assert masked["contacts"][0]["external_id"] == "[phone]"
    assert masked["person"]["attributes"]["backup"] == "[email]"
    assert masked["notes"][0]["text"] == "call [phone] after 5"
    assert masked["contacts"][0]["name"] == "Kim"


def test_people_search_masks_and_cannot_probe_personal_data_for_agents(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "ps1", sender="ps-1", name="Noor Haddad", text="hi")
    contact_id = client.get(f"/api/v1/conversations/{conv}", headers=seeded.admin()).json()[
        "contact"
    ]["id"]
    pid = client.get(f"/api/v1/contacts/{contact_id}/person", headers=seeded.admin()).json()[
        "person"
    ]["id"]
    client.patch(
        f"/api/v1/people/{pid}",
        json={"email": "noor.h@example.org", "phone": "+44 20 7946 0777"},
        headers=seeded.admin(),
    )
    admin = client.get("/api/v1/people?q=noor.h@", headers=seeded.admin()).json()
    assert [(p["id"], p["email"]) for p in admin] == [(pid, "noor.h@example.org")]
    assert [p["id"] for p in client.get("/api/v1/people?q=4420", headers=seeded.admin()).json()]
    agent = client.get("/api/v1/people?q=haddad", headers=seeded.agent()).json()
    assert [(p["id"], p["email"], p["phone_e164"]) for p in agent] == [(pid, "[email]", "[phone]")]
    assert client.get("/api/v1/people?q=noor.h@", headers=seeded.agent()).json() == []
    assert client.get("/api/v1/people?q=4420", headers=seeded.agent()).json() == []
