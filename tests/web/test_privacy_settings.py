"""The privacy settings page: admins preview and save a retention policy, switch the search
index, grant agents the view-personal-data permission and read the audit log; supervisors
read; agents are refused; forms without the CSRF token change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dmdesk.actions.pii_access import do_audit, has_pii_grant
from dmdesk.actions.users import do_create_user
from dmdesk.models import User
from dmdesk.models.people import PrivacyAudit, RetentionPolicy
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.web.conftest import Agent, ingest, login

PAGE = "/settings/privacy"


def policy_of(services: Services, seeded: Seeded) -> tuple[int, str] | None:
    with services.db.session() as s:
        p = s.get(RetentionPolicy, seeded.workspace_id)
        return (p.message_days, p.mode) if p else None


def test_admin_previews_the_dry_run_counts_then_saves(
    client: Any, services: Services, seeded: Seeded
) -> None:
    old = services.clock() - timedelta(days=40)
    ingest(services, seeded.channel_id, "m1", text="old one", at=old)
    ingest(services, seeded.channel_id, "m2", text="old two", sender="u2", at=old)
    ingest(services, seeded.channel_id, "m3", text="recent")
    admin = login(client, "admin@acme.test")
    page = client.get(PAGE).text
    assert '<a href="/settings/privacy" class="rail-link" title="Privacy"' in page
    assert "No retention policy" in page
    form = {"message_days": "30", "mode": "delete"}
    preview = admin.post(f"{PAGE}/retention", {**form, "op": "preview"})
    assert preview.status_code == 200
    shown = preview.text.split('id="retention-preview"')[1]
    assert "Dry run: nothing was changed or saved" in shown
    assert "<strong>2</strong> messages" in shown
    assert policy_of(services, seeded) is None, "a preview saves nothing"
    saved = admin.post(f"{PAGE}/retention", {**form, "op": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    assert policy_of(services, seeded) == (30, "delete")
    again = admin.post(f"{PAGE}/retention", {"message_days": "60", "op": "preview"})
    assert "<strong>0</strong> messages" in again.text
    assert policy_of(services, seeded) == (30, "delete")
    assert "Current policy: delete after 30 days" in client.get(PAGE).text


def test_retention_errors_are_shown_next_to_the_field(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    bad = admin.post(f"{PAGE}/retention", {"message_days": "0", "mode": "delete"})
    assert bad.status_code == 400
    assert 'aria-invalid="true" aria-describedby="retention-days-err"' in bad.text
    assert '<p id="retention-days-err" class="field-error">keep messages for at least' in bad.text
    typo = admin.post(f"{PAGE}/retention", {"message_days": "ten", "mode": "delete"})
    assert 'value="ten"' in typo.text
    assert "whole number of days" in typo.text
    assert policy_of(services, seeded) is None


def test_grant_toggle_and_search_index_switch(
    client: Any, services: Services, seeded: Seeded
) -> None:
    admin = login(client, "admin@acme.test")
    with services.db.session() as s:
        agent = s.get_one(User, seeded.agent_id)
    assert f'name="user_id" value="{agent.id}"' in client.get(PAGE).text
    on = admin.post(f"{PAGE}/grants", {"user_id": str(agent.id), "granted": "1"})
    assert on.status_code == 200
    assert "Saved" in on.text
    with services.db.session() as s:
        assert has_pii_grant(s, s.get_one(User, seeded.agent_id))
    assert "Revoke<span" in on.text
    admin.post(f"{PAGE}/grants", {"user_id": str(agent.id), "granted": ""})
    with services.db.session() as s:
        assert not has_pii_grant(s, s.get_one(User, seeded.agent_id))
    unknown = admin.post(f"{PAGE}/grants", {"user_id": "999999", "granted": "1"})
    assert unknown.status_code == 404
    switched = admin.post(f"{PAGE}/search-index", {"enabled": "1"})
    assert "The search index holds personal data." in switched.text


def test_audit_rows_are_listed_without_personal_data(
    client: Any, services: Services, seeded: Seeded
) -> None:
    def work(s: Any) -> None:
        admin = s.get_one(User, seeded.admin_id)
        for n in range(105):
            do_audit(
                s,
                user=admin,
                workspace_id=seeded.workspace_id,
                action="message.reveal",
                subject=("message", n + 1),
                at=services.clock(),
                rows=n,
            )

    services.db.write(work)
    login(client, "admin@acme.test")
    page = client.get(PAGE).text.split('id="audit-h"')[1]
    assert '<span class="total">100</span>' in page
    assert "message #105" in page
    assert "rows=104" in page
    assert "message #5<" not in page, "only the latest 100"
    with services.db.session() as s:
        assert s.query(PrivacyAudit).count() == 105


def test_non_admins_cannot_write_and_csrf_is_checked(
    client: Any, agent: Agent, services: Services, seeded: Seeded
) -> None:
    refused = agent.client.get(PAGE)
    assert refused.status_code == 403
    assert "The privacy settings need the supervisor role" in refused.text
    assert 'id="audit-h"' not in refused.text
    write = agent.post(f"{PAGE}/retention", {"message_days": "30", "mode": "delete"})
    assert write.status_code == 403
    grant = agent.post(f"{PAGE}/grants", {"user_id": str(seeded.agent_id), "granted": "1"})
    assert grant.status_code == 403
    with services.db.session() as s:
        assert not has_pii_grant(s, s.get_one(User, seeded.agent_id))
    no_token = agent.client.post(f"{PAGE}/search-index", data={"enabled": "1"})
    assert no_token.status_code == 403
    assert "form has expired" in no_token.text
    login(client, "admin@acme.test")
    forged = client.post(f"{PAGE}/retention", data={"message_days": "30", "csrf_token": "x"})
    assert forged.status_code == 403
    assert policy_of(services, seeded) is None


def test_supervisors_read_without_forms_or_audit(
    client: Any, services: Services, seeded: Seeded
) -> None:
    services.db.write(
        lambda s: do_create_user(
            s,
            workspace_id=seeded.workspace_id,
            email="sup@acme.test",
            password="password1",
            role="supervisor",
            at=services.clock(),
        )
    )
    sup = login(client, "sup@acme.test")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "does not hold" in page.text
    assert 'action="/settings/privacy/retention"' not in page.text
    assert 'action="/api/v1/exports/contacts"' in page.text
    assert 'name="include_pii"' not in page.text, "masked exports only"
    assert 'id="audit-h"' not in page.text
    refused = sup.post(f"{PAGE}/search-index", {"enabled": "1"})
    assert refused.status_code == 403
    assert "admin role" in refused.text


def test_the_export_form_downloads_with_the_session_and_is_audited(
    client: Any, services: Services, seeded: Seeded
) -> None:
    ingest(services, seeded.channel_id, "m1", text="mail me at maria@example.com")
    login(client, "admin@acme.test")
    assert 'name="include_pii" value="true"' in client.get(PAGE).text
    masked = client.get("/api/v1/exports/conversations", params={"format": "csv"})
    assert masked.status_code == 200
    assert masked.headers["content-type"].startswith("text/csv")
    audit = client.get(PAGE).text.split('id="audit-h"')[1]
    assert "export.conversations" in audit
    assert "include_pii=False" in audit
    assert "maria@example.com" not in audit
