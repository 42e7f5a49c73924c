"""Opt-out and opt-in keywords in several languages, their confirmations, and CSAT parsing."""

from __future__ import annotations

import re
import unicodedata

OPT_OUT = {
    "stop": "en",
    "stopall": "en",
    "unsubscribe": "en",
    "cancel": "en",
    "end": "en",
    "quit": "en",
    "optout": "en",
    "opt out": "en",
    "stop all": "en",
    "stopp": "de",
    "abmelden": "de",
    "abbestellen": "de",
    "arret": "fr",
    "desabonner": "fr",
    "desinscrire": "fr",
    "baja": "es",
    "alto": "es",
    "parar": "es",
    "cancelar": "es",
    "darme de baja": "es",
    "sair": "pt",
    "descadastrar": "pt",
    "basta": "it",
    "disiscrivimi": "it",
    "annulla": "it",
    "afmelden": "nl",
    "stoppen": "nl",
    "стоп": "ru",
    "отписаться": "ru",
}
OPT_IN = frozenset({"start", "unstop", "subscribe", "resume"})
CONFIRM = {
    "en": "You are unsubscribed and will get no more automated messages. Reply START to undo.",
    "de": "Du bist abgemeldet und bekommst keine automatischen Nachrichten mehr.",
    "fr": "Vous êtes désabonné(e) et ne recevrez plus de messages automatiques.",
    "es": "Te has dado de baja y no recibirás más mensajes automáticos.",
    "pt": "Você cancelou a inscrição e não receberá mais mensagens automáticas.",
    "it": "Hai annullato l'iscrizione e non riceverai più messaggi automatici.",
    "nl": "Je bent afgemeld en krijgt geen automatische berichten meer.",
    "ru": "Вы отписались и больше не будете получать автоматические сообщения.",
}
OPT_IN_CONFIRM = "Welcome back: you are subscribed again. Reply STOP at any time to opt out."
_MAX_WORDS = 4


def normalise(text: str) -> str:
    """Case-folded, accents stripped, punctuation dropped, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


def opt_out_language(text: str | None) -> str | None:
    """The language of the opt-out word when the message is an opt-out, else None."""
    norm = normalise(text or "")
    if not norm:
        return None
    if norm in OPT_OUT:
        return OPT_OUT[norm]
    words = norm.split()
    if len(words) <= _MAX_WORDS:
        for size in (2, 1):
            head = " ".join(words[:size])
            if head in OPT_OUT:
                return OPT_OUT[head]
    return None


def is_opt_in(text: str | None) -> bool:
    return normalise(text or "") in OPT_IN


def confirmation(language: str) -> str:
    return CONFIRM.get(language, CONFIRM["en"])


_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "un": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "funf": 5,
}


def parse_csat(text: str | None, payload: str | None = None) -> int | None:
    """A 1-5 score from a quick-reply payload, a digit, stars or a number word."""
    if payload and (m := re.fullmatch(r"CSAT_([1-5])", payload)):
        return int(m.group(1))
    raw = (text or "").strip()
    stars = raw.count("⭐") + raw.count("★")
    if stars and set(raw.replace("⭐", "").replace("★", "").split()) <= {""}:
        return stars if 1 <= stars <= 5 else None
    norm = normalise(raw)
    if m := re.fullmatch(r"([1-5])(?: 5| stars?| out of 5)?", norm):
        return int(m.group(1))
    words = norm.split()
    if len(words) <= 2 and words and words[0] in _NUMBER_WORDS:
        return _NUMBER_WORDS[words[0]]
    return None
