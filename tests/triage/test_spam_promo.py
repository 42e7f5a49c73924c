"""Bulk promotional SMS wording raises the spam score; ordinary customer questions do not."""

from __future__ import annotations

import pytest

from dmdesk.triage.spam import SPAM_THRESHOLD, judge_spam


@pytest.mark.parametrize(
    "text",
    [
        "Rush! Offer valid till 21st Feb, show this SMS at the store",
        "Home loans @ 8.5% for salaried people. T&C apply",
        "New season sale starts now, to opt out reply STOP",
        "Flats from 19 lac, easy EMI, pre-approved buyers call now",
        "2bhk flats near the metro, sms IN to 567670 for a site visit",
        "Get 100% talktime on recharge, dial *121*5# to activate",
        "Business loans in 24 hours, give missed call to 08067123456",
        "Quiz: who won the 1998 final? Reply END to unsubscribe",
    ],
)
def test_promotional_sms_is_named_and_scored_up(text: str) -> None:
    verdict = judge_spam(text, model_score=0.42)
    assert "promotional pattern" in verdict.reasons
    assert verdict.score >= SPAM_THRESHOLD
    assert verdict.is_spam


@pytest.mark.parametrize(
    "text",
    [
        "Is the 20% off still on for the blue trainers?",
        "How do I unsubscribe from your marketing emails?",
        "Where is my cashback from last month's order?",
        "Your T&Cs say I can return it within 30 days, so why was my refund refused?",
        "Can I text you my order number? It's 4471203",
        "call me back on 07700 900123 please, order 55120",
        "I sent my receipt to 2 different emails and still nothing",
    ],
)
def test_customer_questions_do_not_look_promotional(text: str) -> None:
    verdict = judge_spam(text, model_score=0.42)
    assert "promotional pattern" not in verdict.reasons
    assert not verdict.is_spam
