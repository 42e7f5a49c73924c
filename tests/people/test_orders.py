"""Orders: CSV errors by line and column (import the rest, or nothing), the JSON API, and an
order number mentioned in a DM linked to that conversation and person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.models import Event
from dmdesk.models.people import Order
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import contact_of, dm

CSV = """order_id,status,value,currency,ordered_at,items
A-1001,paid,49.90,EUR,2026-11-01,scarf x 2; hat
A-1002,paid,abc,EUR,2026-11-02,
A-1003,shipped,10,EURO,yesterday,
A-1004,refunded,5,usd,2026-11-03T10:00:00+01:00,
"""


def _numbers(services: Services) -> list[str]:
    with services.db.session() as s:
        return list(s.scalars(select(Order.number).order_by(Order.number)))


def test_csv_errors_are_reported_by_line_and_column_and_nothing_is_imported(
    client: Any, services: Services, seeded: Seeded
) -> None:
    resp = client.post(
        "/api/v1/orders/import", content=CSV, headers={**seeded.admin(), "Content-Type": "text/csv"}
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["committed"] is False
    assert report["imported"] == 0
    assert [(e["line"], e["column"]) for e in report["errors"]] == [
        (3, "value"),
        (4, "currency"),
        (4, "ordered_at"),
    ]
    assert _numbers(services) == []


def test_csv_import_valid_rows_when_asked(client: Any, services: Services, seeded: Seeded) -> None:
    resp = client.post(
        "/api/v1/orders/import?import_valid=true",
        content=CSV,
        headers={**seeded.admin(), "Content-Type": "text/csv"},
    )
    report = resp.json()
    assert report["committed"] is True
    assert report["imported"] == 2
    assert len(report["errors"]) == 3
    assert _numbers(services) == ["A-1001", "A-1004"]
    with services.db.session() as s:
        first = s.scalars(select(Order).where(Order.number == "A-1001")).one()
        assert first.items == [{"name": "scarf", "quantity": 2}, {"name": "hat", "quantity": 1}]
        assert float(first.value) == 49.9
        late = s.scalars(select(Order).where(Order.number == "A-1004")).one()
        assert late.currency == "USD"
        assert late.ordered_at.hour == 9


def test_missing_column_and_json_api(client: Any, services: Services, seeded: Seeded) -> None:
    bad = client.post(
        "/api/v1/orders/import",
        content="order_id,status\nX,paid\n",
        headers={**seeded.admin(), "Content-Type": "text/csv"},
    ).json()
    assert {(e["line"], e["column"]) for e in bad["errors"]} == {
        (1, "value"),
        (1, "currency"),
        (1, "ordered_at"),
    }
    resp = client.post(
        "/api/v1/orders",
        headers=seeded.admin(),
        json=[
            {
                "order_id": "B-1",
                "status": "paid",
                "value": "12.5",
                "currency": "EUR",
                "ordered_at": "2026-11-05",
                "items": [{"name": "mug", "quantity": 3}],
            },
            {
                "order_id": "B-2",
                "status": "paid",
                "value": "-1",
                "currency": "EUR",
                "ordered_at": "2026-11-05",
            },
        ],
    )
    assert resp.json()["errors"] == [
        {"index": 1, "column": "value", "message": "must be a positive number"}
    ]
    assert _numbers(services) == []
    assert (
        client.post(
            "/api/v1/orders/import",
            content=CSV,
            headers={**seeded.agent(), "Content-Type": "text/csv"},
        ).status_code
        == 403
    )


def test_order_number_in_a_dm_is_linked(client: Any, services: Services, seeded: Seeded) -> None:
    client.post(
        "/api/v1/orders/import?import_valid=true",
        content=CSV,
        headers={**seeded.admin(), "Content-Type": "text/csv"},
    )
    conv = dm(services, seeded, "o1", text="Hi, where is my order #A-1001 please?")
    person_id = contact_of(services, conv).person_id
    with services.db.session() as s:
        order = s.scalars(select(Order).where(Order.number == "A-1001")).one()
        assert (order.conversation_id, order.person_id) == (conv, person_id)
        assert s.scalars(select(Event.type).where(Event.type == "order.linked")).all()
    card = client.get(f"/api/v1/people/{person_id}", headers=seeded.admin()).json()
    assert [o["number"] for o in card["orders"]] == ["A-1001"]


def test_new_orders_are_linked_to_the_person_by_id_email_or_phone(
    client: Any, services: Services, seeded: Seeded
) -> None:
    """A regression: looking the person up used to flush the half-filled new order."""
    pid = contact_of(services, dm(services, seeded, "l1", sender="lnk")).person_id
    client.patch(
        f"/api/v1/people/{pid}",
        json={"email": "lina@example.org", "phone": "+44 20 7946 0111"},
        headers=seeded.admin(),
    )
    csv = (
        "order_id,status,value,currency,ordered_at,person_id,email,phone\n"
        f"L-1,paid,1,EUR,2026-11-01,{pid},,\n"
        "L-2,paid,2,EUR,2026-11-01,,lina@example.org,\n"
        "L-3,paid,3,EUR,2026-11-01,,,+442079460111\n"
        "L-4,paid,4,EUR,2026-11-01,,nobody@example.org,\n"
    )
    done = client.post(
        "/api/v1/orders/import",
        content=csv,
        headers={**seeded.admin(), "Content-Type": "text/csv"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 4
    with services.db.session() as s:
        rows = s.execute(select(Order.number, Order.person_id)).all()
    linked = {row[0]: row[1] for row in rows}
    assert linked == {"L-1": pid, "L-2": pid, "L-3": pid, "L-4": None}
