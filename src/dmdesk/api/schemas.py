"""API input and output models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from dmdesk.queries.inbox import InboxRow


class ConversationOut(BaseModel):
    id: int
    contact_name: str
    contact_handle: str | None
    platform: str
    channel_name: str
    status: str
    priority: str
    category: str | None
    assignee_id: int | None
    assignee_name: str | None
    team_id: int | None
    preview: str
    last_message_at: datetime
    waiting_since: datetime | None
    unread_count: int
    snoozed_until: datetime | None
    tags: list[str]
    version: int

    @classmethod
    def of(cls, row: InboxRow) -> ConversationOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None
    counts: dict[str, int]


class ThreadOut(BaseModel):
    conversation: dict[str, Any]
    contact: dict[str, Any]
    channel: dict[str, Any]
    messages: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    window: dict[str, Any]


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)
    expected_version: int | None = None


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)


class AssignIn(BaseModel):
    assignee_id: int | None
    expected_version: int | None = None


class TeamIn(BaseModel):
    team_id: int | None


class TagIn(BaseModel):
    tag: str = Field(min_length=1, max_length=64)


class StatusIn(BaseModel):
    status: str
    snoozed_until: datetime | None = None
    expected_version: int | None = None


class PriorityIn(BaseModel):
    priority: str


class CategoryIn(BaseModel):
    category: str


class UserIn(BaseModel):
    email: str
    password: str
    role: str = "agent"
    name: str | None = None


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    presence: str


class NewTeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TeamOut(BaseModel):
    id: int
    name: str
    member_ids: list[int]


class MemberIn(BaseModel):
    user_id: int


class ChannelIn(BaseModel):
    platform: str
    name: str
    external_id: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class ChannelOut(BaseModel):
    id: int
    platform: str
    name: str
    external_id: str
    is_active: bool
    webhook_path: str
    settings: dict[str, Any]
