"""Dead letters: unknown webhook event kinds are kept raw and listed to admins only."""

from __future__ import annotations

from typing import Any

from dmdesk.simulator.formats import meta_body
from dmdesk.simulator.people import sign_for
from tests.channels.harness import PERSON, Rig
from tests.conftest import seed_workspace


def _unknown_event(rig: Rig, kind: str, n: int) -> dict[str, Any]:
    return {
        "sender": {"id": PERSON.platform_id("messenger")},
        "recipient": {"id": rig.accounts.get("messenger").account_id},
        "timestamp": int(rig.clock().timestamp() * 1000) + n,
        kind: {"future_field": n},
    }


def _post_unknown(rig: Rig, kind: str, n: int) -> None:
    account = rig.accounts.get("messenger")
    payload = meta_body("page", account, event=_unknown_event(rig, kind, n))
    resp = rig.post(sign_for("messenger", account, payload=payload))
    assert resp.status_code == 200
    assert resp.json()["unsupported"] == 1


def test_admin_sees_unknown_events_newest_first_with_raw_payload(rig: Rig) -> None:
    _post_unknown(rig, "messaging_future_thing", 1)
    _post_unknown(rig, "messaging_other_thing", 2)
    resp = rig.http.get(f"{rig.desk}/api/v1/dead-letters", headers=rig.seeded.admin())
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [i["event_kind"] for i in items] == ["messaging_other_thing", "messaging_future_thing"]
    assert items[0]["platform"] == "messenger"
    assert items[0]["channel_id"] == rig.channels["messenger"]
    assert items[0]["raw"]["messaging_other_thing"] == {"future_field": 2}
    assert rig.count_messages("messenger") == 0


def test_paging_and_platform_filter(rig: Rig) -> None:
    for n in range(3):
        _post_unknown(rig, f"messaging_kind_{n}", n)
    url = f"{rig.desk}/api/v1/dead-letters"
    first = rig.http.get(url, params={"limit": 2}, headers=rig.seeded.admin()).json()
    assert len(first["items"]) == 2
    rest = rig.http.get(
        url, params={"limit": 2, "before_id": first["next_before_id"]}, headers=rig.seeded.admin()
    ).json()
    assert [i["event_kind"] for i in rest["items"]] == ["messaging_kind_0"]
    assert rest["next_before_id"] is None
    other = rig.http.get(url, params={"platform": "x"}, headers=rig.seeded.admin()).json()
    assert other["items"] == []


def test_agents_are_refused_and_other_workspaces_see_nothing(rig: Rig) -> None:
    _post_unknown(rig, "messaging_future_thing", 1)
    url = f"{rig.desk}/api/v1/dead-letters"
    assert rig.http.get(url, headers=rig.seeded.agent()).status_code == 403
    other = seed_workspace(rig.services, slug="globex", secret="globex-secret")
    resp = rig.http.get(url, headers=other.admin())
    assert resp.status_code == 200
    assert resp.json()["items"] == []
