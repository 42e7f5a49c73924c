"""Assignment: filters, tie-breaks, and fairness over 10,000 simulated conversations."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dmdesk.domain.assignment import (
    AgentCandidate,
    AssignmentReason,
    ConversationNeeds,
    Presence,
    Strategy,
    choose_agent,
    language_matches,
    reassignment_due_at,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ONLINE = Presence.ONLINE
CONVERSATIONS = 10_000


def agent(
    name: str,
    presence: Presence = ONLINE,
    *,
    capacity: int = 5,
    open_count: int = 0,
    languages: frozenset[str] = frozenset(),
    channels: frozenset[str] = frozenset(),
    last_assigned_at: datetime | None = None,
) -> AgentCandidate:
    return AgentCandidate(
        id=name,
        presence=presence,
        capacity=capacity,
        open_count=open_count,
        languages=languages,
        channels=channels,
        last_assigned_at=last_assigned_at,
    )


class Desk:
    """A simulated team: conversations arrive one per tick and each open one is resolved
    with probability `resolve` per tick; every invariant is checked on every pick."""

    def __init__(self, agents: list[AgentCandidate], *, resolve: float, seed: int) -> None:
        self.agents = {a.id: a for a in agents}
        self.open: dict[str, list[int]] = {a.id: [] for a in agents}
        self.rng = random.Random(seed)
        self.resolve = resolve
        self.shares: Counter[str] = Counter()
        self.unassigned = 0

    def candidates(self) -> list[AgentCandidate]:
        return [replace(a, open_count=len(self.open[a.id])) for a in self.agents.values()]

    def tick(
        self, tick: int, strategy: Strategy, needs: ConversationNeeds
    ) -> AgentCandidate | None:
        for name in self.open:
            self.open[name] = [c for c in self.open[name] if self.rng.random() > self.resolve]
        decision = choose_agent(self.candidates(), needs, strategy=strategy)
        if decision.agent_id is None:
            self.unassigned += 1
            return None
        chosen = self.agents[decision.agent_id]
        assert chosen.presence is ONLINE
        assert len(self.open[chosen.id]) < chosen.capacity
        self.open[chosen.id].append(tick)
        self.agents[chosen.id] = replace(chosen, last_assigned_at=T0 + timedelta(seconds=tick))
        self.shares[chosen.id] += 1
        return chosen

    def run(self, strategy: Strategy, needs: ConversationNeeds | None = None) -> dict[str, float]:
        for tick in range(CONVERSATIONS):
            self.tick(tick, strategy, needs or ConversationNeeds())
        total = sum(self.shares.values())
        return {name: self.shares[name] / total for name in self.agents}


def team(capacities: list[int]) -> list[AgentCandidate]:
    names = [f"agent-{i}" for i in range(len(capacities))]
    working = [agent(n, capacity=c) for n, c in zip(names, capacities, strict=True)]
    return [*working, agent("away", Presence.AWAY), agent("offline", Presence.OFFLINE)]


def assert_shares(shares: dict[str, float], expected: dict[str, float]) -> None:
    """Every agent within 5% (relative) of its expected share; the rest get nothing."""
    for name, share in shares.items():
        assert abs(share - expected.get(name, 0.0)) <= 0.05 * expected.get(name, 0.0), name


@pytest.mark.parametrize("strategy", list(Strategy))
def test_equal_agents_share_equally(strategy: Strategy) -> None:
    desk = Desk(team([10, 10, 10, 10]), resolve=0.05, seed=7)
    shares = desk.run(strategy)
    assert desk.unassigned == 0
    assert_shares(shares, {f"agent-{i}": 0.25 for i in range(4)})


def test_round_robin_rotates_exactly_while_nobody_is_full() -> None:
    desk = Desk(team([50, 50, 50]), resolve=0.2, seed=3)
    desk.run(Strategy.ROUND_ROBIN)
    counts = [desk.shares[f"agent-{i}"] for i in range(3)]
    assert max(counts) - min(counts) <= 1


def test_least_loaded_shares_follow_capacity_under_load() -> None:
    desk = Desk(team([10, 20, 30, 40]), resolve=0.0125, seed=11)
    shares = desk.run(Strategy.LEAST_LOADED)
    expected = {f"agent-{i}": c / 100 for i, c in enumerate([10, 20, 30, 40])}
    assert_shares(shares, expected)


@pytest.mark.parametrize("strategy", list(Strategy))
def test_capacity_holds_when_the_team_is_swamped(strategy: Strategy) -> None:
    desk = Desk(team([2, 3, 5]), resolve=0.01, seed=5)
    desk.run(strategy)
    assert desk.unassigned > 0
    assert desk.shares["offline"] == desk.shares["away"] == 0


@pytest.mark.parametrize("strategy", list(Strategy))
def test_presence_and_skills_hold_as_agents_come_and_go(strategy: Strategy) -> None:
    rng = random.Random(13)
    pool = [
        agent("en", languages=frozenset({"en"})),
        agent("es", languages=frozenset({"es"}), channels=frozenset({"whatsapp"})),
        agent("any"),
        agent("en-wa", languages=frozenset({"en-GB"}), channels=frozenset({"whatsapp"})),
    ]
    desk = Desk(pool, resolve=0.1, seed=17)
    for tick in range(CONVERSATIONS):
        if tick % 50 == 0:
            for name, member in desk.agents.items():
                desk.agents[name] = replace(member, presence=rng.choice(list(Presence)))
        needs = ConversationNeeds(
            language=rng.choice(["en", "es", "en-GB", None]),
            channel=rng.choice(["whatsapp", "instagram", None]),
        )
        chosen = desk.tick(tick, strategy, needs)
        if chosen is None:
            continue
        if needs.language and chosen.languages:
            assert any(language_matches(s, needs.language) for s in chosen.languages)
        if needs.channel and chosen.channels:
            assert needs.channel in chosen.channels
    assert desk.shares["any"] > 0


def test_reasons_name_the_filter_that_emptied_the_pool() -> None:
    needs = ConversationNeeds(language="fr", channel="telegram")

    def decide(pool: list[AgentCandidate]) -> AssignmentReason:
        return choose_agent(pool, needs, strategy=Strategy.ROUND_ROBIN).reason

    assert decide([]) is AssignmentReason.NO_CANDIDATES
    assert (
        decide([agent("a", Presence.OFFLINE), agent("b", Presence.AWAY)])
        is AssignmentReason.NOBODY_AVAILABLE
    )
    assert decide([agent("a", languages=frozenset({"de"}))]) is AssignmentReason.NO_SKILL_MATCH
    assert decide([agent("a", channels=frozenset({"x"}))]) is AssignmentReason.NO_SKILL_MATCH
    assert decide([agent("a", open_count=5)]) is AssignmentReason.ALL_AT_CAPACITY
    assert decide([agent("a", capacity=0)]) is AssignmentReason.ALL_AT_CAPACITY
    assert decide([agent("a", languages=frozenset({"FR"}), channels=frozenset({"Telegram"}))]) is (
        AssignmentReason.ASSIGNED
    )


def test_away_agents_take_work_only_when_allowed() -> None:
    pool = [agent("a", Presence.AWAY)]
    assert choose_agent(pool, ConversationNeeds(), strategy=Strategy.LEAST_LOADED).agent_id is None
    allowed = choose_agent(
        pool, ConversationNeeds(), strategy=Strategy.LEAST_LOADED, allow_away=True
    )
    assert allowed.agent_id == "a"


def test_tie_breaks_are_deterministic() -> None:
    earlier, later = T0, T0 + timedelta(minutes=1)
    pool = [
        agent("b", last_assigned_at=later, open_count=1),
        agent("c", last_assigned_at=earlier, open_count=3),
        agent("a", last_assigned_at=later, open_count=1),
        agent("d", capacity=10, open_count=2, last_assigned_at=later),
    ]
    needs = ConversationNeeds()
    assert choose_agent(pool, needs, strategy=Strategy.ROUND_ROBIN).eligible == ("c", "a", "b", "d")
    # d: 2/10 with 8 free beats a and b (1/5, 4 free) on room; c is at 3/5.
    assert choose_agent(pool, needs, strategy=Strategy.LEAST_LOADED).eligible == (
        "d",
        "a",
        "b",
        "c",
    )
    never = [agent("z", last_assigned_at=earlier), agent("y")]
    assert choose_agent(never, needs, strategy=Strategy.ROUND_ROBIN).agent_id == "y"


def test_language_matching() -> None:
    assert language_matches("en", "en-GB")
    assert language_matches("en_gb", "EN-GB")
    assert not language_matches("en-GB", "en-US")
    assert not language_matches("en-GB", "en")
    with pytest.raises(ValueError, match="negative"):
        agent("a", capacity=-1)


def test_reassignment_waits_for_the_presence_grace() -> None:
    grace = {"away_after": timedelta(minutes=15), "offline_after": timedelta(0)}
    assert reassignment_due_at(Presence.AWAY, T0, **grace) == T0 + timedelta(minutes=15)
    assert reassignment_due_at(Presence.OFFLINE, T0, **grace) == T0
    assert reassignment_due_at(Presence.ONLINE, T0, **grace) is None
    never = reassignment_due_at(Presence.AWAY, T0, away_after=None, offline_after=None)
    assert never is None
