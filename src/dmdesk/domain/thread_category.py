"""How a new message's triage verdict changes its conversation's category.

Triage classifies each inbound message, but a conversation is one piece of work: its category
should say what the thread is about, not what its latest line was. A support thread followed
by "thanks!" or "any update?" stays support; a thread the team has answered is not sent to
quarantine because the customer replied with an order number that looks like an SMS short code.
What people set is never touched (the caller checks that before asking here).

The rules, in order:
1. A message without a category ("unknown") changes nothing.
2. A conversation without a category takes the message's.
3. Spam: quarantines a conversation the team has not answered yet; an answered one keeps its
   category (the verdict and its reasons stay on the message's triage record).
4. A quarantined (spam) conversation comes back only for a confident support or complaint
   message: someone waiting on something they already have.
5. A complaint always wins: a thread turning sour is what a lead needs to see.
6. A general conversation takes a more specific category (support, sales, collaboration) once
   the thread's purpose shows.
7. A confident message higher in the issue's precedence (support > sales > collaboration)
   moves the thread up: a pre-purchase chat whose customer now needs help with the order is
   support work. Nothing moves a thread down.
8. Otherwise the conversation keeps its category.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmdesk.domain.enums import Category

# the specific purposes, in the precedence: support > sales > collaboration
RANK = {Category.COLLABORATION: 1, Category.SALES: 2, Category.SUPPORT: 3}
SPECIFIC = frozenset(RANK)
RELEASES_QUARANTINE = frozenset({Category.SUPPORT, Category.COMPLAINT})
RELEASE_CONFIDENCE = 0.6
RISE_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Settled:
    """The conversation's category after the message, and why (empty when it simply follows)."""

    category: Category | None
    confidence: float | None
    kept: str = ""


def settle_category(
    current: Category | None,
    current_confidence: float | None,
    proposed: Category | None,
    proposed_confidence: float,
    *,
    answered: bool,
) -> Settled:
    """The conversation's category once a message with verdict `proposed` has arrived."""
    take = Settled(proposed, proposed_confidence)
    keep = Settled(current, current_confidence)
    if proposed is None:
        return keep
    if current is None or proposed is current:
        return take
    if proposed is Category.SPAM:
        if answered:
            return Settled(current, current_confidence, "the team already answered this thread")
        return take
    if current is Category.SPAM:
        if proposed in RELEASES_QUARANTINE and proposed_confidence >= RELEASE_CONFIDENCE:
            return take
        return Settled(current, current_confidence, "the thread stays in quarantine")
    if proposed is Category.COMPLAINT:
        return take
    if current is Category.GENERAL and proposed in SPECIFIC:
        return take
    rises = RANK.get(proposed, 0) > RANK.get(current, 99)
    if rises and proposed_confidence >= RISE_CONFIDENCE:
        return take
    return Settled(current, current_confidence, f"the thread is already {current.value}")
