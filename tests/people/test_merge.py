"""Merging people: history kept, undo restores, self and cross-workspace merges refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions import people
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import Contact, Event
from dmdesk.models.people import Person, PersonMerge
from dmdesk.services import Services
from tests.conftest import Seeded, seed_workspace
from tests.people.kit import NOW, contact_of, dm


def _person_of(services: Services, conv_id: int) -> int:
    contact = contact_of(services, conv_id)
    assert contact.person_id is not None  # the pipeline hook linked a person
    return contact.person_id


def test_merge_and_unmerge_keep_history(client: Any, services: Services, seeded: Seeded) -> None:
    a = _person_of(services, dm(services, seeded, "m1", sender="ig-1", name="Ana"))
    b = _person_of(services, dm(services, seeded, "m2", sender="wa-1", name="Ana B"))
    h = seeded.admin()
    client.patch(f"/api/v1/people/{b}", json={"email": "Ana@Example.org"}, headers=h)
    merged = client.post(f"/api/v1/people/{a}/merge", json={"source_id": b}, headers=h)
    assert merged.status_code == 200, merged.text
    card = client.get(f"/api/v1/people/{a}", headers=h).json()
    assert len(card["contacts"]) == 2
    assert card["person"]["email"] == "ana@example.org"
    assert client.post(f"/api/v1/merges/{merged.json()['id']}/undo", headers=h).status_code == 200
    card = client.get(f"/api/v1/people/{a}", headers=h).json()
    assert [c["external_id"] for c in card["contacts"]] == ["ig-1"]
    assert card["person"]["email"] is None
    assert len(card["merges"]) == 1
    assert card["merges"][0]["unmerged_at"] is not None
    again = client.post(f"/api/v1/merges/{merged.json()['id']}/undo", headers=h)
    assert again.status_code == 400
    with services.db.session() as s:
        types = list(s.scalars(select(Event.type).where(Event.type.like("contact.%merged"))))
    assert types == ["contact.merged", "contact.unmerged"]


def test_merge_with_itself_or_across_workspaces_is_refused(
    client: Any, services: Services, seeded: Seeded
) -> None:
    a = _person_of(services, dm(services, seeded, "s1", sender="x-1"))
    other = seed_workspace(services, slug="globex", secret="g")
    b = _person_of(services, dm(services, other, "s2", sender="x-2"))
    h = seeded.admin()
    itself = client.post(f"/api/v1/people/{a}/merge", json={"source_id": a}, headers=h)
    assert itself.status_code == 400
    assert "itself" in itself.json()["detail"]
    across = client.post(f"/api/v1/people/{a}/merge", json={"source_id": b}, headers=h)
    assert across.status_code == 404
    assert client.get(f"/api/v1/people/{b}", headers=h).status_code == 404

    def work(s: Any) -> None:
        people.do_merge_people(
            s, workspace_id=seeded.workspace_id, target_id=a, source_id=a, actor_id=None, at=NOW
        )

    with pytest.raises(Invalid):
        services.db.write(work)
    with pytest.raises(NotFound):
        services.db.write(
            lambda s: people.do_merge_people(
                s, workspace_id=seeded.workspace_id, target_id=a, source_id=b, actor_id=None, at=NOW
            )
        )
    with services.db.session() as s:
        assert s.scalars(select(PersonMerge)).all() == []
        assert s.get_one(Person, b).merged_into_id is None


def test_suggestions_on_email_phone_and_handle(services: Services, seeded: Seeded) -> None:
    from dmdesk.queries.people import suggest_merges

    ids = [_person_of(services, dm(services, seeded, f"g{i}", sender=f"p-{i}")) for i in range(4)]

    def work(s: Any) -> None:
        p = [s.get_one(Person, i) for i in ids]
        people.do_update_person(
            s,
            person=p[0],
            changes={"email": "A@x.org", "phone": "+44 20 7946 0958"},
            actor_id=seeded.admin_id,
            at=NOW,
        )
        people.do_update_person(
            s, person=p[1], changes={"email": "a@X.org"}, actor_id=seeded.admin_id, at=NOW
        )
        people.do_update_person(
            s, person=p[2], changes={"phone": "+442079460958"}, actor_id=seeded.admin_id, at=NOW
        )
        for pid, handle in ((ids[0], "@Ana.B"), (ids[3], "ana.b")):
            contact = s.scalars(select(Contact).where(Contact.person_id == pid)).one()
            contact.handle = handle

    services.db.write(work)
    with services.db.session() as s:
        found = suggest_merges(s, s.get_one(Person, ids[0]))
    assert found == [
        {"person_id": ids[1], "matched_on": ["email"]},
        {"person_id": ids[2], "matched_on": ["phone"]},
        {"person_id": ids[3], "matched_on": ["handle"]},
    ]


def test_invalid_phone_is_refused(client: Any, services: Services, seeded: Seeded) -> None:
    a = _person_of(services, dm(services, seeded, "v1"))
    resp = client.patch(f"/api/v1/people/{a}", json={"phone": "12"}, headers=seeded.admin())
    assert resp.status_code == 400
    assert resp.json()["field"] == "phone"
