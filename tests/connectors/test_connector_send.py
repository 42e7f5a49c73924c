"""send() against a real HTTP server on 127.0.0.1: exact request shapes, error classes."""

from __future__ import annotations

import httpx
import pytest
from connector_testkit import (
    NOW,
    REFERENCE,
    SKIP_REASON,
    StubApi,
    load_api,
    make_connector,
    stub_api,
)

from dmdesk.connectors.instagram import InstagramConfig
from dmdesk.connectors.messenger import MessengerConfig
from dmdesk.connectors.telegram import TelegramConfig
from dmdesk.connectors.whatsapp import WhatsAppConfig
from dmdesk.connectors.x import XConfig
from dmdesk.domain.outbound import OutboundMessage, QuickReply

pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason=SKIP_REASON)

PAGE = "100000000000001"
IG = "17841400000000001"
PHONE_ID = "1122334455667"


def _meta(model: type[MessengerConfig], api: StubApi) -> MessengerConfig:
    return model(
        app_secret="s", verify_token="v", access_token="page-token", api_base_url=api.base_url
    )


def test_messenger_response_send(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("messenger", "api_send_success.json"))
    message = OutboundMessage(
        recipient_id="2000000000000001", text="Thanks! Your order shipped today."
    )
    result = make_connector("messenger").send(
        client, _meta(MessengerConfig, api), account_id=PAGE, message=message
    )
    assert result.ok
    assert (
        result.platform_message_id == load_api("messenger", "api_send_success.json")["message_id"]
    )
    (request,) = api.requests
    assert request.path == f"/v21.0/{PAGE}/messages"
    assert request.headers["Authorization"] == "Bearer page-token"
    assert request.json == load_api("messenger", "api_send_request_response.json")


def test_messenger_human_agent_send_with_metadata_and_quick_replies(
    api: StubApi, client: httpx.Client
) -> None:
    api.reply(200, load_api("messenger", "api_send_success.json"))
    api.reply(200, load_api("messenger", "api_send_success.json"))
    connector, config = make_connector("messenger"), _meta(MessengerConfig, api)
    tagged = OutboundMessage(
        recipient_id="2000000000000001",
        text="Following up on your refund request.",
        tag="HUMAN_AGENT",
    )
    assert connector.send(client, config, account_id=PAGE, message=tagged).ok
    assert api.requests[0].json == load_api("messenger", "api_send_request_human_agent.json")
    rich = OutboundMessage(
        recipient_id="2000000000000001",
        text="Pick one",
        idempotency_key="desk:outbound:9",
        quick_replies=(QuickReply("Yes", "Y"),),
        reply_to_message_id="m_1",
    )
    assert connector.send(client, config, account_id=PAGE, message=rich).ok
    body = api.requests[1].json
    assert body["message"]["metadata"] == "desk:outbound:9"
    assert body["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "Y"}
    ]
    assert body["reply_to"] == {"mid": "m_1"}


@pytest.mark.parametrize(
    ("fixture", "status", "error_class", "code", "wait"),
    [
        ("api_error_outside_window.json", 400, "window_closed", "10", None),
        ("api_error_user_unavailable.json", 400, "unreachable", "551", None),
        ("api_error_rate_limit.json", 400, "rate_limited", "613", 60.0),
    ],
)
def test_messenger_errors_are_classified(
    api: StubApi,
    client: httpx.Client,
    fixture: str,
    status: int,
    error_class: str,
    code: str,
    wait: float | None,
) -> None:
    api.reply(status, load_api("messenger", fixture))
    message = OutboundMessage(recipient_id="2000000000000001", text="hi")
    result = make_connector("messenger").send(
        client, _meta(MessengerConfig, api), account_id=PAGE, message=message
    )
    assert not result.ok
    assert (result.error_class, result.error_code, result.retry_after_s) == (
        error_class,
        code,
        wait,
    )
    assert result.error_message


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": 190}, "auth"),
        ({"code": 10}, "auth"),
        ({"code": 2}, "retry"),
        ({"code": 100, "error_subcode": 2018001}, "permanent"),
        ({"code": 368}, "permanent"),
        ({"code": 200, "error_subcode": 1545041}, "auth"),
    ],
)
def test_graph_error_table(
    api: StubApi, client: httpx.Client, error: dict[str, int], expected: str
) -> None:
    api.reply(400, {"error": {"message": "x", "type": "OAuthException", **error}})
    message = OutboundMessage(recipient_id="1", text="hi")
    result = make_connector("messenger").send(
        client, _meta(MessengerConfig, api), account_id=PAGE, message=message
    )
    assert result.error_class == expected


def test_graph_server_error_without_envelope_is_retried(api: StubApi, client: httpx.Client) -> None:
    api.reply(503, "upstream unavailable")
    message = OutboundMessage(recipient_id="1", text="hi")
    result = make_connector("messenger").send(
        client, _meta(MessengerConfig, api), account_id=PAGE, message=message
    )
    assert (result.ok, result.error_class, result.error_code) == (False, "retry", "http_503")


def test_unreachable_server_is_retried(client: httpx.Client) -> None:
    with stub_api() as gone:
        base = gone.base_url
    config = MessengerConfig(app_secret="s", verify_token="v", access_token="t", api_base_url=base)
    result = make_connector("messenger").send(
        client, config, account_id=PAGE, message=OutboundMessage("1", "hi")
    )
    assert (result.ok, result.error_class) == (False, "retry")


@pytest.mark.parametrize(
    ("fixture", "text", "tag"),
    [
        ("api_send_request_text.json", "Thanks for reaching out!", None),
        (
            "api_send_request_human_agent.json",
            "Following up on your return - a label is on its way.",
            "HUMAN_AGENT",
        ),
    ],
)
def test_instagram_send(
    api: StubApi, client: httpx.Client, fixture: str, text: str, tag: str | None
) -> None:
    api.reply(200, load_api("instagram", "api_send_success.json"))
    message = OutboundMessage(
        recipient_id="1100000000000001", text=text, tag=tag, idempotency_key="k"
    )
    result = make_connector("instagram").send(
        client, _meta(InstagramConfig, api), account_id=IG, message=message
    )
    assert (
        result.platform_message_id == load_api("instagram", "api_send_success.json")["message_id"]
    )
    assert api.requests[0].path == f"/v21.0/{IG}/messages"
    assert api.requests[0].json == load_api("instagram", fixture)


def test_whatsapp_text_and_template_sends(api: StubApi, client: httpx.Client) -> None:
    success = load_api("whatsapp", "api_send_success.json")
    api.reply(200, success)
    api.reply(200, success)
    connector, config = make_connector("whatsapp"), _meta(WhatsAppConfig, api)
    text = OutboundMessage(recipient_id="15550100002", text="Hi! Your order A1001 shipped today.")
    result = connector.send(client, config, account_id=PHONE_ID, message=text)
    assert result.platform_message_id == success["messages"][0]["id"]
    template = OutboundMessage(
        recipient_id="15550100002",
        template_name="order_update",
        template_language="en_US",
        template_params=("Alex", "A1001"),
    )
    assert connector.send(client, config, account_id=PHONE_ID, message=template).ok
    assert api.requests[0].path == f"/v21.0/{PHONE_ID}/messages"
    assert api.requests[0].json == load_api("whatsapp", "api_send_request_text.json")
    assert api.requests[1].json == load_api("whatsapp", "api_send_request_template.json")


def test_whatsapp_reply_context(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("whatsapp", "api_send_success.json"))
    expected = load_api("whatsapp", "api_send_request_reply_context.json")
    message = OutboundMessage(
        recipient_id="15550100002",
        text=expected["text"]["body"],
        reply_to_message_id=expected["context"]["message_id"],
    )
    make_connector("whatsapp").send(
        client, _meta(WhatsAppConfig, api), account_id=PHONE_ID, message=message
    )
    # The shared sample leaves out preview_url; dmdesk always says false (the API default).
    expected["text"]["preview_url"] = False
    assert api.requests[0].json == expected


@pytest.mark.parametrize(
    ("fixture", "error_class", "wait"),
    [
        ("api_error_131047_outside_window.json", "window_closed", None),
        ("api_error_130429_throughput.json", "rate_limited", 60.0),
        ("api_error_131056_pair_rate.json", "rate_limited", 6.0),
    ],
)
def test_whatsapp_errors_are_classified(
    api: StubApi, client: httpx.Client, fixture: str, error_class: str, wait: float | None
) -> None:
    api.reply(400, load_api("whatsapp", fixture))
    message = OutboundMessage(recipient_id="15550100002", text="hi")
    result = make_connector("whatsapp").send(
        client, _meta(WhatsAppConfig, api), account_id=PHONE_ID, message=message
    )
    assert (result.ok, result.error_class, result.retry_after_s) == (False, error_class, wait)
    assert result.error_code == str(load_api("whatsapp", fixture)["error"]["code"])


def _telegram(api: StubApi) -> TelegramConfig:
    return TelegramConfig(bot_token="7100000001:FAKE", secret_token="s", api_base_url=api.base_url)


def test_telegram_send_message(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, load_api("telegram", "api_sendMessage_success.json"))
    expected = load_api("telegram", "api_sendMessage_request.json")
    message = OutboundMessage(
        recipient_id="700000001", text=expected["text"], reply_to_message_id="700000001:101"
    )
    result = make_connector("telegram").send(
        client, _telegram(api), account_id="7100000001", message=message
    )
    assert (result.ok, result.platform_message_id) == (True, "700000001:107")
    assert api.requests[0].path == "/bot7100000001:FAKE/sendMessage"
    assert api.requests[0].json == expected


@pytest.mark.parametrize(
    ("fixture", "status", "error_class", "wait"),
    [
        ("api_error_403_blocked.json", 403, "unreachable", None),
        ("api_error_429_flood.json", 429, "rate_limited", 7),
    ],
)
def test_telegram_errors_are_classified(
    api: StubApi,
    client: httpx.Client,
    fixture: str,
    status: int,
    error_class: str,
    wait: float | None,
) -> None:
    api.reply(status, load_api("telegram", fixture))
    result = make_connector("telegram").send(
        client, _telegram(api), account_id="7100000001", message=OutboundMessage("700000001", "hi")
    )
    assert (result.ok, result.error_class, result.retry_after_s) == (False, error_class, wait)
    assert result.error_message == load_api("telegram", fixture)["description"]


def _x(api: StubApi) -> XConfig:
    return XConfig(consumer_secret="c", access_token="user-token", api_base_url=api.base_url)


def test_x_send_dm(api: StubApi, client: httpx.Client) -> None:
    success = load_api("x", "api_send_dm_success.json")
    api.reply(201, success)
    expected = load_api("x", "api_send_dm_request.json")
    message = OutboundMessage(recipient_id="2000000000000000002", text=expected["text"])
    result = make_connector("x").send(
        client, _x(api), account_id="1000000000000000001", message=message
    )
    assert (result.ok, result.platform_message_id) == (True, success["data"]["dm_event_id"])
    assert api.requests[0].path == "/2/dm_conversations/with/2000000000000000002/messages"
    assert api.requests[0].headers["Authorization"] == "Bearer user-token"
    assert api.requests[0].json == expected


def test_x_rate_limit_waits_until_reset(api: StubApi, client: httpx.Client) -> None:
    reset = int(NOW.timestamp()) + 120
    api.reply(429, load_api("x", "api_error_429.json"), **{"x-rate-limit-reset": str(reset)})
    api.reply(
        403,
        {"title": "Forbidden", "detail": "You cannot send messages to this user.", "status": 403},
    )
    connector, message = make_connector("x"), OutboundMessage("2000000000000000002", "hi")
    limited = connector.send(client, _x(api), account_id="1", message=message)
    assert (limited.error_class, limited.error_code, limited.retry_after_s) == (
        "rate_limited",
        "429",
        120.0,
    )
    refused = connector.send(client, _x(api), account_id="1", message=message)
    assert (refused.error_class, refused.error_message) == (
        "unreachable",
        "You cannot send messages to this user.",
    )


@pytest.mark.parametrize("platform", ["messenger", "whatsapp", "telegram", "x"])
def test_empty_messages_are_refused_without_a_request(
    api: StubApi, client: httpx.Client, platform: str
) -> None:
    configs = {
        "messenger": _meta(MessengerConfig, api),
        "whatsapp": _meta(WhatsAppConfig, api),
        "telegram": _telegram(api),
        "x": _x(api),
    }
    result = make_connector(platform).send(
        client, configs[platform], account_id="1", message=OutboundMessage("2")
    )
    assert (result.ok, result.error_class) == (False, "permanent")
    assert api.requests == []


def test_telegram_set_webhook_payload_matches_the_reference() -> None:
    from dmdesk.connectors.telegram import set_webhook_payload

    expected = load_api("telegram", "api_setWebhook_request.json")
    payload = set_webhook_payload(expected["url"], secret_token=expected["secret_token"])
    assert payload == expected


def test_whatsapp_mark_read_with_typing(api: StubApi, client: httpx.Client) -> None:
    from dmdesk.connectors.meta import cloud_mark_read

    api.reply(200, {"success": True})
    expected = load_api("whatsapp", "api_mark_read_request.json")
    result = cloud_mark_read(
        client,
        _meta(WhatsAppConfig, api),
        account_id=PHONE_ID,
        message_id=expected["message_id"],
        typing=True,
    )
    assert result.ok
    assert api.requests[0].json == expected


@pytest.mark.parametrize(
    ("platform", "expected_path", "expected_body"),
    [
        (
            "messenger",
            f"/v21.0/{PAGE}/messages",
            {
                "recipient": {"id": "2"},
                "messaging_type": "RESPONSE",
                "message": {
                    "attachment": {
                        "type": "image",
                        "payload": {
                            "url": "https://cdn.example.invalid/a.jpg",
                            "is_reusable": True,
                        },
                    }
                },
            },
        ),
        (
            "whatsapp",
            f"/v21.0/{PHONE_ID}/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "2",
                "type": "image",
                "image": {"link": "https://cdn.example.invalid/a.jpg", "caption": "your receipt"},
            },
        ),
        (
            "telegram",
            "/bot7100000001:FAKE/sendPhoto",
            {"chat_id": 2, "photo": "https://cdn.example.invalid/a.jpg", "caption": "your receipt"},
        ),
    ],
)
def test_attachment_sends(
    api: StubApi,
    client: httpx.Client,
    platform: str,
    expected_path: str,
    expected_body: dict[str, object],
) -> None:
    replies = {
        "messenger": {"recipient_id": "2", "message_id": "m_1"},
        "whatsapp": load_api("whatsapp", "api_send_success.json"),
        "telegram": load_api("telegram", "api_sendMessage_success.json"),
    }
    api.reply(200, replies[platform])
    configs = {
        "messenger": _meta(MessengerConfig, api),
        "whatsapp": _meta(WhatsAppConfig, api),
        "telegram": _telegram(api),
    }
    text = None if platform == "messenger" else "your receipt"
    message = OutboundMessage(
        recipient_id="2",
        text=text,
        attachment_kind="image",
        attachment_url="https://cdn.example.invalid/a.jpg",
    )
    account = {"messenger": PAGE, "whatsapp": PHONE_ID, "telegram": "7100000001"}[platform]
    assert (
        make_connector(platform)
        .send(client, configs[platform], account_id=account, message=message)
        .ok
    )
    assert (api.requests[0].path, api.requests[0].json) == (expected_path, expected_body)


def test_meta_refuses_text_with_attachment_and_x_refuses_media(
    api: StubApi, client: httpx.Client
) -> None:
    both = OutboundMessage(
        recipient_id="2", text="hi", attachment_url="https://cdn.example.invalid/a.jpg"
    )
    meta = make_connector("messenger").send(
        client, _meta(MessengerConfig, api), account_id=PAGE, message=both
    )
    x = make_connector("x").send(client, _x(api), account_id="1", message=both)
    assert (meta.error_class, meta.error_code) == ("permanent", "text_and_attachment")
    assert (x.error_class, x.error_code) == ("permanent", "unsupported_message")
    assert api.requests == []
