"""The one list of connectors: adding a platform adds one line here."""

from __future__ import annotations

from dmdesk.connectors.base import Connector
from dmdesk.connectors.generic import GenericConnector
from dmdesk.connectors.instagram import InstagramConnector
from dmdesk.connectors.messenger import MessengerConnector
from dmdesk.connectors.telegram import TelegramConnector
from dmdesk.connectors.whatsapp import WhatsAppConnector
from dmdesk.connectors.x import XConnector
from dmdesk.domain.enums import Platform

CONNECTORS: dict[Platform, Connector] = {
    Platform.GENERIC: GenericConnector(),
    Platform.MESSENGER: MessengerConnector(),
    Platform.INSTAGRAM: InstagramConnector(),
    Platform.WHATSAPP: WhatsAppConnector(),
    Platform.TELEGRAM: TelegramConnector(),
    Platform.X: XConnector(),
}


def get_connector(platform: Platform | str) -> Connector:
    return CONNECTORS[Platform(platform)]


def webhook_path(platform: Platform | str, channel_id: int) -> str:
    """Where a channel's platform posts: per channel, or one endpoint per platform app."""
    platform = Platform(platform)
    if get_connector(platform).routing == "path":
        return f"/webhooks/{platform.value}/{channel_id}"
    return f"/webhooks/{platform.value}"
