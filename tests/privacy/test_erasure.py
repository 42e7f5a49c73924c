"""Right to erasure: nothing of the person's text is left anywhere in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dmdesk.actions import conversions, orders, people, privacy, webhooks_out
from dmdesk.actions.conversations import do_set_category
from dmdesk.actions.messages import do_add_note
from dmdesk.models import Event
from dmdesk.models.people import Conversion, OutboundDelivery
from dmdesk.queries.triage_corrections import correction_examples
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, seed_workspace
from tests.people.kit import NOW, contact_of, dm, user

SECRET_WORDS = (
    "Zebulonqx",
    "quuxvelvet",
    "zebulonqx.private@example.org",
    "4471234",
    "2079460321",  # their phone, as stored (E.164)
    "passportscan",  # an attachment's file name
)


def _every_value(services: Services) -> list[tuple[str, str, Any]]:
    """Every cell of every table (FTS5 shadow tables included), as text or bytes."""
    engine = services.db.read_engine
    cells: list[tuple[str, str, Any]] = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
                cells += [(table, col, value) for col, value in row.items()]
    return cells


def _leaks(services: Services, needles: tuple[str, ...]) -> list[str]:
    found = []
    for table, col, value in _every_value(services):
        raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        low = raw.lower()
        found += [f"{table}.{col}: {n}" for n in needles if n.lower().encode() in low]
    return found


def _fts_terms(services: Services) -> set[str]:
    """Every word the search index holds (SQLite FTS5 segments, PostgreSQL tsvectors)."""
    with services.db.read_engine.connect() as conn:
        if services.db.dialect != "sqlite":
            sql = "SELECT word FROM ts_stat('SELECT document FROM messages_fts')"
            return {r[0] for r in conn.execute(sa.text(sql))}
        conn.execute(
            sa.text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms "
                "USING fts5vocab(main, 'messages_fts', 'row')"
            )
        )
        return {r[0] for r in conn.execute(sa.text("SELECT term FROM temp.fts_terms"))}


def _populate(services: Services, seeded: Seeded) -> tuple[int, int]:
    """Two identities of the secret person (merged), and a bystander; a CRM subscribed to
    outbound webhooks, so delivery logs hold events about them too."""
    services.db.write(
        lambda s: webhooks_out.do_create_subscription(
            s,
            workspace_id=seeded.workspace_id,
            url="https://crm.example/hook",
            event_types=[],
            box=services.box,
            actor_id=seeded.admin_id,
            at=NOW,
        )
    )
    text = "Hi, I am Zebulonqx quuxvelvet, mail zebulonqx.private@example.org or +44 20 4471234"
    conv = dm(
        services,
        seeded,
        "z1",
        sender="zz-1",
        name="Zebulonqx Quuxvelvet",
        text=text,
        referral={"source": "ad", "ref": "winter-sale"},
        attachments=[{"type": "file", "name": "passportscan.pdf", "size": 1200}],
    )
    conv2 = dm(services, seeded, "z2", sender="zz-2", name="Zeb Q", text="quuxvelvet again")
    other = dm(services, seeded, "b1", sender="by-1", name="Bystander Bo", text="hello there")
    admin = user(services, seeded.admin_id)

    def work(s: Any) -> None:
        p1 = people.do_ensure_person(s, contact=contact_of(services, conv), at=NOW)
        p1 = s.merge(p1)
        p2 = people.do_ensure_person(s, contact=contact_of(services, conv2), at=NOW)
        people.do_update_person(
            s,
            person=p1,
            changes={"email": SECRET_WORDS[2], "phone": "+44 20 7946 0321"},
            actor_id=admin.id,
            at=NOW,
        )
        do_set_category(s, conv=_conv(s, conv), category="sales", at=NOW, actor_id=admin.id)
        people.do_merge_people(
            s,
            workspace_id=seeded.workspace_id,
            target_id=p1.id,
            source_id=p2.id,
            actor_id=admin.id,
            at=NOW,
        )
        people.do_add_contact_note(
            s, person=p1, text="Zebulonqx likes blue", author_id=admin.id, at=NOW
        )
        do_add_note(s, conv=_conv(s, conv), author_id=admin.id, text="call Zebulonqx back", at=NOW)
        orders.upsert_order(
            s,
            workspace_id=seeded.workspace_id,
            at=NOW,
            values={
                "order_id": "ZQ-4471",
                "status": "paid",
                "value": 10,
                "currency": "EUR",
                "ordered_at": NOW,
                "items": [{"name": "quuxvelvet scarf", "quantity": 1}],
                "person_id": p1.id,
            },
        )
        conversions.do_record_conversion(
            s,
            workspace_id=seeded.workspace_id,
            source="manual",
            actor_id=admin.id,
            at=NOW,
            data=conversions.ConversionIn(
                type="purchase",
                value=orders.parse_money("25"),
                currency="EUR",
                occurred_at=NOW,
                conversation_id=conv,
            ),
        )

    services.db.write(work)
    services.db.write(lambda s: webhooks_out.do_fan_out(s, at=NOW))
    return conv, other


def _conv(s: Any, conv_id: int) -> Any:
    from dmdesk.models import Conversation

    return s.get_one(Conversation, conv_id)


def test_erasure_leaves_no_text_of_the_person_anywhere(services: Services, seeded: Seeded) -> None:
    conv, other = _populate(services, seeded)
    before = {leak.split(":")[0] for leak in _leaks(services, SECRET_WORDS)}
    # the scan does find them before, in each kind of place
    assert {
        "messages.text",
        "messages.attachments",
        "people.phone_e164",
        "people.email",
        "contact_notes.text",
        "notes.text",
        "orders.items",
    } <= before
    assert "quuxvelvet" in _fts_terms(services)  # an ordinary word of theirs is indexed
    with services.db.session() as s:
        assert s.scalars(sa.select(OutboundDelivery)).all()  # the CRM was told about them
        examples = correction_examples(s, seeded.workspace_id)
        assert [e.conversation_id for e in examples] == [conv]  # a training example
    contact_id = contact_of(services, conv).id
    report = services.db.write(
        lambda s: privacy.do_erase_contact(
            s,
            workspace_id=seeded.workspace_id,
            contact_id=contact_id,
            actor=user(services, seeded.admin_id),
            at=NOW,
        )
    )
    assert report.contacts == 2
    assert report.conversations == 2
    assert report.messages == 2
    assert _leaks(services, (*SECRET_WORDS, "zz-1", "zz-2", "Zeb Q")) == []
    terms = _fts_terms(services)
    assert not {"zebulonqx", "quuxvelvet", "4471234"} & terms
    assert {"hello", "there"} <= terms  # the bystander is still searchable
    with services.db.session() as s:
        assert correction_examples(s, seeded.workspace_id) == []
        left = s.scalars(sa.select(OutboundDelivery)).all()
        pid = report.person_id
        notice = [d for d in left if d.event_type == "contact.erased"]
        assert [d.person_id for d in notice] == [pid]  # only the notice to forget them
        rest = [d for d in left if d not in notice]
        assert [d for d in rest if d.conversation_id == other]  # the bystander's stay
        assert not [
            d
            for d in rest
            if d.person_id == pid or d.conversation_id == conv or f'"person_id":{pid}' in d.body
        ]
        kept = s.scalars(sa.select(Conversion)).one()  # anonymous, still credited to the ad
        assert (float(kept.value), kept.currency, kept.conversation_id, kept.person_id) == (
            25.0,
            "EUR",
            None,
            None,
        )
        assert kept.content == {"source": "ad", "ref": "winter-sale"}
        recorded = s.scalars(sa.select(Event).where(Event.type == "conversion.recorded")).one()
        assert recorded.data["value"] == 25.0
        assert recorded.data["erased"] is True
    assert contact_of(services, other).name == "Bystander Bo"


def test_raw_payloads_held_the_text_before_and_file_bytes_hold_nothing_after(
    sqlite_url: str,
) -> None:
    """SQLite: after a checkpoint, not even free pages of the database file keep the text."""
    from tests.conftest import make_settings, seed_workspace

    services = build_services(make_settings(sqlite_url))
    try:
        seeded = seed_workspace(services)
        conv, _other = _populate(services, seeded)
        places = {leak.split(":")[0] for leak in _leaks(services, ("quuxvelvet",))}
        assert {"webhook_deliveries.body", "inbound_events.payload", "messages.text"} <= places
        contact_id = contact_of(services, conv).id
        pragma = sa.text("PRAGMA secure_delete")
        services.db.write(lambda s: s.execute(sa.text("PRAGMA secure_delete = 0")))
        assert services.db.write(lambda s: s.execute(pragma).scalar_one()) == 0
        services.db.write(
            lambda s: privacy.do_erase_contact(
                s, workspace_id=seeded.workspace_id, contact_id=contact_id, actor=None, at=NOW
            )
        )
        assert services.db.write(lambda s: s.execute(pragma).scalar_one()) == 0  # restored
        path = Path(sqlite_url.removeprefix("sqlite:///"))
        wal = path.parent / (path.name + "-wal")
        assert wal.stat().st_size > 0  # the log still holds the pages erasure replaced
        assert privacy.checkpoint_after_erasure(services.db.read_engine) is True
        assert wal.stat().st_size == 0
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).lower()
        for word in (*SECRET_WORDS, "zz-1"):
            assert word.lower().encode() not in raw, word
    finally:
        services.stop()


def test_erasure_through_the_api_is_admin_only_and_audited(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "api-1", sender="gone", text="forget me")
    contact_id = contact_of(services, conv).id
    assert (
        client.post(f"/api/v1/contacts/{contact_id}/erase", headers=seeded.agent()).status_code
        == 403
    )
    other = seed_workspace(services, slug="initech", secret="i")
    foreign = contact_of(services, dm(services, other, "f-1", sender="far")).id
    assert (
        client.post(f"/api/v1/contacts/{foreign}/erase", headers=seeded.admin()).status_code == 404
    )
    done = client.post(f"/api/v1/contacts/{contact_id}/erase", headers=seeded.admin())
    assert done.status_code == 200
    assert done.json()["messages"] == 1
    assert done.json()["log_checkpointed"] is True
    assert (
        client.post(f"/api/v1/contacts/{contact_id}/erase", headers=seeded.admin()).status_code
        == 404
    )
    audit = client.get("/api/v1/privacy/audit", headers=seeded.admin()).json()
    assert audit[0]["action"] == "contact.erase"
    assert audit[0]["user_id"] == seeded.admin_id
    assert "forget" not in json.dumps(audit)
    assert "gone" not in json.dumps(audit)
