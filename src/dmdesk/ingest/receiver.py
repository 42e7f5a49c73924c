"""The webhook receiver: verify -> store raw body and events durably -> 2xx.

Nothing slow happens here: processing runs in the pipeline after the acknowledgement.
A refused request (bad signature, unknown channel, malformed body) stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dmdesk.actions.inbound_queue import ENQUEUE, Delivery, EnqueueResult
from dmdesk.connectors.base import Connector, HandshakeReply, PayloadError
from dmdesk.connectors.registry import CONNECTORS
from dmdesk.db.database import Database
from dmdesk.domain.clock import Clock
from dmdesk.domain.enums import Platform
from dmdesk.domain.inbound import InboundEvent
from dmdesk.ingest.channels import ChannelCache, ChannelEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiveOutcome:
    status: int
    detail: str
    result: EnqueueResult | None = None


class Receiver:
    def __init__(
        self,
        *,
        db: Database,
        channels: ChannelCache,
        clock: Clock,
        on_enqueued: Callable[[], None],
        count: Callable[[str, str, int], None],
    ) -> None:
        self._db = db
        self._channels = channels
        self._clock = clock
        self._on_enqueued = on_enqueued
        self._count = count

    def connector(self, platform: str) -> Connector | None:
        try:
            return CONNECTORS.get(Platform(platform))
        except ValueError:
            return None

    def handshake(
        self, platform: str, channel_id: int | None, query: Mapping[str, str]
    ) -> HandshakeReply:
        connector = self.connector(platform)
        if connector is None:
            return HandshakeReply(404, "unknown platform")
        entries = self._channels.for_platform(platform)
        if channel_id is not None:
            entries = [e for e in entries if e.id == channel_id]
        return connector.handshake(query, [e.config for e in entries])

    async def receive(
        self, *, platform: str, channel_id: int | None, body: bytes, headers: Mapping[str, str]
    ) -> ReceiveOutcome:
        connector = self.connector(platform)
        if connector is None:
            return ReceiveOutcome(404, f"unknown platform {platform!r}")
        if connector.routing == "path":
            routed = self._route_by_path(connector, platform, channel_id, body, headers)
        else:
            routed = self._route_by_payload(connector, platform, body, headers)
        if isinstance(routed, ReceiveOutcome):
            self._count(platform, "refused", 1)
            log.info(
                "webhook refused",
                extra={"platform": platform, "status": routed.status, "channel_id": channel_id},
            )
            return routed
        items, delivery_channel = routed
        at = self._clock()
        # Grouped: the writer stores a whole batch of deliveries with two INSERTs.
        result = await self._db.write_grouped_async(
            ENQUEUE, Delivery(platform, body, at, items, delivery_channel)
        )
        self._count(platform, "accepted", result.accepted)
        self._count(platform, "duplicate", result.duplicates)
        self._count(platform, "unsupported", result.dead)
        if result.accepted:
            self._on_enqueued()
        log.info(
            "webhook accepted",
            extra={
                "platform": platform,
                "delivery_id": result.delivery_id,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
            },
        )
        return ReceiveOutcome(200, "ok", result)

    def _route_by_path(
        self,
        connector: Connector,
        platform: str,
        channel_id: int | None,
        body: bytes,
        headers: Mapping[str, str],
    ) -> ReceiveOutcome | tuple[list[tuple[int, InboundEvent]], int | None]:
        entry = self._channels.by_id(platform, channel_id) if channel_id is not None else None
        if entry is None:
            return ReceiveOutcome(404, "unknown channel")
        if not connector.verify(body, headers, entry.config):
            return ReceiveOutcome(401, "signature or secret token does not match")
        try:
            parsed = connector.parse(body, channel_account_id=entry.external_id)
        except PayloadError as exc:
            return ReceiveOutcome(400, str(exc))
        return [(entry.id, ev) for ev in parsed.events], entry.id

    def _route_by_payload(
        self, connector: Connector, platform: str, body: bytes, headers: Mapping[str, str]
    ) -> ReceiveOutcome | tuple[list[tuple[int, InboundEvent]], int | None]:
        entries = self._channels.for_platform(platform)
        verified = [e for e in entries if connector.verify(body, headers, e.config)]
        if not verified:
            return ReceiveOutcome(401, "signature does not match any connected account")
        try:
            parsed = connector.parse(body)
        except PayloadError as exc:
            return ReceiveOutcome(400, str(exc))
        by_account: dict[str, ChannelEntry] = {e.external_id: e for e in verified}
        items = [
            (by_account[ev.account_id].id, ev)
            for ev in parsed.events
            if ev.account_id in by_account
        ]
        unknown = {ev.account_id for ev in parsed.events if ev.account_id not in by_account}
        if unknown and not items:
            return ReceiveOutcome(404, "no connected account matches this payload")
        if unknown:
            log.warning(
                "events for unconnected accounts skipped",
                extra={"platform": platform, "accounts": sorted(unknown)},
            )
        channel_ids = {cid for cid, _ in items}
        return items, (next(iter(channel_ids)) if len(channel_ids) == 1 else None)
