"""Small steps: language, sentiment, priority, features."""

from __future__ import annotations

import pytest

from dmdesk.domain.enums import Category, Priority
from dmdesk.triage.features import analyze
from dmdesk.triage.language import detect_language
from dmdesk.triage.priority import decide_priority
from dmdesk.triage.sentiment import analyse_sentiment


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hi, where is my order? It has not arrived yet", "en"),
        ("Hola, ¿dónde está mi pedido? No ha llegado", "es"),
        ("Bonjour, ma commande n'est pas arrivée", "fr"),
        ("Hallo, meine Bestellung ist nicht angekommen", "de"),
        ("Привет, где мой заказ?", "ru"),
        ("注文はまだ届いていません", "ja"),
        ("我的订单还没有到", "zh"),
        ("주문이 아직 안 왔어요", "ko"),
        ("😀😀", "und"),
        ("", "und"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text).language == lang


def test_sentiment_directions() -> None:
    assert analyse_sentiment("worst service ever, absolutely awful 😡").label == "negative"
    assert analyse_sentiment("love it, thank you so much!").label == "positive"
    assert analyse_sentiment("where is my parcel").label == "neutral"
    assert analyse_sentiment("not bad at all").score > analyse_sentiment("bad").score


def test_priority_order() -> None:
    urgent, _ = decide_priority(Category.SUPPORT, sentiment=0.0, text="I was hacked, help")
    support, _ = decide_priority(Category.SUPPORT, sentiment=0.0, text="how do I log in")
    sales, _ = decide_priority(Category.SALES, sentiment=0.0, text="price?")
    general, _ = decide_priority(Category.GENERAL, sentiment=0.0, text="nice")
    angry, _ = decide_priority(Category.COMPLAINT, sentiment=-0.9, text="awful")
    assert (urgent, support, sales, general) == (
        Priority.URGENT,
        Priority.HIGH,
        Priority.NORMAL,
        Priority.LOW,
    )
    assert angry is Priority.URGENT
    assert decide_priority(None, sentiment=0.0, text="")[0] is Priority.NORMAL


def test_features_are_bounded_and_tokenise_links() -> None:
    feats = analyze("see https://example.com/x " + "word " * 5000)
    assert "w:zzurl" in feats
    assert len(feats) < 5000
