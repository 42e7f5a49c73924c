"""Bulk promotional SMS wording raises the spam score; ordinary customer questions do not."""

from __future__ import annotations

import pytest

from dmdesk.triage.spam import SHORT_BARE_THRESHOLD, SPAM_THRESHOLD, judge_spam


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
        "Your weekly horoscope is ready, 25p/min, 16+ only",
        "Hey sexy, it's Jade, missing you! Chat now 150p per msg",
        "Fresh tones each week for your phone, std chgs apply",
        "Top tips for the big match, text STOP to 87239 to end",
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
        "You charged me £3 per text message for a service I never ordered",
        "I've replied STOP three times and your texts keep coming",
    ],
)
def test_customer_questions_do_not_look_promotional(text: str) -> None:
    verdict = judge_spam(text, model_score=0.42)
    assert "promotional pattern" not in verdict.reasons
    assert not verdict.is_spam


@pytest.mark.parametrize("text", ["12345678", "645", "#4471-2031", "07700 900123", "😀 1 2 3"])
def test_a_reply_of_numbers_is_not_spam_by_the_model_alone(text: str) -> None:
    """Order, phone and tracking numbers sent as a thread reply: no words, no model verdict."""
    verdict = judge_spam(text, model_score=0.95)
    assert not verdict.is_spam
    assert verdict.score == 0.0
    assert not any(r.startswith("spam model") for r in verdict.reasons)


def test_numbers_with_a_word_still_get_the_model_score() -> None:
    assert judge_spam("WIN 12345678", model_score=0.95).is_spam


def test_the_hint_gates_give_the_plain_search_answer() -> None:
    """`_found` skips a regex when no hint is present: it must agree with the plain search on
    every seed message and on text built to hit each branch."""
    from dmdesk.triage import datasets, spam
    from dmdesk.triage.normalize import fold_confusables

    branch_hits = [
        "offers are valid upto 5th",
        "valid till 9",
        "t&c's apply",
        "call now",
        "10 per min",
        "to opt-out",
        "optout txt",
        "sms stop",
        "network charges apply",
        "easy emi",
        "pre-approved",
        "loan @ 9%",
        "send win to 56767",
        "dial *121*5#",
        "missed call on +9",
        "reply end",
        "dear customer",
        "click here",
        "limited offer",
        "act now",
        "reply win",
        "sub4sub",
        "f4f",
        "follow for follow back",
        "check out my page",
        "earn $500",
        "5k followers in",
        "dm us now",
        "£1.50/msg",
        "150p per min",
        "std chgs",
        "prem rate",
        "text stop to 8",
        "12p /txt",
    ]
    texts = [fold_confusables(e.text) for e in datasets.seed_examples()] + branch_hits
    gates = [
        (spam._MASS, spam._MASS_HINTS),
        (spam._PROMO, spam._PROMO_HINTS),
        (spam._PREMIUM, spam._PREMIUM_HINTS),
    ]
    for pattern, hints in gates:
        for text in texts:
            assert spam._found(pattern, hints, text) == bool(pattern.search(text)), text
    assert all(any(bool(p.search(t)) for p, _ in gates) for t in branch_hits)


@pytest.mark.parametrize("text", ["Please check your message.", "please check my DM", "Replied!"])
def test_a_short_message_with_nothing_to_act_on_needs_a_sure_model(text: str) -> None:
    """Six words or fewer, no link, number, address or cue: the model alone decides only at
    SHORT_BARE_THRESHOLD (a first DM like "please check my DM" scored 0.76-0.86)."""
    assert not judge_spam(text, model_score=SHORT_BARE_THRESHOLD - 0.01).is_spam
    assert judge_spam(text, model_score=SHORT_BARE_THRESHOLD).is_spam


@pytest.mark.parametrize(
    "text",
    [
        "Call 08712460324 now",  # a number to act on
        "You have won a prize",  # a cue
        "Hello dear, I saw your page and I would love to chat",  # longer than six words
    ],
)
def test_the_usual_threshold_holds_for_everything_else(text: str) -> None:
    assert judge_spam(text, model_score=SPAM_THRESHOLD).is_spam
