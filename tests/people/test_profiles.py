"""Names for Messenger and Instagram contacts, asked from the platforms' profile APIs (played
by the simulator over real HTTP), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from dmdesk.actions.channels import do_create_channel
from dmdesk.actions.ingest import upsert_contact
from dmdesk.actions.people import do_ensure_person
from dmdesk.actions.profiles import RECHECK, RETRY, do_claim_profile, due_profiles
from dmdesk.domain.inbound import ContactRef
from dmdesk.jobs.profiles import fill_profiles
from dmdesk.models import Channel, Contact, Event, Person
from dmdesk.services import Services
from dmdesk.simulator.server import create_app as create_sim_app
from tests.channels.harness import serve
from tests.conftest import Seeded, _free_port

ADA_MESSENGER = "2900000000001000"  # simulated person 1000: Ada Lovelace, @ada_l
ALAN_INSTAGRAM = "1190000000001002"  # simulated person 1002: Alan Turing, @a_turing
STRANGER = "2900000000099999"  # not a simulated person: Graph's "Unsupported get request"


@pytest.fixture(scope="module")
def sim() -> Iterator[str]:
    with serve(create_sim_app()) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def _channel(services: Services, seeded: Seeded, platform: str, base: str) -> int:
    settings = {"app_secret": "s", "verify_token": "v", "access_token": f"{platform}-token",
                "api_base_url": f"{base}/{platform}"}  # fmt: skip

    def work(s: Any) -> int:
        return do_create_channel(s, workspace_id=seeded.workspace_id, platform=platform,
                                 name=f"{platform} page", external_id=f"{platform}-1",
                                 settings=settings, box=services.box,
                                 at=services.clock()).id  # fmt: skip

    return services.db.write(work)


def _contact(services: Services, channel_id: int, ref: ContactRef, *, person: bool = True) -> int:
    def work(s: Any) -> int:
        channel = s.get_one(Channel, channel_id)
        contact = upsert_contact(s, channel=channel, ref=ref, at=services.clock())
        s.flush()
        if person:
            do_ensure_person(s, contact=contact, at=services.clock())
        return int(contact.id)

    return services.db.write(work)


def _get(services: Services, contact_id: int) -> Contact:
    with services.db.session() as s:
        return s.get_one(Contact, contact_id)


def _fill(services: Services, http: httpx.Client) -> int:
    return fill_profiles(services.db, box=services.box, clock=services.clock, client=http)


def test_unnamed_messenger_and_instagram_contacts_get_their_names_once(
    services: Services, seeded: Seeded, sim: str, http: httpx.Client
) -> None:
    messenger = _channel(services, seeded, "messenger", sim)
    instagram = _channel(services, seeded, "instagram", sim)
    ada = _contact(services, messenger, ContactRef(ADA_MESSENGER))
    alan = _contact(services, instagram, ContactRef(ALAN_INSTAGRAM))
    stranger = _contact(services, messenger, ContactRef(STRANGER))
    typed = _contact(services, messenger, ContactRef("2900000000001001", name="Grace H."))
    before = len(http.get(f"{sim}/_sim/profiles").json())

    assert _fill(services, http) == 2
    assert (_get(services, ada).name, _get(services, ada).handle) == ("Ada Lovelace", None)
    assert (_get(services, alan).name, _get(services, alan).handle) == ("Alan Turing", "a_turing")
    assert _get(services, stranger).name is None
    assert _get(services, typed).name == "Grace H."  # had a name: never asked
    with services.db.session() as s:
        person = s.get_one(Person, _get(services, ada).person_id)
        events = s.scalars(select(Event).where(Event.type == "contact.profile_fetched")).all()
    assert person.display_name == "Ada Lovelace"
    assert sorted(e.data["fields"] for e in events) == [["name"], ["name", "handle"]]
    asked = http.get(f"{sim}/_sim/profiles").json()[before:]
    assert {(r["path"], r["fields"], r["authorization"]) for r in asked} == {
        (f"/messenger/v21.0/{ADA_MESSENGER}", "first_name,last_name", "Bearer messenger-token"),
        (f"/instagram/v21.0/{ALAN_INSTAGRAM}", "name,username", "Bearer instagram-token"),
        (f"/messenger/v21.0/{STRANGER}", "first_name,last_name", "Bearer messenger-token"),
    }
    # nobody is asked again: the named have names, the stranger waits RECHECK
    assert _fill(services, http) == 0
    assert len(http.get(f"{sim}/_sim/profiles").json()) == before + 3


def test_a_failure_worth_retrying_comes_back_after_retry_and_a_refusal_after_recheck(
    services: Services, seeded: Seeded, sim: str, http: httpx.Client
) -> None:
    down = f"http://127.0.0.1:{_free_port()}"  # nothing listens: a network error
    offline = _channel(services, seeded, "messenger", down)
    refused = _channel(services, seeded, "instagram", sim)
    waiting = _contact(services, offline, ContactRef(ADA_MESSENGER))
    unknown = _contact(services, refused, ContactRef("1190000000099999"))
    now = services.clock()
    assert _fill(services, http) == 0

    def due(at: Any) -> set[int]:
        with services.db.session() as s:
            return {d.contact_id for d in due_profiles(s, now=at, limit=50)}

    # unreachable: a minute; never later than RETRY
    assert due(now + timedelta(seconds=30)) == set()
    assert due(now + timedelta(seconds=90)) == {waiting}
    assert due(now + RETRY) == {waiting}
    assert due(now + RECHECK + timedelta(minutes=1)) == {waiting, unknown}


def test_a_lookup_is_claimed_once_and_a_named_contact_is_not_claimed(
    services: Services, seeded: Seeded, sim: str
) -> None:
    channel = _channel(services, seeded, "messenger", sim)
    unnamed = _contact(services, channel, ContactRef(ADA_MESSENGER), person=False)
    named = _contact(services, channel, ContactRef("2900000000001004", name="L. P."))
    now = services.clock()

    def claim(contact_id: int) -> bool:
        return services.db.write(lambda s: do_claim_profile(s, contact_id=contact_id, now=now))

    assert claim(unnamed) is True
    assert claim(unnamed) is False  # a second instance finds it taken
    assert claim(named) is False


def test_the_scheduler_runs_the_lookups(services: Services, seeded: Seeded, sim: str) -> None:
    channel = _channel(services, seeded, "instagram", sim)
    alan = _contact(services, channel, ContactRef(ALAN_INSTAGRAM))
    assert services.scheduler.run_once(services)["contact_profiles"] == "1"
    assert _get(services, alan).handle == "a_turing"
