"""Who the simulator plays: one business account per platform, with the secrets dmdesk holds."""

from __future__ import annotations

from dataclasses import dataclass, field

PLATFORMS = ("messenger", "instagram", "whatsapp", "telegram", "x")


@dataclass(frozen=True)
class SimAccount:
    """A business account as dmdesk's channel knows it.

    `account_id` is the Page id / IG account id / phone number id / bot id / X user id;
    `secret` signs webhooks (Meta app secret, Telegram secret token, X consumer secret);
    `channel_id` is only used by Telegram's per-channel webhook path.
    """

    account_id: str
    secret: str
    channel_id: int | None = None
    waba_id: str = "102290129340398"
    display_phone_number: str = "15550100001"


@dataclass(frozen=True)
class SimAccounts:
    """The accounts of one simulated desk, keyed by platform name."""

    by_platform: dict[str, SimAccount] = field(default_factory=dict)

    def get(self, platform: str) -> SimAccount:
        try:
            return self.by_platform[platform]
        except KeyError:
            raise KeyError(f"no simulated {platform} account configured") from None

    @classmethod
    def demo(cls, *, telegram_channel_id: int = 1) -> SimAccounts:
        """Fake ids and secrets matching the shared fixtures; handy for local runs and tests."""
        return cls(
            {
                "messenger": SimAccount("100000000000001", "fake_app_secret_0123456789abcdef"),
                "instagram": SimAccount("17841400000000001", "fake_app_secret_0123456789abcdef"),
                "whatsapp": SimAccount("1122334455667", "fake_app_secret_0123456789abcdef"),
                "telegram": SimAccount(
                    "7100000001", "fake-secret_0123456789", channel_id=telegram_channel_id
                ),
                "x": SimAccount(
                    "1000000000000000001", "fake_consumer_secret_0123456789ABCDEFGHIJKLMNOPQRSTUV"
                ),
            }
        )
