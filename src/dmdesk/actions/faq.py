"""The FAQ knowledge base: question/answer entries with variants, CRUD and CSV import."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import User
from dmdesk.models.replies import FaqEntry

MAX_IMPORT = 5000


def _clean(question: str, answer: str, variants: list[str]) -> tuple[str, str, list[str]]:
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise Invalid("an FAQ entry needs a question and an answer", field="question")
    return question, answer, [v.strip() for v in variants if v.strip()]


def do_create_faq_entry(
    session: Session,
    *,
    user: User,
    question: str,
    answer: str,
    at: datetime,
    variants: list[str] | None = None,
) -> FaqEntry:
    require_role(user, Role.SUPERVISOR)
    q, a, v = _clean(question, answer, variants or [])
    entry = FaqEntry(
        workspace_id=user.workspace_id,
        question=q,
        answer=a,
        variants=v,
        enabled=True,
        created_at=at,
        updated_at=at,
    )
    session.add(entry)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="faq.entry_created",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"faq_id": entry.id},
    )
    return entry


def access_faq_entry(session: Session, user: User, entry_id: int) -> FaqEntry:
    entry = session.get(FaqEntry, entry_id)
    if entry is None or entry.workspace_id != user.workspace_id:
        raise NotFound("FAQ entry not found")
    return entry


def do_update_faq_entry(
    session: Session,
    *,
    user: User,
    entry: FaqEntry,
    question: str,
    answer: str,
    variants: list[str],
    enabled: bool,
    at: datetime,
) -> FaqEntry:
    require_role(user, Role.SUPERVISOR)
    entry.question, entry.answer, entry.variants = _clean(question, answer, variants)
    entry.enabled = enabled
    entry.updated_at = at
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="faq.entry_updated",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"faq_id": entry.id},
    )
    return entry


def do_delete_faq_entry(session: Session, *, user: User, entry: FaqEntry, at: datetime) -> None:
    require_role(user, Role.SUPERVISOR)
    session.delete(entry)
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="faq.entry_deleted",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"faq_id": entry.id},
    )


def do_import_faq_csv(session: Session, *, user: User, text: str, at: datetime) -> int:
    """Columns `question`, `answer` and optional `variants` (separated by `|`)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"question", "answer"} <= set(reader.fieldnames):
        raise Invalid("the CSV needs the columns question and answer", field="file")
    count = 0
    for line, row in enumerate(reader, start=2):
        if count >= MAX_IMPORT:
            raise Invalid(f"at most {MAX_IMPORT} entries per import", field="file")
        variants = (row.get("variants") or "").split("|")
        try:
            do_create_faq_entry(
                session,
                user=user,
                question=row.get("question") or "",
                answer=row.get("answer") or "",
                variants=variants,
                at=at,
            )
        except Invalid as exc:
            raise Invalid(f"line {line}: {exc.message}", field="file") from exc
        count += 1
    return count


def faq_entries(
    session: Session, workspace_id: int, *, enabled_only: bool = False
) -> list[FaqEntry]:
    stmt = select(FaqEntry).where(FaqEntry.workspace_id == workspace_id)
    if enabled_only:
        stmt = stmt.where(FaqEntry.enabled.is_(True))
    return list(session.scalars(stmt.order_by(FaqEntry.id)))
