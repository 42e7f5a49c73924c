"""Orders from a shop or CRM: CSV and API import (errors by line and column), and linking
an order number mentioned in a DM to that conversation and person."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.people import do_ensure_person
from dmdesk.db.events import record_event
from dmdesk.db.writer import run_in_savepoint
from dmdesk.domain.attributes import to_e164
from dmdesk.domain.errors import Invalid
from dmdesk.models import Contact, Conversation
from dmdesk.models.people import Order, Person

log = logging.getLogger(__name__)
CANDIDATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,31}")
MAX_CANDIDATES = 25


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    """What an import did; `committed` is False when errors made the user's "all or
    nothing" choice import nothing."""

    imported: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "committed": self.committed,
            "errors": [e.to_json() for e in self.errors],
        }


# --- parsing cells ---------------------------------------------------------------------------


def parse_money(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        raise Invalid("not a number") from None
    if not value.is_finite() or value < 0:
        raise Invalid("must be a positive number")
    return value.quantize(Decimal("0.01"))


def parse_currency(raw: str) -> str:
    code = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise Invalid("must be a 3-letter ISO 4217 code")
    return code


def parse_time(raw: str) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("not a date (YYYY-MM-DD or ISO 8601 time)") from None
    if value.tzinfo is None:
        raise Invalid("a time needs a UTC offset")
    return value.astimezone(UTC)


def parse_items(raw: str) -> list[dict[str, Any]]:
    """`sku x qty; sku x qty` (quantity optional)."""
    items: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        name, _, qty = part.rpartition(" x ")
        if not name or not qty.strip().isdigit():
            name, qty = part, "1"
        items.append({"name": name.strip(), "quantity": int(qty)})
    return items


def _required(raw: str) -> str:
    if not raw.strip():
        raise Invalid("is required")
    return raw.strip()


Cell = Callable[[str], Any]
ORDER_COLUMNS: dict[str, tuple[Cell, bool]] = {
    "order_id": (_required, True),
    "status": (_required, True),
    "value": (parse_money, True),
    "currency": (parse_currency, True),
    "ordered_at": (parse_time, True),
    "items": (parse_items, False),
    "person_id": (int, False),
    "email": (lambda s: s.strip().lower(), False),
    "phone": (lambda s: s.strip(), False),
}


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """API input in the CSV shape, so both paths share one validation."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ORDER_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        items = row.get("items") or []
        cells = {k: "" if v is None else str(v) for k, v in row.items() if k != "items"}
        cells["items"] = "; ".join(f"{i.get('name', '')} x {i.get('quantity', 1)}" for i in items)
        writer.writerow(cells)
    return buffer.getvalue()


def parse_csv(
    text: str, columns: dict[str, tuple[Cell, bool]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Rows as (line number, parsed values) and every problem found, by line and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c, (_p, needed) in columns.items() if needed and c not in header]
    if missing:
        return [], [RowError(1, c, "required column is missing") for c in missing]
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for record in reader:
        line, values, bad = reader.line_num, {}, False
        for column, (parse, needed) in columns.items():
            raw = record.get(column) or ""
            if not raw.strip() and not needed:
                continue
            try:
                values[column] = parse(raw)
            except (Invalid, ValueError) as exc:
                message = exc.message if isinstance(exc, Invalid) else "not a whole number"
                errors.append(RowError(line, column, message))
                bad = True
        if not bad:
            rows.append((line, values))
    return rows, errors


# --- importing -------------------------------------------------------------------------------


def _find_person(session: Session, workspace_id: int, values: dict[str, Any]) -> int | None:
    if pid := values.get("person_id"):
        person = session.get(Person, pid)
        return person.id if person and person.workspace_id == workspace_id else None
    query = select(Person.id).where(Person.workspace_id == workspace_id)
    if email := values.get("email"):
        return session.scalars(query.where(Person.email == email)).first()
    if phone := to_e164(values.get("phone")):
        return session.scalars(query.where(Person.phone_e164 == phone)).first()
    return None


def upsert_order(
    session: Session, *, workspace_id: int, values: dict[str, Any], at: datetime
) -> bool:
    """Create or update one order by its number; True when it was new."""
    number = str(values["order_id"])
    # Looked up before a new order joins the session: a query would flush it half-filled.
    person_id = _find_person(session, workspace_id, values)
    order = session.scalars(
        select(Order).where(Order.workspace_id == workspace_id, Order.number == number)
    ).first()
    created = order is None
    if order is None:
        order = Order(workspace_id=workspace_id, number=number, items=[])
        session.add(order)
    order.status, order.value = values["status"], values["value"]
    order.currency, order.ordered_at = values["currency"], values["ordered_at"]
    order.items = values.get("items", order.items)
    order.person_id = person_id or order.person_id
    order.updated_at = at
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="order.imported" if created else "order.updated",
        at=at,
        data={"order_id": order.id, "person_id": order.person_id, "status": order.status},
    )
    return created


def do_import_orders(
    session: Session,
    *,
    workspace_id: int,
    rows: list[tuple[int, dict[str, Any]]],
    errors: list[RowError],
    import_valid: bool,
    at: datetime,
) -> ImportReport:
    """Store the valid rows, or none at all when there are errors and the user chose so."""
    report = ImportReport(errors=list(errors))
    if errors and not import_valid:
        report.committed = False
        return report
    for _line, values in rows:
        if upsert_order(session, workspace_id=workspace_id, values=values, at=at):
            report.imported += 1
        else:
            report.updated += 1
    return report


# --- an order number mentioned in a DM ------------------------------------------------------


class _Outcome(Protocol):
    @property
    def conversation_id(self) -> int: ...


class _Event(Protocol):
    @property
    def text(self) -> str | None: ...


class StoredMessageLike(Protocol):
    """The parts of the pipeline's stored message this hook reads."""

    @property
    def outcome(self) -> _Outcome: ...
    @property
    def event(self) -> _Event: ...
    @property
    def at(self) -> datetime: ...


def link_mentioned_orders(
    session: Session, *, conversation_id: int, text: str, at: datetime
) -> int:
    conv = session.get_one(Conversation, conversation_id)
    contact = session.get_one(Contact, conv.contact_id)
    person_id = contact.person_id
    if person_id is None:
        person_id = do_ensure_person(session, contact=contact, at=at).id
    words = mentioned_numbers(text)
    if not words:
        return 0
    found = session.scalars(
        select(Order).where(
            Order.workspace_id == conv.workspace_id,
            Order.number.in_(sorted(words)[:MAX_CANDIDATES]),
        )
    ).all()
    for order in found:
        if order.conversation_id == conv.id:
            continue
        order.conversation_id = conv.id
        order.person_id = order.person_id or person_id
        record_event(
            session,
            workspace_id=conv.workspace_id,
            type="order.linked",
            at=at,
            conversation_id=conv.id,
            data={"order_id": order.id, "person_id": order.person_id},
        )
    return len(found)


def mentioned_numbers(text: str) -> set[str]:
    """Words of a message that could be order numbers (they hold a digit), with and
    without a leading '#'."""
    words = {m.group() for m in CANDIDATE.finditer(text) if any(c.isdigit() for c in m.group())}
    return words | {w.lstrip("#") for w in words}


def _nothing_to_do(session: Session, conversation_id: int, text: str) -> bool:
    """No order number in the text and the contact has its person already: no savepoint,
    no query (both rows are in the session's identity map after ingestion)."""
    if mentioned_numbers(text):
        return False
    conv = session.get(Conversation, conversation_id)
    contact = session.get(Contact, conv.contact_id) if conv is not None else None
    return contact is not None and contact.person_id is not None


def on_message_stored(session: Session, stored: StoredMessageLike) -> None:
    """Pipeline hook: give the contact a person and link any order number it mentions.
    Runs in its own savepoint so a failure here never loses the message."""
    conversation_id, text = stored.outcome.conversation_id, stored.event.text or ""
    if _nothing_to_do(session, conversation_id, text):
        return

    def work(s: Session) -> int:
        return link_mentioned_orders(s, conversation_id=conversation_id, text=text, at=stored.at)

    _f, _r, error = run_in_savepoint(session, work)
    if error is not None:
        log.warning("order linking failed", extra={"conversation_id": conversation_id})
