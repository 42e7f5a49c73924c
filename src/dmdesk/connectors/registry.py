"""The one list of connectors: adding a platform adds one line here."""

from __future__ import annotations

from dmdesk.connectors.base import Connector
from dmdesk.connectors.generic import GenericConnector
from dmdesk.domain.enums import Platform

CONNECTORS: dict[Platform, Connector] = {
    Platform.GENERIC: GenericConnector(),
}


def get_connector(platform: Platform | str) -> Connector:
    return CONNECTORS[Platform(platform)]
