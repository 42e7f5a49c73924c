"""Spam and phishing: the spam model's score combined with link flags and bait patterns.

Phishing needs evidence a reader can check: a deceptive link, or credential/payment bait
that comes with a way to act on it (a link or a phone number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dmdesk.domain.triage import LinkFinding, PiiFinding, SpamVerdict
from dmdesk.triage.links import BRANDS
from dmdesk.triage.normalize import fold_confusables

SPAM_THRESHOLD = 0.45
# A short message with nothing to act on (no link, number, address or cue) is spam by the
# model alone only when the model is sure: "please check my DM" shares words with SMS and
# comment spam. Chosen on the validation folds (SMS and smishing unchanged, YouTube -0.009).
SHORT_BARE_THRESHOLD = 0.9
SHORT_WORDS = 6
_DIGIT_RUN = re.compile(r"\d{4,}")
_DECEPTIVE = ("lookalike domain", "punycode link", "homoglyph link", "zero-width characters")
_CREDENTIAL = re.compile(
    r"verify (?:your )?(?:account|identity|details|number|email|apple id|payment)"
    r"|confirm (?:your )?(?:password|account|identity|details|card)"
    r"|(?:account|card|apple id|mailbox|page|profile|whatsapp) (?:has been|will be|is) "
    r"(?:temporarily )?(?:suspended|locked|limited|disabled|blocked|deleted|closed|restricted)"
    r"|unusual (?:activity|sign.?in)|update your (?:billing|payment|account|card)"
    r"|(?:send|share|enter) (?:me |us )?your (?:password|code|pin|otp|card number|login)"
    r"|log ?in (?:here|now|below)|appeal (?:within|here|now)"
)
_PAYMENT = re.compile(
    r"pay (?:the |a )?(?:small )?(?:\S+ )?(?:fee|customs|shipping fee|registration|toll|charge)"
    r"|gift ?card code|bank details|processing fee|wire transfer|western union"
    r"|send \S+ (?:btc|eth|usdt|bitcoin)|double (?:it|your)|guaranteed (?:profit|return)"
    r"|unpaid (?:toll|invoice|parcel)|customs fee"
)
_PRIZE = re.compile(
    r"you(?:'ve| have)? (?:been )?(?:won|selected)|\bwinner\b|claim (?:your|now|it|the)"
    r"|\bprize\b|lottery|free (?:iphone|gift|cruise|crypto|followers)|airdrop"
)
_MASS = re.compile(
    r"dear (?:customer|user|sir|madam|friend|winner|valued)|click (?:here|the link|below)"
    r"|limited (?:time|offer)|act now|(?:text|reply) (?:stop|yes|win)\b|sub ?4 ?sub|f4f"
    r"|follow (?:me )?(?:and i'll |for )?follow ?back|check out my (?:channel|profile|page)"
    r"|earn \$?\d+|(?<!\d)\d+k? followers (?:in|for)|dm (?:me|us) (?:for|now)"
)

# every _MASS branch holds one of these (a cheap test that skips most messages)
_MASS_HINTS = (
    "dear ",
    "click",
    "limited",
    "act now",
    "text",
    "reply",
    "sub",
    "f4f",
    "follow",
    "check out my",
    "earn",
    "dm ",
)

# bulk promotional SMS: offer terms, opt-out and premium-rate small print, EMI/loan offers
_PROMO = re.compile(
    r"\b(?:offer|deal|coupon|discount)s? (?:is |are )?valid (?:till|until|upto|up to|for)"
    r"|\bvalid (?:till|upto) \d|\bt ?& ?c'?s? apply\b|\bcall now\b|\bper min\b"
    r"|\bto opt.?out\b|\bopt.?out (?:reply|text|txt|sms|send)\b|\bsms (?:stop|end)\b"
    r"|\b(?:std|standard|network) (?:rates?|charges) apply\b|\bemi\b|\bpre.?approved\b"
    r"|\bloans? (?:at\b|@|upto\b|up to\b)"
    # premium-rate short codes ("sms IN to 56767"), USSD codes ("dial *121*5#"), missed-call
    r"|\b(?:text|txt|sms|send|reply)(?: \w+){0,2} to \d{4,6}\b|(?<![\w*])\*\d{2,4}(?:\*\d+)*#"
    r"|\bmissed call (?:to|on|at) \+?\d|\breply (?:end|stop|yes|no)\b"
)
# premium-rate small print in its abbreviated form: "£1.50/msg", "150p per min", "std chgs",
# "text STOP to 87239" (a customer writes "£3 per text message", which is not matched); searched
# only when one of the cheap hints is present
_PREMIUM = re.compile(
    r"(?:£|\b\d+p ?)[\d.]*(?: ?/| per) ?(?:msg|min|txt)\b"
    r"|\bstd (?:chgs?|charges|txt)\b|\bprem(?:ium)? rate\b|\btext stop to\b"
)
_PREMIUM_HINTS = ("£", "p/", "p per", "p /", "std ", "prem", "stop to")
# every _PROMO branch holds one of these
_PROMO_HINTS = (
    "valid",
    "apply",
    "call now",
    "per min",
    "opt",
    "sms",
    "emi",
    "approved",
    "loan",
    "text",
    "txt",
    "send",
    "reply",
    "#",
    "missed call",
)


def _bait(folded: str) -> list[str]:
    reasons = []
    if _CREDENTIAL.search(folded):
        reasons.append("credential bait")
    if _PAYMENT.search(folded):
        reasons.append("payment bait")
    if _PRIZE.search(folded):
        reasons.append("prize bait")
    if _found(_MASS, _MASS_HINTS, folded) or folded.count("!!") >= 3 or folded.count("$$") >= 2:
        reasons.append("mass-message pattern")
    if _found(_PROMO, _PROMO_HINTS, folded) or _found(_PREMIUM, _PREMIUM_HINTS, folded):
        reasons.append("promotional pattern")
    return reasons


def _found(pattern: re.Pattern[str], hints: tuple[str, ...], folded: str) -> bool:
    """`pattern.search(folded)`, skipped when none of the literal hints that each of its
    branches contains is present (the same answer, for a fraction of the cost)."""
    return any(h in folded for h in hints) and pattern.search(folded) is not None


def _link_reasons(links: Sequence[LinkFinding]) -> tuple[list[str], bool]:
    reasons, deceptive = [], False
    for link in links:
        for flag in link.flags:
            if flag.startswith(_DECEPTIVE):
                deceptive = True
            reasons.append(flag)
    return list(dict.fromkeys(reasons)), deceptive


def _impersonates(folded: str, links: Sequence[LinkFinding], brands: tuple[str, ...]) -> bool:
    if any("lookalike domain" in f for link in links for f in link.flags):
        return True
    names = tuple(fold_confusables(b) for b in brands if b.strip()) + BRANDS
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded) for n in names if len(n) > 2)


def _threshold(folded: str, *, bare: bool) -> float:
    short = len(folded.split()) <= SHORT_WORDS
    if bare and short and _DIGIT_RUN.search(folded) is None:
        return SHORT_BARE_THRESHOLD
    return SPAM_THRESHOLD


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def judge_spam(
    text: str,
    *,
    model_score: float,
    links: Sequence[LinkFinding] = (),
    pii: Sequence[PiiFinding] = (),
    brand_names: tuple[str, ...] = (),
) -> SpamVerdict:
    """Combine the model's probability with what the links and the wording give away."""
    folded = fold_confusables(text[:5000])
    bait = _bait(folded)
    link_reasons, deceptive = _link_reasons(links)
    actionable = bool(links) or any(p.kind == "phone" for p in pii)
    baited = {"credential bait", "payment bait"} & set(bait)
    phishing = deceptive or (bool(baited) and actionable)
    reasons = link_reasons + bait
    if baited and _impersonates(folded, links, brand_names):
        reasons.append("brand impersonation")
    # a reply of only digits and signs (an order, phone or tracking number) is never spam by
    # the model's word statistics alone; links and bait still count
    counted = model_score if _has_letters(text) else 0.0
    score = counted
    if phishing:
        score = max(score, 0.97)
    score = min(1.0, score + 0.15 * len(bait) + 0.05 * len(link_reasons))
    is_spam = phishing or score >= _threshold(folded, bare=not (bait or links or pii))
    if is_spam and counted >= SPAM_THRESHOLD:
        reasons.append(f"spam model {model_score:.2f}")
    return SpamVerdict(
        is_spam=is_spam, is_phishing=phishing, score=round(score, 4), reasons=tuple(reasons)
    )
