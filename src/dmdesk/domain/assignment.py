"""Assignment selection: which agent gets a conversation, by round robin or least load,
within presence, skills and capacity; deterministic, with a reason when nobody fits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


class AssignmentReason(StrEnum):
    ASSIGNED = "assigned"
    NO_CANDIDATES = "no_candidates"
    NOBODY_AVAILABLE = "nobody_available"  # everyone offline (or away, unless allowed)
    NO_SKILL_MATCH = "no_skill_match"  # available, but nobody has the language/channel
    ALL_AT_CAPACITY = "all_at_capacity"  # skilled and available, but every one is full


@dataclass(frozen=True)
class AgentCandidate:
    """An agent as the selector sees them. Empty `languages` or `channels` means no
    restriction; `capacity` is the most open conversations they may hold."""

    id: str
    presence: Presence
    capacity: int
    open_count: int = 0
    languages: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.open_count < 0:
            raise ValueError("capacity and open count cannot be negative")


@dataclass(frozen=True)
class ConversationNeeds:
    """What a conversation asks of its agent; None asks nothing."""

    language: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class AssignmentDecision:
    agent_id: str | None
    reason: AssignmentReason
    strategy: Strategy
    eligible: tuple[str, ...] = ()  # everyone who could have taken it, best first


_NEVER = datetime.min.replace(tzinfo=UTC)


def choose_agent(
    candidates: Iterable[AgentCandidate],
    needs: ConversationNeeds,
    *,
    strategy: Strategy,
    allow_away: bool = False,
) -> AssignmentDecision:
    """Pick the agent for a conversation, or None with the first filter that emptied the
    pool (presence, then skills, then capacity).

    Round robin takes whoever was assigned least recently (never-assigned first), so the
    caller keeps it a rotation by recording `last_assigned_at` on each assignment. Least
    loaded takes the lowest open/capacity ratio, then the most free room, then the least
    recently assigned. Ties always end on the agent id, so the choice is
    deterministic.
    """
    pool = list(candidates)
    if not pool:
        return AssignmentDecision(None, AssignmentReason.NO_CANDIDATES, strategy)
    present = [
        a
        for a in pool
        if a.presence is Presence.ONLINE or (allow_away and a.presence is Presence.AWAY)
    ]
    if not present:
        return AssignmentDecision(None, AssignmentReason.NOBODY_AVAILABLE, strategy)
    skilled = [a for a in present if _has_skills(a, needs)]
    if not skilled:
        return AssignmentDecision(None, AssignmentReason.NO_SKILL_MATCH, strategy)
    roomy = [a for a in skilled if a.open_count < a.capacity]
    if not roomy:
        return AssignmentDecision(None, AssignmentReason.ALL_AT_CAPACITY, strategy)
    ranked = sorted(roomy, key=_ORDER[strategy])
    return AssignmentDecision(
        ranked[0].id, AssignmentReason.ASSIGNED, strategy, tuple(a.id for a in ranked)
    )


def reassignment_due_at(
    presence: Presence,
    changed_at: datetime,
    *,
    away_after: timedelta | None,
    offline_after: timedelta | None,
) -> datetime | None:
    """When an agent's open conversations should go back to the queue, given the presence
    they switched to at `changed_at`; None while online or when the team never does it."""
    grace = {Presence.AWAY: away_after, Presence.OFFLINE: offline_after}.get(presence)
    return None if grace is None else changed_at + grace


def language_matches(spoken: str, wanted: str) -> bool:
    """ "en" serves "en-GB" and "en_gb"; "en-GB" serves only British English."""
    spoken, wanted = _tag(spoken), _tag(wanted)
    return spoken == wanted or spoken == wanted.split("-", 1)[0]


def _tag(language: str) -> str:
    return language.strip().lower().replace("_", "-")


def _has_skills(agent: AgentCandidate, needs: ConversationNeeds) -> bool:
    language, channel = needs.language, needs.channel
    speaks = (
        not language
        or not agent.languages
        or any(language_matches(spoken, language) for spoken in agent.languages)
    )
    serves = (
        not channel
        or not agent.channels
        or channel.lower() in {known.lower() for known in agent.channels}
    )
    return speaks and serves


def _recency(agent: AgentCandidate) -> datetime:
    return agent.last_assigned_at.astimezone(UTC) if agent.last_assigned_at else _NEVER


def _round_robin_key(agent: AgentCandidate) -> tuple[datetime, str]:
    return _recency(agent), agent.id


def _least_loaded_key(agent: AgentCandidate) -> tuple[Fraction, int, datetime, str]:
    # Fractions compare exactly, so 2/4 and 3/6 tie. On a tie the agent with more free
    # room goes first, which keeps shares proportional to capacity under steady load.
    room = agent.capacity - agent.open_count
    return Fraction(agent.open_count, agent.capacity), -room, _recency(agent), agent.id


_ORDER: dict[Strategy, Callable[[AgentCandidate], tuple[object, ...]]] = {
    Strategy.ROUND_ROBIN: _round_robin_key,
    Strategy.LEAST_LOADED: _least_loaded_key,
}
