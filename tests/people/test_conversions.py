"""Tracked links and conversions: UTM redirect, forged ids record nothing, and a conversion
reported later for a click is credited to the DM, agent, channel, category and content."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from dmdesk.models import Event
from dmdesk.models.people import LinkClick, TrackedLink
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import dm

REFERRAL = {"source": "ad", "ref": "black-friday-reel", "post_id": "p-77"}


def _link(client: Any, services: Services, seeded: Seeded) -> tuple[int, str]:
    conv = dm(services, seeded, "c1", text="How much is the scarf?", referral=REFERRAL)
    h = seeded.agent()
    client.post(
        f"/api/v1/conversations/{conv}/assign", json={"assignee_id": seeded.agent_id}, headers=h
    )
    client.post(f"/api/v1/conversations/{conv}/category", json={"category": "sales"}, headers=h)
    made = client.post(
        f"/api/v1/conversations/{conv}/links",
        headers=h,
        json={
            "target_url": "https://shop.example/scarf?color=red",
            "utm": {"utm_campaign": "winter"},
        },
    )
    assert made.status_code == 201, made.text
    return conv, made.json()["path"]


def test_click_redirects_with_utm_and_conversion_is_attributed(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv, path = _link(client, services, seeded)
    resp = client.get(path, follow_redirects=False)
    assert resp.status_code == 302
    target = urlsplit(resp.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert target.netloc == "shop.example"
    assert query["color"] == "red"
    assert query["utm_source"] == "dmdesk"
    assert query["utm_medium"] == "dm"
    assert query["utm_campaign"] == "winter"
    assert query["utm_content"] == "black-friday-reel"
    reported = client.post(
        "/api/v1/conversions",
        headers=seeded.admin(),
        json={
            "type": "purchase",
            "value": "59.90",
            "currency": "eur",
            "click_id": query["dmd_click"],
            "external_ref": "shop-991",
        },
    )
    assert reported.status_code == 201, reported.text
    row = reported.json()
    assert row["conversation_id"] == conv
    assert row["agent_id"] == seeded.agent_id
    assert row["channel_id"] == seeded.channel_id
    assert row["category"] == "sales"
    assert row["content"] == REFERRAL
    assert row["source"] == "api"
    assert row["click_id"]
    again = client.post(
        "/api/v1/conversions",
        headers=seeded.admin(),
        json={
            "type": "purchase",
            "value": "59.90",
            "currency": "EUR",
            "click_id": query["dmd_click"],
            "external_ref": "shop-991",
        },
    )
    assert again.json()["id"] == row["id"]  # idempotent on the shop's reference
    with services.db.session() as s:
        event = s.scalars(select(Event).where(Event.type == "conversion.recorded")).one()
    assert event.conversation_id == conv
    assert {k: event.data[k] for k in ("value", "currency", "conversation_id")} == {
        "value": 59.9,
        "currency": "EUR",
        "conversation_id": conv,
    }


def test_forged_or_tampered_link_records_nothing(
    client: Any, services: Services, seeded: Seeded
) -> None:
    _conv, path = _link(client, services, seeded)
    token, sig = path.removeprefix("/l/").split(".")
    other = "y" if token.endswith("x") else "x"  # a token ending in "x" must still change
    forged = [
        f"/l/{token}.{'0' * len(sig)}",
        f"/l/{token[:-1]}{other}.{sig}",
        f"/l/{token}",
        "/l/nonsense",
        f"/l/{token}.{sig}x",
    ]
    for url in forged:
        assert client.get(url, follow_redirects=False).status_code == 404, url
    with services.db.session() as s:
        assert s.scalars(select(LinkClick)).all() == []
        assert s.scalars(select(TrackedLink.clicks)).one() == 0


def test_conversion_csv_and_by_hand(client: Any, services: Services, seeded: Seeded) -> None:
    conv, path = _link(client, services, seeded)
    click = parse_qs(urlsplit(client.get(path, follow_redirects=False).headers["location"]).query)[
        "dmd_click"
    ][0]
    csv_text = (
        "type,value,currency,occurred_at,click_id,conversation_id\n"
        f"booking,20,EUR,2026-11-20,{click},\n"
        "signup,0,EUR,2026-11-20,nope,\n"
        f"refund,5,EUR,2026-11-20,,{conv}\n"
    )
    headers = {**seeded.admin(), "Content-Type": "text/csv"}
    nothing = client.post("/api/v1/conversions/import", content=csv_text, headers=headers).json()
    assert nothing["committed"] is False
    assert nothing["imported"] == 0
    assert [(e["line"], e["column"]) for e in nothing["errors"]] == [(3, "click_id"), (4, "type")]
    rest = client.post(
        "/api/v1/conversions/import?import_valid=true", content=csv_text, headers=headers
    ).json()
    assert rest["imported"] == 1
    assert rest["committed"] is True
    by_hand = client.post(
        f"/api/v1/conversations/{conv}/conversions",
        headers=seeded.agent(),
        json={"type": "signup", "value": "0", "currency": "EUR"},
    )
    assert by_hand.status_code == 201
    assert by_hand.json()["source"] == "manual"
    with services.db.session() as s:
        kinds = list(
            s.scalars(
                select(Event.data["type"].as_string())
                .where(Event.type == "conversion.recorded")
                .order_by(Event.id)
            )
        )
    assert kinds == ["booking", "signup"]


def test_lifecycle_and_qualification_are_events(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "q1")
    person = client.get(f"/api/v1/conversations/{conv}", headers=seeded.agent()).json()
    pid = client.get(
        f"/api/v1/contacts/{person['contact']['id']}/person", headers=seeded.agent()
    ).json()["person"]["id"]
    h = seeded.agent()
    assert (
        client.post(f"/api/v1/people/{pid}/stage", json={"stage": "lead"}, headers=h).json()[
            "stage"
        ]
        == "lead"
    )
    bad = client.post(
        f"/api/v1/people/{pid}/qualify",
        headers=h,
        json={"qualified": True, "fields": {"budget": "lots"}},
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "budget"
    ok = client.post(
        f"/api/v1/people/{pid}/qualify",
        headers=h,
        json={
            "qualified": True,
            "conversation_id": conv,
            "fields": {"need": "team scarves", "budget": "1,200", "timeline": "this_month"},
        },
    )
    assert ok.json()["stage"] == "qualified"
    assert ok.json()["qualification"] == {
        "need": "team scarves",
        "budget": 1200,
        "timeline": "this_month",
        "outcome": True,
    }
    with services.db.session() as s:
        rows = s.execute(
            select(Event.type, Event.conversation_id)
            .where(Event.type.in_(("lead.qualified", "contact.stage_changed")))
            .order_by(Event.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("contact.stage_changed", None),
        ("contact.stage_changed", conv),
        ("lead.qualified", conv),
    ]


def test_qualified_leads_and_conversions_are_reported(
    client: Any, services: Services, seeded: Seeded
) -> None:
    """ "Qualified" and the conversions credited to DMs reach the metrics report."""
    conv, _path = _link(client, services, seeded)
    dm(services, seeded, "c2", sender="u2", text="just browsing")  # neither qualified nor sold
    h = seeded.agent()
    pid = client.get(f"/api/v1/conversations/{conv}", headers=h).json()["contact"]["id"]
    person = client.get(f"/api/v1/contacts/{pid}/person", headers=h).json()["person"]["id"]
    client.post(
        f"/api/v1/people/{person}/qualify",
        headers=h,
        json={"qualified": True, "conversation_id": conv, "fields": {"need": "scarves"}},
    )
    client.post(
        f"/api/v1/conversations/{conv}/conversions",
        headers=h,
        json={"type": "purchase", "value": "40", "currency": "EUR"},
    )
    day = services.clock().date().isoformat()
    report = client.get(
        "/api/v1/reports/summary", params={"from": day, "to": day}, headers=seeded.admin()
    )
    assert report.status_code == 200, report.text
    metrics = report.json()["metrics"]
    assert metrics["lead_qualification_rate"]["qualified"] == 1
    assert metrics["lead_qualification_rate"]["n"] == 2
    assert metrics["conversion_rate"]["converted"] == 1
    assert metrics["conversion_rate"]["value"] == 40.0
