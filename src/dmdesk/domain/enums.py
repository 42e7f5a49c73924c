"""The closed vocabularies of the desk: platforms, roles, statuses, priorities, categories."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    GENERIC = "generic"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    X = "x"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"

    @property
    def rank(self) -> int:
        return {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Priority(StrEnum):
    """Ordered from most to least pressing; `sort_rank` drives the queue order."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def sort_rank(self) -> int:
        return {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}[self]


class Category(StrEnum):
    """Triage categories; precedence when two fit: spam > complaint > support > sales >
    collaboration > general."""

    SPAM = "spam"
    COMPLAINT = "complaint"
    SUPPORT = "support"
    SALES = "sales"
    COLLABORATION = "collaboration"
    GENERAL = "general"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class AuthorKind(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class DeliveryStatus(StrEnum):
    """Outbound delivery states; they only move forward (see `advances`)."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        return {
            DeliveryStatus.PENDING: 0,
            DeliveryStatus.SENT: 1,
            DeliveryStatus.DELIVERED: 2,
            DeliveryStatus.READ: 3,
            DeliveryStatus.FAILED: 1,
        }[self]

    def advances(self, new: DeliveryStatus) -> bool:
        """True when moving to `new` is progress: a late 'delivered' never undoes 'read'."""
        if new is DeliveryStatus.FAILED:
            return self in (DeliveryStatus.PENDING, DeliveryStatus.SENT)
        return new.rank > self.rank
