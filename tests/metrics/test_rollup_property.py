"""Property: folding events into the rollups in any batches, at any moments, gives exactly
the rollups a from-scratch recomputation of the whole event log gives."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmdesk.domain.enums import AuthorKind
from dmdesk.metrics.rollups import fold, fold_all, read_tables, recompute
from dmdesk.services import Services, build_services
from tests.conftest import make_settings
from tests.metrics.scenario import WEEKDAYS_9_TO_5, Desk, fast_desk

_SLUGS = itertools.count()
START = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
CONTACTS = ("ann", "ben", "cid")
OPS = st.tuples(
    st.sampled_from(["in", "in", "reply", "bot", "resolve", "assign", "team_none", "delete",
                     "csat", "fold", "convert"]),
    st.sampled_from(CONTACTS),
    st.integers(min_value=0, max_value=36 * 60),  # minutes since the previous operation
    st.integers(min_value=1, max_value=5),
)  # fmt: skip


def _run(desk: Desk, agents: tuple[int, int], ops: list[tuple[str, str, int, int]]) -> None:
    at, convs, messages = START, {}, {}
    for op, who, minutes, k in ops:
        at += timedelta(minutes=minutes, seconds=k)
        conv = convs.get(who)
        if op == "in" or conv is None:
            convs[who], messages[who] = desk.inbound(who, at - timedelta(minutes=k % 3))
        elif op in ("reply", "bot"):
            kind = AuthorKind.AGENT if op == "reply" else AuthorKind.BOT
            messages[who] = desk.reply(conv, at, user_id=agents[k % 2], kind=kind)
        elif op == "resolve":
            desk.status(conv, at, "resolved", agents[0])
        elif op == "assign":
            desk.assign(conv, at, agents[k % 2])
        elif op == "delete":
            desk.event(conv, "message.deleted", at, message_id=messages[who])
        elif op == "csat":
            desk.event(conv, "csat.recorded", at, score=k)
        elif op == "convert":
            desk.event(conv, "conversion.recorded", at, value=k * 10.25, currency="EUR")
        else:
            desk.svc.db.write(lambda s, b=k: fold(s, batch=b))


@pytest.fixture(scope="module")
def prop_services(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    path = tmp_path_factory.mktemp("prop") / "prop.db"
    shutil.copy(sqlite_template, path)
    svc = build_services(make_settings(f"sqlite:///{path}", sqlite_synchronous="NORMAL"))
    yield svc
    svc.stop()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=25), business=st.booleans())
def test_incremental_folds_equal_recomputation(
    prop_services: Services, ops: list[tuple[str, str, int, int]], business: bool
) -> None:
    # Each example gets its own workspace in one database (rollups are per workspace).
    desk, agents = fast_desk(prop_services, slug=f"p{next(_SLUGS)}")
    desk.configure(timezone="Europe/Berlin", schedule=WEEKDAYS_9_TO_5 if business else None)
    _run(desk, agents, ops)
    prop_services.db.write(fold_all)
    with prop_services.db.session() as s:
        ws = desk.workspace_id
        assert read_tables(s, workspace_id=ws) == recompute(s, workspace_id=ws)
