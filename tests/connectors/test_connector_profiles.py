"""fetch_profile() against a real HTTP server on 127.0.0.1: the Messenger and Instagram user
profile requests, what is kept of the answers, and which failures are worth retrying."""

from __future__ import annotations

import httpx
import pytest
from connector_testkit import StubApi, make_connector

from dmdesk.connectors.base import ProfileLookup
from dmdesk.connectors.instagram import InstagramConfig
from dmdesk.connectors.messenger import MessengerConfig
from dmdesk.connectors.registry import get_connector
from dmdesk.domain.enums import Platform

PSID = "2000000000000001"
IGSID = "1100000000000001"


def _config(model: type[MessengerConfig], base: str) -> MessengerConfig:
    return model(app_secret="s", verify_token="v", access_token="page-token", api_base_url=base)


def _lookup(platform: str) -> ProfileLookup:
    connector = make_connector(platform)
    assert isinstance(connector, ProfileLookup)
    return connector


def test_only_messenger_and_instagram_look_profiles_up() -> None:
    looks = {p.value for p in Platform if isinstance(get_connector(p), ProfileLookup)}
    assert looks == {"messenger", "instagram"}


def test_messenger_asks_for_first_and_last_name(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, {"first_name": "Peter", "last_name": "Chang", "id": PSID})
    config = _config(MessengerConfig, api.base_url)
    result = _lookup("messenger").fetch_profile(client, config, user_id=PSID)
    assert (result.ok, result.name, result.handle) == (True, "Peter Chang", None)
    (request,) = api.requests
    assert (request.method, request.path) == ("GET", f"/v21.0/{PSID}?fields=first_name%2Clast_name")
    assert request.headers["Authorization"] == "Bearer page-token"


def test_instagram_asks_for_name_and_username(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, {"name": "  Peter Chang  ", "username": "peter.chang", "id": IGSID})
    config = _config(InstagramConfig, api.base_url)
    result = _lookup("instagram").fetch_profile(client, config, user_id=IGSID)
    assert (result.ok, result.name, result.handle) == (True, "Peter Chang", "peter.chang")
    assert api.requests[0].path == f"/v21.0/{IGSID}?fields=name%2Cusername"


def test_odd_answers_keep_only_text(api: StubApi, client: httpx.Client) -> None:
    api.reply(200, {"first_name": 42, "last_name": ["x"], "id": PSID})
    api.reply(200, {"name": "", "username": "n" * 500})
    messenger = _lookup("messenger").fetch_profile(
        client, _config(MessengerConfig, api.base_url), user_id=PSID
    )
    instagram = _lookup("instagram").fetch_profile(
        client, _config(InstagramConfig, api.base_url), user_id=IGSID
    )
    assert (messenger.ok, messenger.name) == (True, None)
    assert (instagram.name, instagram.handle) == (None, "n" * 200)


@pytest.mark.parametrize(
    ("status", "body", "retry"),
    [
        (
            400,
            {
                "error": {
                    "message": "Unsupported get request.",
                    "type": "GraphMethodException",
                    "code": 100,
                    "error_subcode": 33,
                }
            },
            False,
        ),
        (
            400,
            {
                "error": {
                    "message": "(#613) Calls to this api have exceeded the rate limit.",
                    "type": "OAuthException",
                    "code": 613,
                }
            },
            True,
        ),
        (502, "<html>Bad Gateway</html>", True),
        (403, "forbidden", False),
    ],
)
def test_failures_say_whether_to_try_again(
    api: StubApi, client: httpx.Client, status: int, body: object, retry: bool
) -> None:
    api.reply(status, body)
    result = _lookup("messenger").fetch_profile(
        client, _config(MessengerConfig, api.base_url), user_id=PSID
    )
    assert (result.ok, result.retry) == (False, retry)
    assert result.error


def test_an_unreachable_platform_is_worth_retrying(client: httpx.Client) -> None:
    from tests.conftest import _free_port

    config = _config(MessengerConfig, f"http://127.0.0.1:{_free_port()}")
    result = _lookup("messenger").fetch_profile(client, config, user_id=PSID)
    assert (result.ok, result.retry, result.error) == (False, True, "ConnectError")
    assert result.retry_after_s == 60
