"""Connecting channels: the connector's config model validates, secrets are sealed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.connectors.base import ChannelConfig
from dmdesk.connectors.registry import get_connector
from dmdesk.db.events import record_event
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.enums import Platform
from dmdesk.domain.errors import Conflict, Invalid
from dmdesk.models import Channel


def build_config(platform: Platform, values: dict[str, Any]) -> ChannelConfig:
    connector = get_connector(platform)
    try:
        return connector.config_model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"channel settings are incomplete: {problems}") from exc


def split_secrets(
    platform: Platform, config: ChannelConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public settings, secret settings) of a validated config."""
    secret_names = set(get_connector(platform).secret_fields)
    data = config.model_dump()
    public = {k: v for k, v in data.items() if k not in secret_names}
    secret = {k: v for k, v in data.items() if k in secret_names}
    return public, secret


def do_create_channel(
    session: Session,
    *,
    workspace_id: int,
    platform: Platform | str,
    name: str,
    external_id: str | None,
    settings: dict[str, Any],
    box: SecretBox,
    at: datetime,
    actor_id: int | None = None,
) -> Channel:
    try:
        platform = Platform(platform)
    except ValueError as exc:
        raise Invalid(f"unknown platform {platform!r}", field="platform") from exc
    if not name.strip():
        raise Invalid("a channel needs a name", field="name")
    config = build_config(platform, settings)
    public, secret = split_secrets(platform, config)
    if platform is not Platform.GENERIC and not external_id:
        raise Invalid(
            "the platform account id (page / account / number / bot id) is required",
            field="external_id",
        )
    external_id = external_id or f"generic-{name.strip().lower()}"
    taken = session.scalar(
        select(Channel.id).where(
            Channel.platform == platform.value, Channel.external_id == external_id
        )
    )
    if taken is not None:
        raise Conflict(
            f"{platform.value} account {external_id} is already connected", field="external_id"
        )
    channel = Channel(
        workspace_id=workspace_id,
        platform=platform.value,
        external_id=external_id,
        name=name.strip(),
        secrets_encrypted=box.seal(secret),
        config=public,
        is_active=True,
        created_at=at,
    )
    session.add(channel)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="channel.created",
        at=at,
        actor_id=actor_id,
        data={"channel_id": channel.id, "platform": platform.value},
    )
    return channel


def channel_config(channel: Channel, box: SecretBox) -> ChannelConfig:
    """The full connector config of a stored channel (public settings + opened secrets)."""
    values = dict(channel.config)
    values.update(box.open(channel.secrets_encrypted))
    return get_connector(channel.platform).config_model.model_validate(values)
