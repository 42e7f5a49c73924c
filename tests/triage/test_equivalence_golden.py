"""Golden outputs: the triage steps that do not depend on the trained model stay identical.

`equivalence_golden.json` holds, for varied tricky inputs and the seed corpus (its texts as of
when the file was written), a digest of the features the model is trained on, the normalised
text, language, personal data, links, sentiment, priority per category and rule hits, all
computed by the implementation before the speed work. Rewrite it only after a deliberate
change of behaviour: `python -m tests.triage.test_equivalence_golden`.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dmdesk.domain.enums import Category, Priority
from dmdesk.domain.triage import KeywordRule
from dmdesk.triage.features import analyze
from dmdesk.triage.language import detect_language
from dmdesk.triage.links import find_links
from dmdesk.triage.normalize import fold_confusables, skeleton, strip_invisible
from dmdesk.triage.pii import find_pii
from dmdesk.triage.priority import decide_priority
from dmdesk.triage.rules import match_rules
from dmdesk.triage.sentiment import analyse_sentiment

GOLDEN = Path(__file__).parent / "equivalence_golden.json"
SEED = Path(__file__).parents[2] / "src" / "dmdesk" / "triage" / "seed" / "seed.jsonl"
BRANDS = ("Acme Shop", "Sunny Co")
RULES = (
    KeywordRule("summer", ("summer sale", "SUNNY24"), category=Category.SALES),
    KeywordRule("refunds", ("refund",), priority=Priority.URGENT),
    KeywordRule("verify", ("verify",), category=Category.SUPPORT, override_spam=True),
)

TRICKY: dict[str, str] = {
    "empty": "",
    "whitespace": "   \n\t ",
    "emoji_only": "😀😀😀🎉",
    "emoji_skin_tone": "👍🏽👍🏽 ❤️ 😡😡",
    "long_x": "x" * 20_000,
    "long_words": "help me please, my order 12345 is late " * 520,
    "long_mixed": ("Card 4111 1111 1111 1111 at paypa1.com! Привет 你好 " * 400)[:20_000],
    "over_limit": "where is my refund " * 1_500,
    "mixed_scripts": "Привет hello 你好 مرحبا שלום γειά σου नमस्ते",
    "greek_sigma": "ΣΑΣ ΟΔΟΣ σοφός ΌΣΟΣ'Σ ΑΣ' πολύ κακό",
    "turkish_dotted": "İstanbul İİİ sipariş çok kötü ı ǅ ß ﬁ",
    "fullwidth": "ＨＴＴＰＳ://ｐａｙｐａｌ.ｃｏｍ ５５５ ①②③",
    "zero_width_link": "verify at pay\u200bpal.com now",
    "zero_width_only": "\u200b\u200b\u200b",
    "zero_width_words": "wor\u200bst ser\u2060vice e\ufeffver",
    "bidi": "\u202eevil\u202c.com bit.ly/x 192.168.0.1/a",
    "cyrillic_link": "login at www.p\u0430yp\u0430l.com",
    "homoglyph_brand": "www.аррӏе.com/login 🚨‼ your account is locked",
    "punycode": "https://xn--pypal-4ve.com verify your account",
    "workspace_lookalike": "Acme Shop refund at acme-shopp.com and sunnyco.login.xyz",
    "control_chars": "\x00\x01 control chars \ud7ff",
    "cards": "Card 4111 1111 1111 1111 and 4111-1111-1111-1112 and 378282246310005",
    "card_fails_luhn": "my card 4111 1111 1111 1112 was charged twice",
    "ibans": "IBAN GB82 WEST 1234 5698 7654 32 thanks, and DE89370400440532013000",
    "iban_bad": "GB82 WEST 1234 5698 7654 33 or GB00XXXX",
    "phones": "call me +44 20 7946 0958 or 0044 20 7946 0958 or (555) 123-4567 x12",
    "phone_like": "order 2024-05-01, ip 10.0.0.1, ssn 123-45-6789, 10115 Berlin 12",
    "arabic_digits": "٣٤٥٦٧٨٩٠١٢٣٤ ١٢٣٤٥٦٧ رقم",
    "emails": "mail me at a.b+c@ex-ample.co.uk or @handle or x@y",
    "shouting": "WORST SERVICE EVER!!! NOT HAPPY!!! FIX IT TODAY",
    "negation": "I'm not happy, really not good, don't love it, can't complain",
    "repeats": "aaaaaaaaa!!!!!!!???? sooooo gooood 0000000",
    "urls": "see https://bit.ly/abc, www.example.org/x?y=1 and shop.example.co.uk.",
    "hxxp": "hxxps://login-paypal.com.verify.top/a http://1.2.3.4:8080/x",
    "campaign": "Is the SUMMER   sale still on? code sunny24",
    "nbsp": "order\u00a0number\u2009missing\u3000please",
    "apostrophes": "it's isn't ’quoted’ 'single' l'été don't",
    "only_digits": "1234567 89",
    "only_punct": "!!! ??? ... ,,,",
    "spanish": "Hola, ¿dónde está mi pedido? No ha llegado, muy molesto",
    "german": "Hallo, meine Bestellung ist nicht angekommen. Sehr schlecht!",
    "japanese": "注文はまだ届いていません",
    "korean": "주문이 아직 안 왔어요",
    "ukrainian": "Привіт, де моє замовлення? Їжак",
    "persian": "سلام سفارش من کجاست پچ",
    "hebrew": "שלום, איפה ההזמנה שלי",
    "thai": "สวัสดี คำสั่งซื้อของฉันอยู่ที่ไหน",
    "spam_prize": "Congratulations! You have won a FREE iPhone, claim your prize: bit.ly/win",
    "spam_payment": "Parcel held: pay the small customs fee at dhl-parcel.top call 07700900123",
}


def seed_texts() -> list[str]:
    """The seed corpus as committed when the golden file was written (used to regenerate)."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(line)["text"]) for line in lines if line.strip()]


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def feature_digest(features: list[str]) -> str:
    """The features in order, each with its count: identical list, identical digest."""
    return _digest("\x1f".join(features))


def model_independent(text: str) -> dict[str, Any]:
    """Everything the pipeline decides without the trained model, as plain JSON."""
    body = text[:20_000]
    mood = analyse_sentiment(body)
    features = analyze(body)
    words = fold_confusables(body).split()[:40]
    return {
        "features": feature_digest(features),
        "n_features": len(features),
        "folded": _digest(fold_confusables(body)),
        "stripped": _digest(strip_invisible(body)),
        "skeletons": _digest("\x1f".join(skeleton(w) for w in words)),
        "language": [detect_language(body).language, detect_language(body).confidence],
        "pii": [p.to_json() for p in find_pii(body)],
        "links": [link.to_json() for link in find_links(body, brand_names=BRANDS)],
        "links_no_brand": [link.to_json() for link in find_links(body)],
        "sentiment": [mood.score, mood.label, list(mood.words)],
        "priority": _digest(json.dumps([_priority(c, mood.score, body) for c in CATEGORIES])),
        "support_priority": _priority(Category.SUPPORT, mood.score, body),
        "rules": [h.to_json() for h in match_rules(body, RULES)],
    }


CATEGORIES = (None, *Category)


def _priority(category: Category | None, score: float, body: str) -> list[Any]:
    priority, why = decide_priority(category, sentiment=score, text=body)
    strong, strong_why = decide_priority(category, sentiment=-0.9, text=body)
    return [priority.value, list(why), strong.value, list(strong_why)]


def cases() -> list[tuple[str, str]]:
    """(name, text) for every input: the tricky ones and the seed texts in the golden file."""
    seed: list[str] = []
    if GOLDEN.exists():  # absent only while `write_golden` runs for the first time
        seed = json.loads(GOLDEN.read_text(encoding="utf-8"))["seed_texts"]
    return [*TRICKY.items(), *((f"seed{i}", t) for i, t in enumerate(seed))]


@cache
def _golden_outputs() -> dict[str, Any]:
    outputs: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))["outputs"]
    return outputs


def test_golden_covers_every_case() -> None:
    names = [name for name, _ in cases()]
    assert sorted(names) == sorted(_golden_outputs())
    assert len(names) >= len(TRICKY) + 500


@pytest.mark.parametrize(("name", "text"), cases(), ids=[name for name, _ in cases()])
def test_model_independent_outputs_unchanged(name: str, text: str) -> None:
    assert model_independent(text) == _golden_outputs()[name]


def test_features_are_a_list_in_training_order() -> None:
    features = analyze("Love it! love IT, love it 😍")
    assert features[:3] == ["w:love", "w:it", "w:!"]
    assert features.count("<lo") == 3
    assert feature_digest(features) != feature_digest(sorted(features))


def write_golden() -> None:
    # a rewrite keeps the seed texts already in the file, so the cases stay the same
    kept = json.loads(GOLDEN.read_text(encoding="utf-8"))["seed_texts"] if GOLDEN.exists() else []
    texts = kept or seed_texts()
    named = [*TRICKY.items(), *((f"seed{i}", t) for i, t in enumerate(texts))]
    lines = [f"  {json.dumps(name)}: {json.dumps(model_independent(t))}" for name, t in named]
    body = ",\n".join(lines)
    seed = ",\n".join(f"    {json.dumps(t)}" for t in texts)
    GOLDEN.write_text(
        f'{{\n "seed_texts": [\n{seed}\n ],\n "outputs": {{\n{body}\n }}\n}}\n', encoding="utf-8"
    )


if __name__ == "__main__":
    write_golden()
