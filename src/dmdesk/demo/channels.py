"""The demo's five platform channels, connected to the local platform simulator.

`ensure_demo_channels(...)` creates (once) a Messenger Page, an Instagram account, a
WhatsApp number, a Telegram bot and an X account in a workspace, holding the ids and
secrets of `SimAccounts.demo()`, with each send API pointed at `dmdesk simulate`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.channels import do_create_channel
from dmdesk.db.secretbox import SecretBox
from dmdesk.models import Channel
from dmdesk.simulator.accounts import PLATFORMS, SimAccount, SimAccounts

DEFAULT_SIM_URL = "http://127.0.0.1:9100"
DEMO_VERIFY_TOKEN = "demo-verify-token"  # noqa: S105 - a fake token for the offline demo
_NAMES = {
    "messenger": "Acme Outdoor (Facebook Page)",
    "instagram": "@acme.outdoor (Instagram)",
    "whatsapp": "Acme Outdoor (WhatsApp)",
    "telegram": "@acme_outdoor_bot (Telegram)",
    "x": "@acme_outdoor (X)",
}


def demo_channel_settings(platform: str, account: SimAccount, *, sim_url: str) -> dict[str, Any]:
    """What each connector needs to talk to the simulator as the demo account."""
    base = f"{sim_url.rstrip('/')}/{platform}"
    if platform == "telegram":
        token = f"{account.account_id}:DEMO-bot-token"
        return {"bot_token": token, "secret_token": account.secret, "api_base_url": base}
    if platform == "x":
        return {
            "consumer_secret": account.secret,
            "access_token": "demo-x-token",
            "api_base_url": base,
        }
    return {
        "app_secret": account.secret,
        "verify_token": DEMO_VERIFY_TOKEN,
        "access_token": f"demo-{platform}-token",
        "api_base_url": base,
    }


def ensure_demo_channels(
    session: Session,
    *,
    workspace_id: int,
    box: SecretBox,
    at: datetime,
    sim_url: str = DEFAULT_SIM_URL,
    accounts: SimAccounts | None = None,
) -> dict[str, int]:
    """The five demo channels' ids by platform, creating the missing ones.

    A platform account already connected in another workspace is left as it is; the demo
    workspace's own channels are pointed at `sim_url` (`make run` with another
    DMDESK_SIM_PORT than the one `dmdesk demo` seeded them with).
    """
    accounts = accounts or SimAccounts.demo()
    ids: dict[str, int] = {}
    for platform in PLATFORMS:
        account = accounts.get(platform)
        existing = session.scalars(
            select(Channel).where(
                Channel.platform == platform, Channel.external_id == account.account_id
            )
        ).first()
        if existing is None:
            existing = do_create_channel(
                session,
                workspace_id=workspace_id,
                platform=platform,
                name=_NAMES[platform],
                external_id=account.account_id,
                settings=demo_channel_settings(platform, account, sim_url=sim_url),
                box=box,
                at=at,
            )
        elif existing.workspace_id == workspace_id:
            base = demo_channel_settings(platform, account, sim_url=sim_url)["api_base_url"]
            if existing.config.get("api_base_url") != base:
                existing.config = {**existing.config, "api_base_url": base}
        ids[platform] = existing.id
    return ids
