"""The connector protocol: what every platform module provides.

A connector is a pure translator. `parse()` touches no database and no network;
`send()` and, where a platform has one, `fetch_profile()` are the only methods that do I/O
(HTTP calls whose base URL comes from the channel config so the simulator can play the
platform).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel

from dmdesk.domain.enums import Platform
from dmdesk.domain.inbound import InboundEvent
from dmdesk.domain.outbound import OutboundMessage, SendResult


class PayloadError(ValueError):
    """The body is not what the platform sends: answered 400 with this message."""


@dataclass(frozen=True)
class HandshakeReply:
    """The answer to a platform's GET handshake (Meta hub.challenge, X crc_token)."""

    status: int
    body: str
    media_type: str = "text/plain"


@dataclass
class ParseResult:
    """Events grouped by the account (page / IG account / number / bot / X user) they belong to.

    `ignored` counts items deliberately skipped (typing indicators, other webhook fields).
    """

    events: list[InboundEvent] = field(default_factory=list)
    ignored: int = 0

    @property
    def account_ids(self) -> set[str]:
        return {e.account_id for e in self.events}


class ChannelConfig(BaseModel):
    """Base for a connector's channel settings; secrets are fields named in `secret_fields`."""

    api_base_url: str | None = None


class Connector(Protocol):
    platform: ClassVar[Platform]
    config_model: ClassVar[type[ChannelConfig]]
    secret_fields: ClassVar[tuple[str, ...]]
    # "path": one endpoint per channel (/webhooks/<platform>/{channel_id});
    # "payload": one endpoint per app, routed by the account id inside the payload.
    routing: ClassVar[str]

    def handshake(self, query: Mapping[str, str], configs: list[ChannelConfig]) -> HandshakeReply:
        """Answer the platform's GET verification; 403 when no config accepts it."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        """Constant-time check of the request's signature or secret token."""
        ...

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        """Translate a webhook body into domain events; raises PayloadError when malformed."""
        ...

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        """Call the platform's send API and classify the answer."""
        ...


@dataclass(frozen=True)
class ProfileResult:
    """What a platform's profile API said about a person: their name and handle, or why not.
    `retry` marks a failure worth trying again soon (network, 5xx, rate limit), after
    `retry_after_s` when the failure suggests a wait."""

    ok: bool
    name: str | None = None
    handle: str | None = None
    retry: bool = False
    retry_after_s: float | None = None
    error: str | None = None


@runtime_checkable
class ProfileLookup(Protocol):
    """A connector whose webhooks carry only an id (Messenger, Instagram) and whose platform
    answers a profile request for it; the others send the name with every message."""

    def fetch_profile(
        self, client: httpx.Client, config: ChannelConfig, *, user_id: str
    ) -> ProfileResult:
        """Ask the platform for the person's public name and handle (nothing else)."""
        ...


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison; a missing header never matches."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works on plain dicts too."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def json_body(body: bytes) -> Any:
    import json

    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
