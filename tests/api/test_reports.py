"""The reports API on SQLite and PostgreSQL: summary (JSON and CSV), volume, breakdowns,
spikes and topics; supervisors only; bad filters answered as problem details."""

from __future__ import annotations

from typing import Any

from dmdesk.services import Services
from tests.conftest import Seeded
from tests.metrics.test_replay import replay

PERIOD = {"from": "2026-03-27", "to": "2026-03-30"}


def test_summary_json_csv_and_trend(client: Any, services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    r = client.get("/api/v1/reports/summary", params=PERIOD, headers=seeded.admin())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["metrics"]["first_response_time"] == {
        "median_s": 1800.0, "p90_s": 105480.0, "mean_s": 44500.0, "n": 3}  # fmt: skip
    assert body["previous"]["conversations_started"] == {"count": 0}
    assert body["business_hours_schedule"] is True
    business = client.get("/api/v1/reports/summary", headers=seeded.admin(),
                          params={**PERIOD, "hours": "business"}).json()  # fmt: skip
    assert business["metrics"]["first_response_time"]["mean_s"] == 1300.0
    csv = client.get("/api/v1/reports/summary", headers=seeded.admin(),
                     params={**PERIOD, "format": "csv"})  # fmt: skip
    assert csv.headers["content-type"].startswith("text/csv")
    assert "first_response_time,median_s,1800.0" in csv.text.splitlines()


def test_filters_volume_and_breakdowns(client: Any, services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    h = seeded.admin()
    one = client.get("/api/v1/reports/summary", headers=h,
                     params={**PERIOD, "agent_id": seeded.admin_id}).json()  # fmt: skip
    assert one["metrics"]["next_reply_time"]["n"] == 1
    vol = client.get("/api/v1/reports/volume", params=PERIOD, headers=h).json()
    assert [row["inbound_messages"] for row in vol["series"]] == [2, 1, 0, 2]
    assert sum(map(sum, vol["heatmap"])) == 5
    agents = client.get("/api/v1/reports/agents", params=PERIOD, headers=h).json()
    by_id = {row["key"]: row for row in agents["rows"]}
    assert by_id[seeded.agent_id]["human_replies"] == 4
    assert by_id[seeded.agent_id]["name"]
    csv = client.get("/api/v1/reports/breakdown/channel", headers=h,
                     params={**PERIOD, "format": "csv"}).text.splitlines()  # fmt: skip
    assert csv[0].startswith("channel,name,conversations_started")
    assert csv[1].split(",")[2] == "3"


def test_reports_need_a_supervisor_and_valid_filters(client: Any, seeded: Seeded) -> None:
    assert client.get("/api/v1/reports/summary", headers=seeded.agent()).status_code == 403
    assert client.get("/api/v1/reports/summary").status_code == 401
    bad = client.get("/api/v1/reports/summary", headers=seeded.admin(),
                     params={"hours": "lunar"})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["field"] == "hours"
    backwards = client.get("/api/v1/reports/summary", headers=seeded.admin(),
                           params={"from": "2026-03-30", "to": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 400
    empty = client.get("/api/v1/reports/summary", headers=seeded.admin()).json()
    assert empty["metrics"]["first_response_time"]["n"] == 0


def test_spikes_and_topics_answer(client: Any, services: Services, seeded: Seeded) -> None:
    replay(services, seeded)
    spikes = client.get("/api/v1/reports/spikes", headers=seeded.admin())
    assert spikes.status_code == 200
    assert spikes.json()["current"] == []
    topics = client.get("/api/v1/reports/topics", params=PERIOD, headers=seeded.admin())
    assert topics.status_code == 200
    rows = topics.json()["topics"]
    assert sum(t["count"] for t in rows) == 5  # the unsent sixth message is no question
    ideas = client.get("/api/v1/reports/topics", headers=seeded.admin(),
                       params={**PERIOD, "format": "csv"})  # fmt: skip
    assert ideas.text.splitlines()[0] == "label,count,previous_count,trend,example_1,example_2"
