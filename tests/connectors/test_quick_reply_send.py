"""Quick replies go out in each platform's own shape (Messenger/Instagram quick_replies,
WhatsApp reply buttons or a list, Telegram inline keyboard) and as a numbered list where
the platform has none (X, plain webhooks). Requests hit a real server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from connector_testkit import REFERENCE, SKIP_REASON, StubApi, load_api, make_connector

from dmdesk.connectors.generic import GenericConfig, GenericConnector
from dmdesk.connectors.instagram import InstagramConfig
from dmdesk.connectors.messenger import MessengerConfig
from dmdesk.connectors.telegram import TelegramConfig
from dmdesk.connectors.whatsapp import WhatsAppConfig
from dmdesk.connectors.x import XConfig
from dmdesk.domain.outbound import OutboundMessage, QuickReply

pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason=SKIP_REASON)

TWO = (QuickReply("Skincare routine tips", "FLOW_1_start_0"), QuickReply("Hair", "FLOW_1_start_1"))
FIVE = tuple(QuickReply(f"Option number {i} is long", f"FLOW_1_menu_{i}") for i in range(5))


def _send(
    platform: str, config: Any, api: StubApi, client: httpx.Client, quick: tuple[QuickReply, ...]
) -> dict[str, Any]:
    message = OutboundMessage(
        recipient_id="2000000000000001", text="Which one?", quick_replies=quick
    )
    connector = GenericConnector() if platform == "generic" else make_connector(platform)
    assert connector.send(client, config, account_id="1", message=message).ok
    body = api.requests[-1].json
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize(
    ("platform", "model"), [("messenger", MessengerConfig), ("instagram", InstagramConfig)]
)
def test_meta_quick_replies(
    api: StubApi, client: httpx.Client, platform: str, model: type[MessengerConfig]
) -> None:
    api.reply(200, load_api("messenger", "api_send_success.json"))
    config = model(app_secret="s", verify_token="v", access_token="t", api_base_url=api.base_url)
    body = _send(platform, config, api, client, TWO)
    assert body["message"]["text"] == "Which one?"
    assert body["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Skincare routine tip", "payload": "FLOW_1_start_0"},
        {"content_type": "text", "title": "Hair", "payload": "FLOW_1_start_1"},
    ]


def _wa(api: StubApi) -> WhatsAppConfig:
    return WhatsAppConfig(
        app_secret="s", verify_token="v", access_token="t", api_base_url=api.base_url
    )


def test_whatsapp_reply_buttons_up_to_three(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("whatsapp", "api_send_success.json"))
    body = _send("whatsapp", _wa(api), api, client, TWO)
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Which one?"},
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": "FLOW_1_start_0", "title": "Skincare routine tip"},
                },
                {"type": "reply", "reply": {"id": "FLOW_1_start_1", "title": "Hair"}},
            ]
        },
    }


def test_whatsapp_list_beyond_three(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("whatsapp", "api_send_success.json"))
    body = _send("whatsapp", _wa(api), api, client, FIVE)
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert len(interactive["action"]["button"]) <= 20
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [q.payload for q in FIVE]
    assert all(len(r["title"]) <= 24 for r in rows)


def test_telegram_inline_keyboard(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("telegram", "api_sendMessage_success.json"))
    config = TelegramConfig(
        bot_token="7100000001:FAKE", secret_token="s", api_base_url=api.base_url
    )
    body = _send("telegram", config, api, client, TWO)
    assert body["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Skincare routine tips", "callback_data": "FLOW_1_start_0"}],
            [{"text": "Hair", "callback_data": "FLOW_1_start_1"}],
        ]
    }


def test_x_gets_a_numbered_list(api: StubApi, client: httpx.Client) -> None:
    api.reply(201, load_api("x", "api_send_dm_success.json"))
    config = XConfig(consumer_secret="c", access_token="t", api_base_url=api.base_url)
    body = _send("x", config, api, client, TWO)
    assert body == {"text": "Which one?\n\n1. Skincare routine tips\n2. Hair"}


def test_generic_webhook_gets_numbers_and_payloads(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, {"id": "out-1"})
    config = GenericConfig(secret="s", outbound_url=f"{api.base_url}/out")
    body = _send("generic", config, api, client, TWO)
    assert body["text"] == "Which one?\n\n1. Skincare routine tips\n2. Hair"
    assert body["quick_replies"][1] == {"title": "Hair", "payload": "FLOW_1_start_1"}
