"""The engine: every kind of bad input gets a verdict; the verdict serialises to JSON."""

from __future__ import annotations

import json

import pytest

from dmdesk.domain.enums import Category, Priority
from dmdesk.triage.engine import TriageEngine

BAD_INPUTS = [
    None,
    "",
    "   \n\t ",
    "😀😀😀🎉",
    "x" * 20_000,
    "help " * 4_000,
    "Привет hello 你好 مرحبا שלום",
    "verify at pay\u200bpal.com now",
    "login at www.p\u0430yp\u0430l.com",
    "https://xn--pypal-4ve.com",
    "\u200b\u200b\u200b",
    "\x00\x01 control chars \ud7ff",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_verdict(engine: TriageEngine, text: str | None) -> None:
    verdict = engine.classify(text)
    json.dumps(verdict.to_json())
    assert isinstance(verdict.priority, Priority)


def test_attachment_only(engine: TriageEngine) -> None:
    verdict = engine.classify("", attachment_kinds=("image",))
    assert verdict.category is None
    assert verdict.category_reasons == ("attachment only: image",)


def test_empty_text_is_unknown(engine: TriageEngine) -> None:
    verdict = engine.classify(None)
    assert verdict.category is None
    assert verdict.language == "und"


def test_phishing_is_spam_with_reasons(engine: TriageEngine) -> None:
    verdict = engine.classify("Your account is locked. Verify your account at paypa1.com/login")
    assert verdict.category is Category.SPAM
    assert verdict.spam.is_phishing
    assert "credential bait" in verdict.spam.reasons
    assert any(r.startswith("lookalike domain") for r in verdict.spam.reasons)
    assert verdict.priority is Priority.LOW


def test_clear_messages(engine: TriageEngine) -> None:
    assert engine.classify("How much is the blue dress in size M?").category is Category.SALES
    collab = engine.classify("I'm an influencer with 50k followers, would love to collaborate")
    assert collab.category is Category.COLLABORATION
    complaint = engine.classify("Worst service ever, my order never arrived and nobody answers")
    assert complaint.category is Category.COMPLAINT
    assert complaint.priority in (Priority.HIGH, Priority.URGENT)
    assert complaint.category_reasons


def test_pii_prompts_secure_channel(engine: TriageEngine) -> None:
    verdict = engine.classify("my card is 4111 1111 1111 1111, can you refund it?")
    assert verdict.needs_secure_channel
    assert "4111 1111" not in json.dumps(verdict.to_json())


def test_load_reads_metadata(engine: TriageEngine) -> None:
    assert engine.version.startswith("1.")
    assert TriageEngine.load().version == engine.version
