"""The profile job: asks Messenger and Instagram for the names their webhooks leave out.

Runs from the scheduler on every instance that runs workers; the claim in
actions/profiles.py keeps instances from asking for the same contact. A batch is small, so
a busy desk spreads its lookups over the scheduler's ticks instead of bursting at the
platform's rate limits.
"""

from __future__ import annotations

import logging
from functools import partial

import httpx
from sqlalchemy import select

from dmdesk.actions.channels import channel_config
from dmdesk.actions.profiles import (
    do_claim_profile,
    do_record_profile,
    due_profiles,
)
from dmdesk.connectors.base import ChannelConfig, ProfileLookup
from dmdesk.connectors.registry import get_connector
from dmdesk.db.database import Database
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.clock import Clock
from dmdesk.models import Channel

log = logging.getLogger(__name__)
BATCH = 20


def fill_profiles(
    db: Database, *, box: SecretBox, clock: Clock, client: httpx.Client, limit: int = BATCH
) -> int:
    """Look up to `limit` due contacts; returns how many got a name or a handle."""
    with db.session() as s:
        due = due_profiles(s, now=clock(), limit=limit)
        wanted = {d.channel_id for d in due}
        channels = {c.id: c for c in s.scalars(select(Channel).where(Channel.id.in_(wanted)))}
    configs = {cid: _config(channel, box) for cid, channel in channels.items()}
    named = 0
    for item in due:
        channel = channels[item.channel_id]
        connector, config = get_connector(channel.platform), configs[channel.id]
        if config is None or not isinstance(connector, ProfileLookup):
            continue
        claim = partial(do_claim_profile, contact_id=item.contact_id, now=clock())
        if not db.write(claim, bulk=True):
            continue
        result = connector.fetch_profile(client, config, user_id=item.external_id)
        if not result.ok:
            log.info("profile lookup failed: %s", result.error, extra={"channel_id": channel.id})
        record = partial(do_record_profile, contact_id=item.contact_id, result=result, now=clock())
        named += db.write(record, bulk=True)
    return named


def _config(channel: Channel, box: SecretBox) -> ChannelConfig | None:
    """The channel's opened config, once per batch; None (and a warning) when unusable."""
    try:
        return channel_config(channel, box)
    except ValueError:  # pydantic's ValidationError, or secrets that do not open
        log.warning("channel %s has no usable config for profile lookups", channel.id)
        return None
