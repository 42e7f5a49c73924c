"""A message's verdict and its conversation's category: the thread rules, one by one."""

from __future__ import annotations

import pytest

from dmdesk.domain.enums import Category
from dmdesk.domain.thread_category import Settled, settle_category

S, C, SU, SA, CO, G = (
    Category.SPAM,
    Category.COMPLAINT,
    Category.SUPPORT,
    Category.SALES,
    Category.COLLABORATION,
    Category.GENERAL,
)


def _settle(
    current: Category | None,
    proposed: Category | None,
    *,
    conf: float = 0.8,
    answered: bool = False,
) -> Settled:
    return settle_category(current, 0.7, proposed, conf, answered=answered)


def test_an_unknown_message_changes_nothing() -> None:
    assert _settle(SU, None) == Settled(SU, 0.7)
    assert _settle(None, None) == Settled(None, 0.7)


@pytest.mark.parametrize("proposed", list(Category))
def test_a_new_conversation_takes_the_message_category(proposed: Category) -> None:
    assert _settle(None, proposed, conf=0.55) == Settled(proposed, 0.55)


def test_the_same_category_takes_the_new_confidence() -> None:
    assert _settle(SA, SA, conf=0.9) == Settled(SA, 0.9)


def test_spam_quarantines_only_an_unanswered_thread() -> None:
    assert _settle(SU, S) == Settled(S, 0.8)
    kept = _settle(SU, S, answered=True)
    assert kept.category is SU
    assert kept.confidence == 0.7
    assert "answered" in kept.kept


def test_quarantine_is_left_only_for_a_confident_support_or_complaint() -> None:
    assert _settle(S, SU, conf=0.75) == Settled(SU, 0.75)
    assert _settle(S, C, conf=0.6) == Settled(C, 0.6)
    for proposed, conf in ((SU, 0.5), (G, 0.95), (SA, 0.95), (CO, 0.95)):
        stays = _settle(S, proposed, conf=conf)
        assert stays.category is S, (proposed, conf)
        assert stays.kept


@pytest.mark.parametrize("current", [SU, SA, CO, G])
def test_a_complaint_always_wins(current: Category) -> None:
    assert _settle(current, C) == Settled(C, 0.8)


@pytest.mark.parametrize("proposed", [SU, SA, CO])
def test_general_gives_way_to_the_thread_purpose(proposed: Category) -> None:
    assert _settle(G, proposed) == Settled(proposed, 0.8)


@pytest.mark.parametrize(("current", "proposed"), [(SA, SU), (CO, SU), (CO, SA)])
def test_a_confident_message_higher_in_precedence_moves_the_thread_up(
    current: Category, proposed: Category
) -> None:
    assert _settle(current, proposed, conf=0.6) == Settled(proposed, 0.6)
    unsure = _settle(current, proposed, conf=0.59)
    assert (unsure.category, unsure.kept) == (current, f"the thread is already {current.value}")


@pytest.mark.parametrize(
    ("current", "proposed"),
    [(SU, G), (SU, SA), (SU, CO), (C, SU), (C, G), (C, SA), (SA, G), (SA, CO), (CO, G)],
)
def test_otherwise_the_thread_keeps_its_category(current: Category, proposed: Category) -> None:
    kept = _settle(current, proposed)
    assert (kept.category, kept.confidence) == (current, 0.7)
    assert current.value in kept.kept
