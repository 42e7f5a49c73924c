"""Keeping the rollup tables in step with the event log: an incremental fold (events
after a cursor), a from-scratch recomputation, and a rebuild that writes it.

The fold recomputes each touched conversation from all of its events and applies the
difference from what that conversation added last time, so it is exact by construction
(the property test checks it against `recompute`). Events are read in id order; dmdesk
has one writer per database, so ids become visible in commit order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from dmdesk.metrics import hist
from dmdesk.metrics.context import ReportClock, clock_of
from dmdesk.metrics.cube import CellKey, CellValue, HourKey, Rollup
from dmdesk.metrics.facts import Contribution, LogEvent, conversation_contributions
from dmdesk.models import Event
from dmdesk.models.metrics import MetricCell, MetricConversationState, MetricCursor, MetricHourly

CURSOR = "rollups"
FOLD_BATCH = 5000
_CHUNK = 500


@dataclass(frozen=True)
class FoldResult:
    events: int
    conversations: int
    caught_up: bool


def _chunks(items: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _load_events(session: Session, conversation_ids: Sequence[int]) -> dict[int, list[LogEvent]]:
    grouped: dict[int, list[LogEvent]] = defaultdict(list)
    for chunk in _chunks(conversation_ids):
        rows = session.execute(
            select(
                Event.id,
                Event.type,
                Event.occurred_at,
                Event.actor_kind,
                Event.actor_id,
                Event.data,
                Event.conversation_id,
            )
            .where(Event.conversation_id.in_(chunk))
            .order_by(Event.id)
        )
        for r in rows:
            grouped[r[6]].append(LogEvent(r[0], r[1], r[2], r[3], r[4], r[5] or {}))
    return grouped


class _Clocks:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, ReportClock] = {}

    def __call__(self, workspace_id: int) -> ReportClock:
        if workspace_id not in self.cache:
            self.cache[workspace_id] = clock_of(self.session, workspace_id)
        return self.cache[workspace_id]


def _workspaces(session: Session, conversation_ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(conversation_ids):
        rows = session.execute(
            select(Event.conversation_id, func.min(Event.workspace_id))
            .where(Event.conversation_id.in_(chunk))
            .group_by(Event.conversation_id)
        )
        found.update({int(c): int(w) for c, w in rows if c is not None and w is not None})
    return found


def _conversation_ids(session: Session, workspace_id: int | None) -> list[int]:
    query = select(Event.conversation_id).where(Event.conversation_id.is_not(None)).distinct()
    if workspace_id is not None:
        query = query.where(Event.workspace_id == workspace_id)
    return sorted(i for i in session.scalars(query) if i is not None)


def recompute(session: Session, *, workspace_id: int | None = None) -> Rollup:
    """The rollups as they should be, computed from the whole event log."""
    ids = _conversation_ids(session, workspace_id)
    rollup, clocks = Rollup(), _Clocks(session)
    owners = _workspaces(session, ids)
    for chunk in _chunks(ids):
        for conv_id, events in _load_events(session, chunk).items():
            ws = owners[conv_id]
            rollup.add(ws, conversation_contributions(events, clocks(ws)))
    return rollup.pruned()


def _cursor(session: Session) -> MetricCursor:
    row = session.get(MetricCursor, CURSOR)
    if row is None:
        row = MetricCursor(name=CURSOR, last_event_id=0)
        session.add(row)
    return row


def fold(session: Session, *, batch: int = FOLD_BATCH) -> FoldResult:
    """Fold up to `batch` new events into the rollups (run inside `db.write`)."""
    cursor = _cursor(session)
    rows = session.execute(
        select(Event.id, Event.conversation_id)
        .where(Event.id > cursor.last_event_id)
        .order_by(Event.id)
        .limit(batch)
    ).all()
    if not rows:
        return FoldResult(0, 0, caught_up=True)
    ids = sorted({int(c) for _, c in rows if c is not None})
    delta, clocks = Rollup(), _Clocks(session)
    owners = _workspaces(session, ids)
    grouped = _load_events(session, ids)
    for conv_id in ids:
        ws = owners[conv_id]
        new = conversation_contributions(grouped[conv_id], clocks(ws))
        _swap_state(session, delta, conv_id=conv_id, workspace_id=ws, new=new)
    _apply(session, delta.pruned())
    cursor.last_event_id = int(rows[-1][0])
    return FoldResult(len(rows), len(ids), caught_up=len(rows) < batch)


def _swap_state(
    session: Session, delta: Rollup, *, conv_id: int, workspace_id: int, new: list[Contribution]
) -> None:
    state = session.get(MetricConversationState, conv_id)
    encoded = [c.as_json() for c in new]
    if state is None:
        session.add(MetricConversationState(
            conversation_id=conv_id, workspace_id=workspace_id, contributions=encoded
        ))  # fmt: skip
    elif state.contributions == encoded:
        return
    else:
        old = [Contribution.from_json(row) for row in state.contributions]
        delta.add(workspace_id, old, sign=-1)
        state.contributions = encoded
    delta.add(workspace_id, new)


def _cell_pk(key: CellKey | HourKey) -> dict[str, Any]:
    ws, dims, metric, day = key[0], key[1], key[2], key[3]
    return {"workspace_id": ws, "channel_id": dims.channel_id, "team_id": dims.team_id,
            "agent_id": dims.agent_id, "category": dims.category, "metric": metric,
            "day": day}  # fmt: skip


def _apply(session: Session, delta: Rollup) -> None:
    for key, change in delta.cells.items():
        pk = _cell_pk(key)
        row = session.get(MetricCell, pk)
        if row is None:
            row = MetricCell(**pk, n=0, total=0, hist=None)
            session.add(row)
        counts = hist.unpack(row.hist)
        counts.update(change.hist)
        row.n, row.total, row.hist = row.n + change.n, row.total + change.total, hist.pack(counts)
        if row.n == 0 and row.total == 0 and row.hist is None:
            session.delete(row)
    for hkey, n in delta.hours.items():
        pk = {**_cell_pk(hkey), "hour": hkey[4]}
        hrow = session.get(MetricHourly, pk)
        if hrow is None:
            hrow = MetricHourly(**pk, n=0)
            session.add(hrow)
        hrow.n += n
        if hrow.n == 0:
            session.delete(hrow)
    session.flush()


def rebuild(session: Session) -> int:
    """Replace the rollups with a from-scratch recomputation; returns the cell count."""
    last = session.scalar(select(func.max(Event.id))) or 0
    for model in (MetricCell, MetricHourly, MetricConversationState):
        session.execute(delete(model))
    rollup = recompute(session)
    _insert_rollup(session, rollup)
    _insert_states(session)
    _cursor(session).last_event_id = int(last)
    return len(rollup.cells)


def _insert_rollup(session: Session, rollup: Rollup) -> None:
    cells = [
        {**_cell_pk(k), "n": v.n, "total": v.total, "hist": hist.pack(v.hist)}
        for k, v in rollup.cells.items()
    ]
    hours = [{**_cell_pk(k), "hour": k[4], "n": n} for k, n in rollup.hours.items()]
    for rows, model in ((cells, MetricCell), (hours, MetricHourly)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i : i + 5000])


def _insert_states(session: Session) -> None:
    ids = _conversation_ids(session, None)
    owners, clocks = _workspaces(session, ids), _Clocks(session)
    for chunk in _chunks(ids):
        rows = [
            {"conversation_id": cid, "workspace_id": owners[cid],
             "contributions": [c.as_json() for c in
                               conversation_contributions(events, clocks(owners[cid]))]}
            for cid, events in _load_events(session, chunk).items()
        ]  # fmt: skip
        session.execute(insert(MetricConversationState), rows)


def read_tables(session: Session, *, workspace_id: int | None = None) -> Rollup:
    """The stored rollups as an in-memory Rollup (to compare with `recompute`)."""
    from dmdesk.metrics.definitions import Dims

    out = Rollup()
    cells = select(MetricCell)
    hours = select(MetricHourly)
    if workspace_id is not None:
        cells = cells.where(MetricCell.workspace_id == workspace_id)
        hours = hours.where(MetricHourly.workspace_id == workspace_id)
    for c in session.scalars(cells):
        dims = Dims(c.channel_id, c.team_id, c.agent_id, c.category)
        out.cells[(c.workspace_id, dims, c.metric, c.day)] = CellValue(
            c.n, c.total, hist.unpack(c.hist)
        )
    for h in session.scalars(hours):
        dims = Dims(h.channel_id, h.team_id, h.agent_id, h.category)
        out.hours[(h.workspace_id, dims, h.metric, h.day, h.hour)] = h.n
    return out.pruned()


def behind(session: Session) -> bool:
    """Whether the event log has events the rollups have not folded (two index reads)."""
    row = session.get(MetricCursor, CURSOR)
    last = session.scalar(select(func.max(Event.id)))
    return last is not None and (row is None or last > row.last_event_id)


def fold_all(session: Session) -> int:
    """Fold until caught up; returns the number of events folded."""
    total = 0
    while True:
        result = fold(session)
        total += result.events
        if result.caught_up:
            return total


def contributions_of(items: Iterable[Contribution]) -> list[list[object]]:
    return [c.as_json() for c in items]
