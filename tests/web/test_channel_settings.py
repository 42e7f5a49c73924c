"""Channel set-up in the UI: forms generated from each connector's config model."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dmdesk.models import Channel
from dmdesk.services import Services
from dmdesk.web.views.settings_channels import platform_forms
from tests.conftest import Seeded
from tests.web.conftest import login


def test_every_platform_gets_a_form_with_its_secrets_as_password_fields() -> None:
    forms = {f.platform: f for f in platform_forms()}
    assert set(forms) == {"generic", "messenger", "instagram", "whatsapp", "telegram", "x"}
    secret_fields = {f.name for f in forms["telegram"].fields if f.secret}
    assert {"bot_token", "secret_token"} <= secret_fields
    assert any(f.name == "api_base_url" and not f.secret for f in forms["whatsapp"].fields)


def test_an_admin_connects_a_telegram_bot_and_the_secret_is_never_shown(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    page = client.get("/settings/channels")
    assert page.status_code == 200
    assert 'name="telegram.bot_token"' in page.text
    assert 'type="password"' in page.text
    resp = admin.post(
        "/settings/channels",
        {
            "platform": "telegram",
            "name": "Acme bot",
            "external_id": "777",
            "telegram.bot_token": "777:AAsecretTOKEN",
            "telegram.secret_token": "hush-123",
        },
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "/webhooks/telegram/" in resp.text
    assert "AAsecretTOKEN" not in resp.text
    assert "hush-123" not in resp.text
    with services.db.session() as s:
        channel = s.scalars(select(Channel).where(Channel.platform == "telegram")).one()
    assert channel.external_id == "777"
    assert "AAsecretTOKEN" not in channel.secrets_encrypted


def test_agents_cannot_connect_channels(client: Any, seeded: Seeded) -> None:
    agent = login(client, "agent@acme.test")
    resp = agent.post(
        "/settings/channels",
        {"platform": "generic", "name": "Sneaky", "generic.secret": "abc"},
        follow_redirects=True,
    )
    assert "needs the admin role" in resp.text
