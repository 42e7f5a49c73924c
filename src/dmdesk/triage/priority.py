"""Priority: urgent support first, then sales, then the rest; complaints and anger raised.

support HIGH (URGENT when time-critical), complaint HIGH (URGENT when time-critical or
strongly negative), sales NORMAL, collaboration/general LOW, spam LOW. A strongly negative
message goes up one step; a workspace rule's priority replaces all of this.
"""

from __future__ import annotations

import re

from dmdesk.domain.enums import Category, Priority

STRONGLY_NEGATIVE = -0.6
_URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|emergency|immediately|right now|today|tonight|deadline"
    r"|fraud(?:ulent)?|stolen|hacked|scammed|locked out|can'?t (?:access|log ?in|pay)"
    r"|charged twice|unauthori[sz]ed|not working|down|outage|no (?:internet|power|signal)"
    r"|dangerous|injur(?:ed|y)|allergic|burn(?:ed|t)?|lost (?:my )?(?:card|luggage|bag))\b"
    r"|!!!|🚨|‼"
)
_BASE = {
    Category.SUPPORT: Priority.HIGH,
    Category.COMPLAINT: Priority.HIGH,
    Category.SALES: Priority.NORMAL,
    Category.COLLABORATION: Priority.LOW,
    Category.GENERAL: Priority.LOW,
    Category.SPAM: Priority.LOW,
}
_UP = {
    Priority.LOW: Priority.NORMAL,
    Priority.NORMAL: Priority.HIGH,
    Priority.HIGH: Priority.URGENT,
    Priority.URGENT: Priority.URGENT,
}


def decide_priority(
    category: Category | None, *, sentiment: float, text: str
) -> tuple[Priority, tuple[str, ...]]:
    """The priority and the reasons for it."""
    if category is None:
        return Priority.NORMAL, ("no category: left for an agent to sort",)
    priority = _BASE[category]
    reasons = [f"{category.value} starts at {priority.value}"]
    if category is Category.SPAM:
        return priority, tuple(reasons)
    time_critical = category in (Category.SUPPORT, Category.COMPLAINT)
    cue = _URGENT.search(text[:5000].lower()) if time_critical else None
    if cue:
        priority = Priority.URGENT
        reasons.append(f"time-critical: '{cue.group().strip()}'")
    elif sentiment <= STRONGLY_NEGATIVE:
        priority = _UP[priority]
        reasons.append(f"strongly negative ({sentiment:.2f}) raised to {priority.value}")
    return priority, tuple(reasons)
