"""Instagram DMs connector (Instagram professional accounts). This docstring is the setup guide.

Two app flavours deliver the same webhooks:
* Instagram API with Instagram Login (no Facebook Page): add the Instagram product,
  permissions `instagram_business_basic` + `instagram_business_manage_messages`; sends go
  to `https://graph.instagram.com` (set `api_base_url` to it) with an Instagram user token.
* Messenger API for Instagram (Facebook Login, IG account linked to a Page): permissions
  `instagram_basic`, `instagram_manage_messages`, `pages_manage_metadata`; the app must
  be subscribed on the linked Page; sends go to `https://graph.facebook.com` (default).

Webhook: callback URL `https://<your desk>/webhooks/instagram`, verify token of your
choice, fields `messages`, `messaging_postbacks`, `messaging_seen`, `message_reactions`,
`messaging_referral`. Webhooks only flow for app-role users until the app is published
with Advanced Access.

Channel settings: `account_id` = the IG professional account id (`entry[].id`),
`app_secret`, optional `instagram_app_secret` (Instagram Login shows its own secret; which
one signs the webhooks is unverified, so a signature under either is accepted),
`verify_token`, `access_token`, `api_version` (default v21.0), `api_base_url`.

Webhooks carry only the person's Instagram-scoped id; the desk asks the user profile API
(`GET /{IGSID}?fields=name,username`, with the channel's token) for their name once.

Window: 24 h after the person's last message; 7 days with the `HUMAN_AGENT` tag (App
Review). Story media and story-mention CDN URLs expire: keep the URL, never the media.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import httpx

from dmdesk.connectors.base import ChannelConfig, ProfileResult
from dmdesk.connectors.messenger import MessengerConnector
from dmdesk.connectors.meta import (
    MetaConfig,
    graph_profile,
    meta_verify,
    profile_text,
    send_graph_message,
)
from dmdesk.domain.enums import Platform
from dmdesk.domain.outbound import OutboundMessage, SendResult


class InstagramConfig(MetaConfig):
    """An Instagram professional account; `instagram_app_secret` is for Instagram Login apps."""

    instagram_app_secret: str | None = None


class InstagramConnector(MessengerConnector):
    """Same webhook envelope as Messenger (object "instagram"); only secrets and sends differ."""

    platform: ClassVar[Platform] = Platform.INSTAGRAM
    config_model: ClassVar[type[ChannelConfig]] = InstagramConfig
    secret_fields: ClassVar[tuple[str, ...]] = (
        "app_secret",
        "instagram_app_secret",
        "verify_token",
        "access_token",
    )
    object_name: ClassVar[str] = "instagram"

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        assert isinstance(config, InstagramConfig)
        secrets = [config.app_secret, config.instagram_app_secret or ""]
        return meta_verify(body, headers, secrets=secrets)

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, MetaConfig)
        # Instagram takes messaging_type only with a tag and has no echo metadata.
        return send_graph_message(
            client,
            config,
            account_id=account_id,
            message=message,
            always_messaging_type=False,
            with_metadata=False,
        )

    def fetch_profile(
        self, client: httpx.Client, config: ChannelConfig, *, user_id: str
    ) -> ProfileResult:
        """The Instagram user profile API: the person's name and @username."""
        assert isinstance(config, MetaConfig)
        failure, body = graph_profile(client, config, user_id=user_id, fields=("name", "username"))
        if failure is not None:
            return failure
        return ProfileResult(
            ok=True, name=profile_text(body, "name"), handle=profile_text(body, "username")
        )
