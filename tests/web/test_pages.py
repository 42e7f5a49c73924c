"""Inbox, fragments, search and the not-found page, rendered on the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from dmdesk.services import Services
from tests.conftest import Seeded, seed_workspace
from tests.web.conftest import Agent, ingest, login


def test_pages_need_a_login(client: Any, seeded: Seeded) -> None:
    resp = client.get("/inbox?view=mine", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=%2Finbox%3Fview%3Dmine"
    assert client.get("/fragments/list", headers={"X-Fragment": "1"}).status_code == 401


def test_inbox_lists_the_conversation_with_counts(agent: Agent, conv_id: int) -> None:
    page = agent.client.get("/")
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1
    assert '<bdi class="name">Maria Lopez</bdi>' in html
    assert f'href="/conversations/{conv_id}?view=open"' in html
    assert "Hi, is the blue backpack in stock?" in html
    assert 'data-view="unassigned"' in html
    assert '<nav id="rail" class="rail" aria-label="Views">' in html
    assert "<main" in html
    assert "<header" in html
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in html
    assert "style=" not in html


def test_empty_views_say_what_they_mean(agent: Agent, seeded: Seeded) -> None:
    assert "Nothing waiting on you" in agent.client.get("/inbox?view=mine").text
    assert "Nobody is waiting" in agent.client.get("/inbox?view=unassigned").text
    filtered = agent.client.get("/inbox?view=open&tag=nothing").text
    assert "No conversations match these filters" in filtered
    assert 'href="/inbox?view=open">Clear filters' in filtered


def test_inbox_page_stays_within_its_query_budget(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    for i in range(12):
        ingest(services, seeded.channel_id, f"q{i}", sender=f"s{i}", name=f"Person {i}")
    services.bus.stop()  # let background subscribers finish so only the page's queries count
    statements: list[str] = []

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            statements.append(str(args[2]))

    event.listen(services.db.read_engine, "before_cursor_execute", count)
    try:
        assert agent.client.get("/inbox").status_code == 200
    finally:
        event.remove(services.db.read_engine, "before_cursor_execute", count)
    # one for the session cookie, one for an agent's personal-data permission (previews are
    # masked without it), then rows, tags, counts, rail facets: the same for any page size
    assert len(statements) <= 6, statements


def test_list_fragment_decides_membership_on_the_server(agent: Agent, conv_id: int) -> None:
    frag = agent.client.get("/fragments/list?view=unassigned").text
    assert f'id="row-{conv_id}"' in frag
    assert 'id="rail-views"' in frag
    assert "<html" not in frag
    agent.post(f"/conversations/{conv_id}/assign", {"assignee": "me"})
    assert f'id="row-{conv_id}"' not in agent.client.get("/fragments/list?view=unassigned").text
    assert f'id="row-{conv_id}"' in agent.client.get("/fragments/list?view=mine").text


def test_load_more_pages_by_cursor(agent: Agent, services: Services, seeded: Seeded) -> None:
    for i in range(55):
        ingest(services, seeded.channel_id, f"p{i}", sender=f"p{i}", name=f"Person {i}")
    first = agent.client.get("/inbox").text
    assert first.count('<li class="row') == 50
    assert 'data-action="load-more"' in first
    cursor = first.split('data-cursor="')[1].split('"')[0]
    more = agent.client.get(f"/fragments/list?view=open&cursor={cursor}").text
    assert more.count('<li class="row') == 5
    assert 'data-action="load-more"' not in more


def test_thread_fragment_marks_read_only_when_seen(
    agent: Agent, services: Services, conv_id: int
) -> None:
    frag = agent.client.get(f"/fragments/thread/{conv_id}?seen=0").text
    assert 'id="thread"' in frag
    assert "<html" not in frag
    assert 'class="badge">1' in agent.client.get("/fragments/list").text
    agent.client.get(f"/fragments/thread/{conv_id}?seen=1")
    assert 'class="badge"' not in agent.client.get("/fragments/list").text


def test_unknown_and_foreign_ids_show_the_same_not_found_page(
    client: Any, services: Services, seeded: Seeded
) -> None:
    other = seed_workspace(services, slug="other", secret="x")
    foreign = ingest(services, other.channel_id, "o1", name="Someone Else")
    login(client, "agent@acme.test")
    missing = client.get("/conversations/999999")
    forbidden = client.get(f"/conversations/{foreign}")
    assert missing.status_code == forbidden.status_code == 404
    assert missing.text == forbidden.text
    assert "Not found" in forbidden.text
    assert "Someone Else" not in forbidden.text
    assert client.get(f"/fragments/thread/{foreign}").status_code == 404
    posted = client.post(f"/conversations/{foreign}/tags", data={"tag": "x"})
    assert posted.status_code in (403, 404)


def test_search_groups_people_and_messages_with_marks(agent: Agent, conv_id: int) -> None:
    page = agent.client.get("/search?q=backpack").text
    assert "<mark>backpack</mark>" in page
    assert f'href="/conversations/{conv_id}#m-' in page
    people = agent.client.get("/search?q=maria").text
    assert f'<a href="/conversations/{conv_id}"><bdi>Maria Lopez</bdi></a>' in people
    assert "No messages match." in agent.client.get("/search?q=zzzz").text


def test_assets_are_fingerprinted_and_cached(agent: Agent) -> None:
    html = agent.client.get("/inbox").text
    css = html.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/app.css?v=")
    resp = agent.client.get(css)
    assert resp.status_code == 200
    assert "max-age=31536000" in resp.headers["cache-control"]
    js = agent.client.get("/static/js/main.js")
    assert js.status_code == 200
    assert "EventSource" in agent.client.get("/static/js/live.js").text


def test_rail_hides_pages_the_user_cannot_open(client: Any, seeded: Seeded) -> None:
    agent_page = login(client, "agent@acme.test").client.get("/inbox").text
    assert 'href="/settings/triage"' in agent_page, "agents may read the triage rules"
    assert 'href="/dashboard"' not in agent_page
    assert 'href="/settings/privacy"' not in agent_page
    admin_page = login(client, "admin@acme.test").client.get("/inbox").text
    assert 'href="/dashboard"' in admin_page
    assert 'href="/settings/privacy"' in admin_page
