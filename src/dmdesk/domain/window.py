"""Messaging-window policy: what a reply may be, given the person's last message.

Messenger and Instagram: anything within 24 h of the person's last message; with the
HUMAN_AGENT tag a human's reply up to 7 days. WhatsApp: free-form within 24 h, approved
templates only after. Telegram, X and generic channels have no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from dmdesk.domain.enums import Platform

STANDARD = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)

Allowed = Literal["free", "human_agent", "template_only", "closed", "no_window"]


@dataclass(frozen=True)
class WindowState:
    allowed: Allowed
    closes_at: datetime | None
    explanation: str

    @property
    def can_send_text(self) -> bool:
        return self.allowed in ("free", "human_agent", "no_window")

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.closes_at is None else max(0.0, (self.closes_at - now).total_seconds())


def window_state(
    platform: Platform | str, last_inbound_at: datetime | None, now: datetime
) -> WindowState:
    platform = Platform(platform)
    if platform in (Platform.TELEGRAM, Platform.X, Platform.GENERIC):
        return WindowState("no_window", None, "No reply window on this channel.")
    if last_inbound_at is None:
        if platform is Platform.WHATSAPP:
            return WindowState(
                "template_only", None, "The person has not written yet: only approved templates."
            )
        return WindowState("closed", None, "The person has not written yet.")
    standard_end = last_inbound_at + STANDARD
    if now < standard_end:
        return WindowState("free", standard_end, "Within 24 h of their last message.")
    if platform is Platform.WHATSAPP:
        return WindowState(
            "template_only",
            None,
            "More than 24 h since their last message: only approved templates.",
        )
    agent_end = last_inbound_at + HUMAN_AGENT
    if now < agent_end:
        return WindowState(
            "human_agent",
            agent_end,
            "After 24 h: a human agent's reply, sent with the HUMAN_AGENT tag, "
            "until 7 days after their last message.",
        )
    return WindowState(
        "closed", None, "More than 7 days since their last message: the platform refuses replies."
    )
