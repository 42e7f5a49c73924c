"""Ownership in the inbox: SLA chips on rows, the "Breaching soon" and "Breached" views
with their rail counts, counts that match the views (and stop at the cap), and the
notification centre's API."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from dmdesk.actions.conversations import do_assign_conversation, do_set_status
from dmdesk.actions.sla import do_save_sla_policy
from dmdesk.db.events import PublishedEvent
from dmdesk.live.activity import activity_sse, is_ephemeral
from dmdesk.live.fanout import decode, encode
from dmdesk.models import Conversation, User
from dmdesk.queries.inbox import COUNTED, InboxFilter, list_conversations, view_counts
from dmdesk.routing.jobs import run_sla_check
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import Agent, ingest


def _policy(services: Services, seeded: Seeded) -> None:
    services.db.write(
        lambda s: do_save_sla_policy(
            s,
            workspace_id=seeded.workspace_id,
            name="Standard",
            definition={
                "hours": "calendar",
                "warning_fraction": 0.5,
                "targets": [{"first_response": "PT1H"}],
            },
            is_default=True,
            at=services.clock(),
        )
    )


def _dm(services: Services, seeded: Seeded, who: str, *, minutes_ago: int) -> int:
    at = services.clock() - timedelta(minutes=minutes_ago)
    return ingest(services, seeded.channel_id, f"m-{who}", sender=who, name=who.title(), at=at)


def _row(html: str, conv_id: int) -> str:
    start = html.index(f'id="row-{conv_id}"')
    return html[start : html.index("</li>", start)]


def test_rows_carry_sla_chips_and_the_sla_views_filter(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    _policy(services, seeded)
    late = _dm(services, seeded, "olek", minutes_ago=120)
    close = _dm(services, seeded, "fatima", minutes_ago=40)
    fresh = _dm(services, seeded, "sam", minutes_ago=1)
    run_sla_check(services)
    html = agent.client.get("/inbox").text
    assert 'data-state="breached"' in _row(html, late)
    assert "First reply breached 1h ago" in _row(html, late)
    assert 'data-state="warning"' in _row(html, close)
    assert "First reply due in" in _row(html, close)
    assert 'data-state="ok"' in _row(html, fresh)
    breached = agent.client.get("/inbox?view=breached").text
    assert f'id="row-{late}"' in breached
    assert f'id="row-{close}"' not in breached
    assert f'id="row-{fresh}"' not in breached
    assert "Breached" in breached
    soon = agent.client.get("/fragments/list?view=breaching", headers={"X-Fragment": "1"}).text
    assert f'id="row-{close}"' in soon
    assert f'id="row-{late}"' not in soon
    assert f'id="row-{fresh}"' not in soon


def test_resolving_takes_a_conversation_out_of_the_breached_view(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    _policy(services, seeded)
    late = _dm(services, seeded, "olek", minutes_ago=120)
    run_sla_check(services)
    with services.db.session() as s:
        user = s.get_one(User, seeded.agent_id)
        assert view_counts(s, user=user)["breached"] == 1
    services.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, late),
            status="resolved",
            at=services.clock(),
            actor_id=None,
        )
    )
    with services.db.session() as s:
        user = s.get_one(User, seeded.agent_id)
        assert view_counts(s, user=user)["breached"] == 0
        page = list_conversations(s, user=user, flt=InboxFilter(view="breached"))
    assert page.rows == []
    assert 'id="row-' not in agent.client.get("/inbox?view=breached").text


def test_counts_match_the_views_and_stop_at_the_cap(services: Services, seeded: Seeded) -> None:
    _policy(services, seeded)
    ids = [_dm(services, seeded, f"p{i}", minutes_ago=10 * i) for i in range(9)]

    def shape(s: Any) -> None:
        convs = [s.get_one(Conversation, i) for i in ids]
        at = services.clock()
        do_assign_conversation(s, conv=convs[0], assignee_id=seeded.agent_id, at=at, actor_id=None)
        do_assign_conversation(s, conv=convs[1], assignee_id=seeded.agent_id, at=at, actor_id=None)
        do_set_status(s, conv=convs[1], status="pending", at=at, actor_id=None)
        later = at + timedelta(hours=3)
        do_set_status(s, conv=convs[2], status="snoozed", at=at, actor_id=None, snoozed_until=later)
        do_set_status(s, conv=convs[3], status="resolved", at=at, actor_id=None)
        convs[4].category = "spam"

    services.db.write(shape)
    run_sla_check(services)
    with services.db.session() as s:
        user = s.get_one(User, seeded.agent_id)
        counts = view_counts(s, user=user)
        for view in COUNTED:  # each count is the size of its view, page by page
            page = list_conversations(s, user=user, flt=InboxFilter(view=view), limit=100)
            assert counts[view] == len(page.rows), view
        assert counts["spam"] == 1
        assert counts["mine"] == 2
        assert counts["snoozed"] == 1
        assert counts["breached"] >= 1
        capped = view_counts(s, user=user, cap=3)
    assert capped["open"] == 3 < counts["open"]
    assert capped["spam"] == 1


def test_rail_lists_the_sla_views_with_counts(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    _policy(services, seeded)
    _dm(services, seeded, "olek", minutes_ago=120)
    run_sla_check(services)
    html = agent.client.get("/inbox").text
    start = html.index('data-view="breached"')
    link = html[start : html.index("</a>", start)]
    assert 'class="count alert">1<' in link
    assert 'data-view="breaching"' in html


def test_notification_centre_api(agent: Agent, services: Services, seeded: Seeded) -> None:
    conv_id = _dm(services, seeded, "olek", minutes_ago=5)
    services.db.write(
        lambda s: do_assign_conversation(
            s,
            conv=s.get_one(Conversation, conv_id),
            assignee_id=seeded.agent_id,
            at=services.clock(),
            actor_id=seeded.admin_id,
        )
    )
    headers = {"X-CSRF-Token": agent.csrf}
    deadline = time.monotonic() + 10  # the bus thread writes notifications after commit
    while (summary := agent.client.get("/api/v1/notifications/summary").json())["unread"] == 0:
        assert time.monotonic() < deadline, "no notification after the assignment"
        time.sleep(0.05)
    assert summary["unread"] == 1
    [item] = summary["items"]
    assert item["kind"] == "assignment"
    assert item["url"] == f"/conversations/{conv_id}"
    assert item["text"].endswith("assigned you Olek")
    assert not item["read"]
    assert summary["browser"] == dict.fromkeys(("assignment", "mention", "sla", "reply"), False)
    saved = agent.client.put(
        "/api/v1/notifications/preferences/browser", json={"sla": True}, headers=headers
    )
    assert saved.status_code == 200
    assert saved.json()["sla"] is True
    assert agent.client.get("/api/v1/notifications/preferences/browser").json()["sla"] is True
    bad = agent.client.put(
        "/api/v1/notifications/preferences/browser", json={"sms": True}, headers=headers
    )
    assert bad.status_code == 400  # the API answers invalid input with 400 and the field
    read = agent.client.post("/api/v1/notifications/read", json={"ids": None}, headers=headers)
    assert read.json() == {"marked": 1}
    assert agent.client.get("/api/v1/notifications/summary").json()["unread"] == 0


async def _first_ping(queue: asyncio.Queue[PublishedEvent | None]) -> PublishedEvent | None:
    """Skip the stored events the bus is still relaying (the DM's own)."""
    while True:
        event = await queue.get()
        if event is None or is_ephemeral(event):
            return event


def test_activity_pings_reach_the_live_stream_without_an_id(
    agent: Agent, services: Services, seeded: Seeded
) -> None:
    conv_id = _dm(services, seeded, "olek", minutes_ago=5)
    loop = asyncio.new_event_loop()
    try:
        services.hub.bind_loop(loop)
        sub = services.hub.subscribe(workspace_id=seeded.workspace_id, user_id=seeded.admin_id)
        resp = agent.client.post(
            f"/api/v1/conversations/{conv_id}/presence",
            json={"activity": "typing"},
            headers={"X-CSRF-Token": agent.csrf},
        )
        assert resp.status_code == 204
        event = loop.run_until_complete(asyncio.wait_for(_first_ping(sub.queue), timeout=5))
    finally:
        loop.close()
    assert isinstance(event, PublishedEvent)
    assert is_ephemeral(event)
    assert (event.type, event.conversation_id, event.actor_id) == (
        "conversation.activity",
        conv_id,
        seeded.agent_id,
    )
    assert event.data["activity"] == "typing"
    frame = activity_sse(event)
    assert frame.startswith("event: activity\n")
    assert "\nid:" not in frame
    _origin, relayed = decode(encode(event, "other-instance"))
    assert is_ephemeral(relayed)
    assert relayed.data == event.data


def test_sla_views_list_the_oldest_due_first_page_by_page(
    services: Services, seeded: Seeded
) -> None:
    _policy(services, seeded)
    ids = [_dm(services, seeded, f"b{i}", minutes_ago=m) for i, m in enumerate((90, 150, 120))]
    run_sla_check(services)
    with services.db.session() as s:
        user = s.get_one(User, seeded.agent_id)
        flt = InboxFilter(view="breached")
        first = list_conversations(s, user=user, flt=flt, limit=2)
        assert first.next_cursor is not None
        rest = list_conversations(s, user=user, flt=flt, limit=2, cursor=first.next_cursor)
    assert [r.id for r in first.rows + rest.rows] == [ids[1], ids[2], ids[0]]
    assert rest.next_cursor is None


def test_a_paused_clock_says_why(agent: Agent, services: Services, seeded: Seeded) -> None:
    _policy(services, seeded)
    conv_id = _dm(services, seeded, "olek", minutes_ago=10)
    services.db.write(
        lambda s: do_set_status(
            s,
            conv=s.get_one(Conversation, conv_id),
            status="pending",
            at=services.clock(),
            actor_id=None,
        )
    )
    run_sla_check(services)
    row = _row(agent.client.get("/inbox?view=pending").text, conv_id)
    assert 'data-state="paused"' in row
    assert "First reply paused: waiting on customer" in row
