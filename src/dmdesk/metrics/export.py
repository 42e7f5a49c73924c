"""Flat tables of report results, for CSV exports and "View as table"."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

Table = tuple[list[str], list[list[Any]]]


def summary_table(metrics: dict[str, dict[str, Any]]) -> Table:
    rows = [[name, stat, value] for name, stats in metrics.items() for stat, value in stats.items()]
    return ["metric", "statistic", "value"], rows


def breakdown_table(by: str, rows: Iterable[dict[str, Any]], names: dict[Any, str]) -> Table:
    header = [by, "name", "conversations_started", "human_replies", "frt_median_s", "frt_p90_s",
              "frt_n", "resolution_median_s", "resolution_n", "completion_rate",
              "sla_attainment", "csat_share_4_5", "csat_n"]  # fmt: skip
    out = []
    for r in rows:
        frt, res = r["first_response_time"], r["time_to_resolution"]
        out.append([r["key"], names.get(r["key"], str(r["key"])), r["conversations_started"],
                    r["human_replies"], frt["median_s"], frt["p90_s"], frt["n"],
                    res["median_s"], res["n"], r["completion_rate"], r["sla_attainment"],
                    r["csat_share_4_5"], r["csat_n"]])  # fmt: skip
    return header, out


def volume_table(series: dict[date, dict[str, int]], period: str) -> Table:
    rows = [[day.isoformat(), c.get("inbound_messages", 0), c.get("conversations_started", 0)]
            for day, c in sorted(series.items())]  # fmt: skip
    return [period, "inbound_messages", "conversations_started"], rows


def to_csv(table: Table) -> str:
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(_cells(rows))
    return buffer.getvalue()


def _cells(rows: Sequence[list[Any]]) -> list[list[Any]]:
    return [["" if v is None else v for v in row] for row in rows]
