"""Browser sessions: login sets an HttpOnly SameSite cookie; writes need the CSRF token."""

from __future__ import annotations

from typing import Any

from dmdesk.services import Services
from tests.conftest import Seeded


def test_login_cookie_and_csrf(client: Any, services: Services, seeded: Seeded) -> None:
    bad = client.post(
        "/login", data={"email": "admin@acme.test", "password": "wrong"}, follow_redirects=False
    )
    assert bad.status_code == 401
    ok = client.post(
        "/login", data={"email": "admin@acme.test", "password": "password1"}, follow_redirects=False
    )
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["email"] == "admin@acme.test"
    refused = client.post("/api/v1/teams", json={"name": "Care"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
