"""The vocabulary of simulated people: who they are, what they do, and the platform ids it gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

StepKind = Literal["text", "image", "story_reply", "reaction", "quick_reply"]


@dataclass(frozen=True)
class Person:
    """One simulated customer; `number` derives their id on every platform."""

    number: int
    name: str
    handle: str
    external_id: str | None = None  # a person met through the desk's sends: their real id

    def platform_id(self, platform: str) -> str:
        if self.external_id:
            return self.external_id
        ids = {
            "messenger": f"29{self.number:014d}",
            "instagram": f"119{self.number:013d}",
            "whatsapp": f"1555020{self.number:04d}",
            "telegram": str(800_000_000 + self.number),
            "x": str(3_000_000_000_000_000_000 + self.number),
        }
        return ids[platform]


# The simulated people: Person(number=1000 + i) is NAMES[i] on every platform.
NAMES = [
    ("Ada Lovelace", "ada_l"), ("Grace Hopper", "amazing_grace"), ("Alan Turing", "a_turing"),
    ("Katherine Johnson", "kj_orbits"), ("Linus Pauling", "vitamin_linus"),
    ("Hedy Lamarr", "hedy_fhss"), ("Tim Berners", "www_tim"), ("Radia Perlman", "spanning_r"),
]  # fmt: skip
_ID_PREFIXES = {"messenger": ("29", 14), "instagram": ("119", 13)}


def person_with_id(platform: str, platform_id: str) -> Person | None:
    """The simulated person behind a Messenger or Instagram id, for the profile APIs."""
    prefix, width = _ID_PREFIXES.get(platform, ("", 0))
    digits = platform_id[len(prefix) :]
    if not prefix or not platform_id.startswith(prefix) or len(digits) != width:
        return None
    index = int(digits) - 1000 if digits.isdigit() else -1
    if not 0 <= index < len(NAMES):
        return None
    name, handle = NAMES[index]
    return Person(number=1000 + index, name=name, handle=handle)


@dataclass(frozen=True)
class ScriptStep:
    """One thing a person does. `seq` is unique per run and derives the platform message id;
    a reaction targets `target_message_id` (a platform id) or else the person's message
    `target_seq`. A quick_reply is a tap on the button titled `text` that carries `payload`,
    on the desk's message `target_message_id` (Telegram: "<chat id>:<message id>")."""

    kind: StepKind
    person: Person
    seq: int
    at: datetime
    text: str | None = None
    emoji: str | None = None
    target_seq: int | None = None
    target_message_id: str | None = None
    image_url: str = "https://cdn.example.invalid/sim/photo.jpg"
    payload: str | None = None

    def story_id(self) -> str:
        return f"1800000000{self.seq:07d}"

    def story_url(self) -> str:
        return f"https://lookaside.example.invalid/ig_messaging_cdn/?asset_id=sim{self.seq}"


def message_id(platform: str, seq: int) -> str:
    """The id the platform gives a person's message number `seq` (Telegram: per-chat int)."""
    ids = {
        "messenger": f"m_sim{seq:010d}",
        "instagram": f"aWdfc2ltX21pZA{seq:010d}",
        "whatsapp": f"wamid.SIM{seq:010d}",
        "telegram": str(seq),
        "x": str(1_900_000_000_000_000_000 + seq),
    }
    return ids[platform]


def target_id(platform: str, step: ScriptStep) -> str:
    if step.target_message_id:
        return step.target_message_id
    return message_id(platform, step.target_seq if step.target_seq is not None else step.seq)
