"""The triage verdict: category, priority, language, sentiment, spam, personal data, links.

Pure frozen dataclasses with `to_json()`; the triage engine produces them, the pipeline stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dmdesk.domain.enums import Category, Priority

PiiKind = Literal["email", "phone", "card", "iban"]
SentimentLabel = Literal["negative", "neutral", "positive"]
RuleTarget = Literal["category", "priority", "spam"]


@dataclass(frozen=True)
class KeywordRule:
    """A workspace rule: any of `keywords` in a message sets `category` (and/or `priority`).

    Rules beat the model; spam detected by links or bait beats a rule unless `override_spam`.
    """

    name: str
    keywords: tuple[str, ...]
    category: Category | None = None
    priority: Priority | None = None
    override_spam: bool = False


@dataclass(frozen=True)
class RuleHit:
    """One rule that matched, with the keyword that made it match."""

    rule: str
    keyword: str
    category: Category | None = None
    priority: Priority | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "keyword": self.keyword,
            "category": None if self.category is None else self.category.value,
            "priority": None if self.priority is None else self.priority.value,
        }


@dataclass(frozen=True)
class PiiFinding:
    """Personal data at `start:end` of the text; `preview` is masked, never the raw value."""

    kind: PiiKind
    start: int
    end: int
    preview: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "preview": self.preview}


@dataclass(frozen=True)
class LinkFinding:
    """A link or bare domain found in the text, with what looked wrong about it."""

    url: str
    domain: str
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "domain": self.domain, "flags": list(self.flags)}


@dataclass(frozen=True)
class SpamVerdict:
    is_spam: bool = False
    is_phishing: bool = False
    score: float = 0.0
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "is_spam": self.is_spam,
            "is_phishing": self.is_phishing,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class TriageVerdict:
    """Everything triage decided about one message, each part with its reasons."""

    category: Category | None
    category_confidence: float
    category_reasons: tuple[str, ...]
    priority: Priority
    priority_reasons: tuple[str, ...]
    language: str = "und"
    language_confidence: float = 0.0
    sentiment: float = 0.0
    sentiment_label: SentimentLabel = "neutral"
    spam: SpamVerdict = field(default_factory=SpamVerdict)
    pii: tuple[PiiFinding, ...] = ()
    links: tuple[LinkFinding, ...] = ()
    rule_hits: tuple[RuleHit, ...] = ()
    model_version: str = ""

    @property
    def needs_secure_channel(self) -> bool:
        """Prompt the agent to move the exchange off the DM when personal data appears."""
        return bool(self.pii)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": None if self.category is None else self.category.value,
            "category_confidence": round(self.category_confidence, 4),
            "category_reasons": list(self.category_reasons),
            "priority": self.priority.value,
            "priority_reasons": list(self.priority_reasons),
            "language": self.language,
            "language_confidence": round(self.language_confidence, 4),
            "sentiment": round(self.sentiment, 4),
            "sentiment_label": self.sentiment_label,
            "spam": self.spam.to_json(),
            "pii": [p.to_json() for p in self.pii],
            "needs_secure_channel": self.needs_secure_channel,
            "links": [link.to_json() for link in self.links],
            "rule_hits": [h.to_json() for h in self.rule_hits],
            "model_version": self.model_version,
        }
