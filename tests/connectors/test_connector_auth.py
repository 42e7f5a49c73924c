"""Handshakes and webhook authentication against the platforms' test vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connector_testkit import REFERENCE, SKIP_REASON, make_connector

from dmdesk.connectors.instagram import InstagramConfig
from dmdesk.connectors.messenger import MessengerConfig
from dmdesk.connectors.telegram import TelegramConfig
from dmdesk.connectors.whatsapp import WhatsAppConfig
from dmdesk.connectors.x import XConfig

needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason=SKIP_REASON)


def _vector(platform: str, name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / platform / name).read_text())  # type: ignore[no-any-return]


def _meta_config(platform: str, secret: str, **extra: str) -> MessengerConfig:
    model = {
        "messenger": MessengerConfig,
        "instagram": InstagramConfig,
        "whatsapp": WhatsAppConfig,
    }[platform]
    return model(app_secret=secret, verify_token="fake-verify-token", access_token="t", **extra)


@needs_reference
@pytest.mark.parametrize("platform", ["messenger", "whatsapp"])
def test_meta_signature_vector(platform: str) -> None:
    vector = _vector(platform, "signature_vector.json")
    body = vector["raw_body"].encode()
    connector = make_connector(platform)
    config = _meta_config(platform, vector["app_secret"])
    good = {vector["header"]: vector["expected_header_value"]}
    assert connector.verify(body, good, config)
    assert connector.verify(body, {k.lower(): v for k, v in good.items()}, config)
    assert not connector.verify(body + b" ", good, config)
    assert not connector.verify(body, {}, config)
    assert not connector.verify(body, good, _meta_config(platform, "another-secret"))


@needs_reference
def test_meta_handshake_vector() -> None:
    vector = _vector("messenger", "signature_vector.json")["verification_get"]
    connector = make_connector("messenger")
    configs = [_meta_config("messenger", "s")]
    reply = connector.handshake(vector["query"], configs)
    assert (reply.status, reply.body) == (vector["expected_status"], vector["expected_body"])
    assert reply.media_type == "text/plain"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "fake-verify-token", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "fake-verify-token"},
        {},
    ],
)
@pytest.mark.parametrize("platform", ["messenger", "instagram", "whatsapp"])
def test_meta_handshake_refuses(platform: str, query: dict[str, str]) -> None:
    reply = make_connector(platform).handshake(query, [_meta_config(platform, "s")])
    assert reply.status == 403


def test_meta_handshake_accepts_any_channel_token() -> None:
    configs = [
        _meta_config("whatsapp", "s"),
        WhatsAppConfig(app_secret="s", verify_token="second-token", access_token="t"),
    ]
    query = {"hub.mode": "subscribe", "hub.verify_token": "second-token", "hub.challenge": "42"}
    assert make_connector("whatsapp").handshake(query, configs).body == "42"


def test_instagram_accepts_either_app_secret() -> None:
    from dmdesk.connectors.meta import sign

    body = b'{"object":"instagram","entry":[]}'
    config = _meta_config("instagram", "fb-secret", instagram_app_secret="ig-secret")
    connector = make_connector("instagram")
    for secret in ("fb-secret", "ig-secret"):
        assert connector.verify(body, {"X-Hub-Signature-256": sign(secret, body)}, config)
    assert not connector.verify(body, {"X-Hub-Signature-256": sign("other", body)}, config)
    no_ig = _meta_config("instagram", "fb-secret")
    assert not connector.verify(body, {"X-Hub-Signature-256": sign("ig-secret", body)}, no_ig)


@needs_reference
def test_telegram_secret_token_vector() -> None:
    vector = _vector("telegram", "secret_token_vector.json")
    config = TelegramConfig(bot_token="1:abc", secret_token=vector["setWebhook_secret_token"])
    connector = make_connector("telegram")
    assert connector.verify(b"{}", vector["accepted_request_header"], config)
    assert not connector.verify(b"{}", vector["rejected_request_header"], config)
    assert not connector.verify(b"{}", {}, config)
    assert connector.handshake({}, [config]).status == 405


@needs_reference
def test_x_crc_and_signature_vectors() -> None:
    vector = _vector("x", "crc_and_signature_vector.json")
    config = XConfig(consumer_secret=vector["consumer_secret"], access_token="t")
    connector = make_connector("x")
    reply = connector.handshake({"crc_token": vector["crc"]["crc_token"]}, [config])
    assert reply.status == 200
    assert reply.media_type == "application/json"
    assert json.loads(reply.body) == vector["crc"]["expected_json"]
    signature = vector["signature"]
    body = signature["raw_body"].encode()
    assert connector.verify(body, {signature["header"]: signature["expected_header_value"]}, config)
    assert not connector.verify(
        body[:-1], {signature["header"]: signature["expected_header_value"]}, config
    )
    assert connector.handshake({"crc_token": "x"}, []).status == 403
    assert connector.handshake({}, [config]).status == 403
