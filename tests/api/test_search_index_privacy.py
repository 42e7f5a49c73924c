"""The search index holds masked text: personal data finds nothing (unless the workspace
opts in), ordinary words still do, and snippets show what the caller may see."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from dmdesk.actions import privacy
from dmdesk.db.migrate import alembic_config, upgrade
from dmdesk.domain.errors import Forbidden
from dmdesk.domain.pii_mask import mask_for_index
from dmdesk.queries.search import search_messages
from dmdesk.services import Services, build_services
from tests.conftest import Seeded, make_settings, seed_workspace
from tests.people.kit import NOW, dm, user
from tests.web.conftest import login

TEXT = (
    "Pizzeria Quattro order: call me on +44 20 7946 0958 or write to "
    "ana.secretive@example.org, card 4111 1111 1111 1111, IBAN GB82WEST12345698765432"
)
PII_QUERIES = ("+44 20 7946 0958", "7946", "0958", "ana.secretive@example.org", "secretive")
PII_TERMS = {"7946", "0958", "secretive", "4111", "1111", "gb82west12345698765432"}


def _hits(services: Services, ws: int, q: str, *, sees_pii: bool = False) -> list[Any]:
    with services.db.session() as s:
        return search_messages(s, workspace_id=ws, q=q, sees_pii=sees_pii)


def _index_terms(services: Services) -> set[str]:
    """Every word the index holds, on either engine."""
    with services.db.read_engine.connect() as conn:
        if services.db.dialect == "sqlite":
            conn.execute(
                sa.text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.terms "
                    "USING fts5vocab(main, 'messages_fts', 'row')"
                )
            )
            return {r[0] for r in conn.execute(sa.text("SELECT term FROM temp.terms"))}
        sql = "SELECT word FROM ts_stat('SELECT document FROM messages_fts')"
        return {r[0] for r in conn.execute(sa.text(sql))}


def _set_opt_in(services: Services, seeded: Seeded, enabled: bool) -> None:
    admin = user(services, seeded.admin_id)
    services.db.write(
        lambda s: privacy.do_set_index_personal_data(s, admin=admin, enabled=enabled, at=NOW)
    )


def test_mask_for_index_replaces_personal_data() -> None:
    masked = mask_for_index(TEXT)
    assert masked is not None
    assert "[number]" in masked
    assert "[email]" in masked
    assert "[iban]" in masked
    assert not any(t in masked.lower() for t in PII_TERMS)
    assert masked.startswith("Pizzeria Quattro order")
    assert mask_for_index(None) is None


def test_personal_data_is_not_searchable_but_words_are(services: Services, seeded: Seeded) -> None:
    dm(services, seeded, "pii-1", sender="ana", text=TEXT)
    ws = seeded.workspace_id
    for q in PII_QUERIES:
        assert _hits(services, ws, q) == [], q
        assert _hits(services, ws, q, sees_pii=True) == [], q
    terms = _index_terms(services)
    assert {"pizzeria", "quattro", "order"} <= terms
    assert not PII_TERMS & terms
    agent_hit = _hits(services, ws, "quattro")[0]
    assert "<mark>Quattro</mark>" in agent_hit.snippet_html
    assert "7946" not in agent_hit.snippet_html
    assert "[phone]" in agent_hit.snippet_html
    admin_hit = _hits(services, ws, "quattro", sees_pii=True)[0]
    assert "+44 20 7946 0958" in admin_hit.snippet_html


def test_opting_in_reindexes_with_personal_data_and_out_again(
    services: Services, seeded: Seeded
) -> None:
    dm(services, seeded, "pii-2", sender="ana", text=TEXT)
    ws = seeded.workspace_id
    _set_opt_in(services, seeded, True)
    assert len(_hits(services, ws, "7946 0958")) == 1
    assert "7946" not in _hits(services, ws, "7946")[0].snippet_html  # still masked
    dm(services, seeded, "pii-3", sender="bo", text="reach me at 0161 496 0018 please")
    assert len(_hits(services, ws, "0161")) == 1  # new messages are indexed raw too
    _set_opt_in(services, seeded, False)
    assert _hits(services, ws, "7946") == []
    assert _hits(services, ws, "0161") == []
    assert not PII_TERMS & _index_terms(services)
    assert len(_hits(services, ws, "pizzeria")) == 1


def test_only_admins_switch_the_index_and_workspaces_stay_apart(
    services: Services, seeded: Seeded
) -> None:
    agent = user(services, seeded.agent_id)
    with pytest.raises(Forbidden):
        services.db.write(
            lambda s: privacy.do_set_index_personal_data(s, admin=agent, enabled=True, at=NOW)
        )
    other = seed_workspace(services, slug="initech", secret="i")
    dm(services, other, "far-1", sender="far", text="pizzeria in another desk")
    dm(services, seeded, "near-1", sender="near", text="pizzeria here")
    assert len(_hits(services, seeded.workspace_id, "pizzeria")) == 1
    assert len(_hits(services, other.workspace_id, "pizzeria")) == 1


def test_edits_and_deletions_follow_the_index(services: Services, seeded: Seeded) -> None:
    conv = dm(services, seeded, "e-1", sender="ed", text="marmalade recipe")
    ws = seeded.workspace_id
    [hit] = _hits(services, ws, "marmalade")

    def edit(s: Any) -> None:
        s.execute(
            sa.text("UPDATE messages SET text = :t WHERE id = :i"),
            {"t": "chutney now, phone 0161 496 0018", "i": hit.message_id},
        )

    services.db.write(edit)
    assert _hits(services, ws, "marmalade") == []
    assert [h.conversation_id for h in _hits(services, ws, "chutney")] == [conv]
    assert _hits(services, ws, "0161") == []
    services.db.write(
        lambda s: s.execute(sa.text("DELETE FROM messages WHERE id = :i"), {"i": hit.message_id})
    )
    assert _hits(services, ws, "chutney") == []
    assert "chutney" not in _index_terms(services)


def test_search_page_highlights_masked_text_for_agents(
    client: Any, services: Services, seeded: Seeded
) -> None:
    conv = dm(services, seeded, "w-1", sender="ana", text=TEXT)
    login(client, "agent@acme.test")
    page = client.get("/search", params={"q": "quattro"}).text
    assert "<mark>Quattro</mark>" in page
    assert "7946" not in page
    assert "ana.secretive" not in page
    assert "No messages match." in client.get("/search", params={"q": "7946"}).text
    assert client.get("/api/v1/privacy/audit", headers=seeded.admin()).json() == []
    client.post("/logout", follow_redirects=False)
    login(client, "admin@acme.test")
    assert "+44 20 7946 0958" in client.get("/search", params={"q": "quattro"}).text
    client.get("/search", params={"q": "nothing-matches-this"})
    audit = client.get("/api/v1/privacy/audit", headers=seeded.admin()).json()
    assert [(a["action"], a["user_id"]) for a in audit] == [("search.view", seeded.admin_id)]
    assert audit[0]["detail"]["conversation_ids"] == [conv]
    assert "7946" not in json.dumps(audit)


def test_migration_backfills_the_index_masked(sqlite_url: str) -> None:
    """Rows indexed raw before 0303 are re-indexed masked when it runs."""
    services = build_services(make_settings(sqlite_url))
    try:
        seeded = seed_workspace(services)
        dm(services, seeded, "m-1", sender="ana", text=TEXT)
        cfg = alembic_config(sqlite_url)
        command.downgrade(cfg, "0302")
        with services.db.read_engine.connect() as conn:
            raw = conn.execute(
                sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"7946\"'")
            ).all()
        assert len(raw) == 1  # before 0303 the phone number was in the index
        upgrade(sqlite_url)
        assert _hits(services, seeded.workspace_id, "7946") == []
        assert len(_hits(services, seeded.workspace_id, "pizzeria")) == 1
        assert not PII_TERMS & _index_terms(services)
    finally:
        services.stop()


def test_the_switch_through_the_api_is_admin_only(
    client: Any, services: Services, seeded: Seeded
) -> None:
    url = "/api/v1/privacy/search-index"
    dm(services, seeded, "api-1", sender="ana", text=TEXT)
    assert client.get(url, headers=seeded.agent()).json() == {"index_personal_data": False}
    refused = client.put(url, headers=seeded.agent(), json={"index_personal_data": True})
    assert refused.status_code == 403
    done = client.put(url, headers=seeded.admin(), json={"index_personal_data": True})
    assert done.json() == {"index_personal_data": True}
    assert client.get(url, headers=seeded.admin()).json() == {"index_personal_data": True}
    assert len(_hits(services, seeded.workspace_id, "7946")) == 1


def test_postgres_migration_backfills_the_index_masked(pg_url: str) -> None:
    """PostgreSQL: 0303 replaces the GIN index on the raw text with masked tsvectors."""
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_url)
    services = build_services(make_settings(pg_url))
    cfg = alembic_config(pg_url)
    try:
        seeded = seed_workspace(services)
        dm(services, seeded, "pg-1", sender="ana", text=TEXT)
        services.db.read_engine.dispose()
        command.downgrade(cfg, "0302")
        with services.db.read_engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("messages")}
        assert "messages_fts" not in tables
        assert "ix_messages_fts" in indexes  # before 0303: a GIN index on the raw text
        services.db.read_engine.dispose()
        upgrade(pg_url)
        assert _hits(services, seeded.workspace_id, "7946") == []
        assert len(_hits(services, seeded.workspace_id, "pizzeria")) == 1
        assert not PII_TERMS & _index_terms(services)
        with services.db.read_engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("messages")}
        assert "ix_messages_fts" not in indexes
    finally:
        services.stop()
        upgrade(pg_url)


def test_people_found_by_a_phone_number_id_are_labelled_masked(
    services: Services, seeded: Seeded
) -> None:
    from dmdesk.queries.search import search_contacts

    dm(services, seeded, "wa-1", sender="447700900999", name=None, text="hello")
    ws = seeded.workspace_id
    with services.db.session() as s:
        masked = search_contacts(s, workspace_id=ws, q="447700900999")
        full = search_contacts(s, workspace_id=ws, q="447700900999", sees_pii=True)
    assert [h.name for h in masked] == ["[phone]"]
    assert [h.name for h in full] == ["447700900999"]
