"""`dmdesk triage rules ...` and `dmdesk triage corrections ...` as a user runs them, and the
learning loop: agents' corrections, exported or trained on, change what the model predicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions.conversations import do_set_category
from dmdesk.actions.ingest import do_ingest_message
from dmdesk.actions.privacy import do_erase_contact
from dmdesk.actions.triage import do_mark_spam
from dmdesk.domain.inbound import ContactRef, InboundMessage
from dmdesk.models import Channel, Conversation
from dmdesk.queries.triage_corrections import correction_examples
from dmdesk.services import Services, build_services
from dmdesk.triage import datasets, training
from dmdesk.triage.engine import TriageEngine
from tests.conftest import Seeded, make_settings, seed_workspace

DMDESK = [sys.executable, "-m", "dmdesk.cli"]
PROBE = "Do you have the Zephyr parka in size M?"
PARKA = (
    "Do you have the Zephyr parka in size S?",
    "Is the Zephyr parka available in size L?",
    "Zephyr parka in size XL, do you have it?",
    "Do you have the Zephyr parka in black?",
)


def run(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DMDESK_SECRET_KEY": "test-secret-key", "DMDESK_DATABASE_URL": url}
    proc = subprocess.run(
        [*DMDESK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dmdesk {' '.join(args)} failed: {proc.stderr}")
    return proc


def say(services: Services, seeded: Seeded, sender: str, *texts: str) -> int:
    """Inbound messages from one contact; returns the conversation id."""

    def work(s: Any) -> int:
        channel = s.get_one(Channel, seeded.channel_id)
        conv_id = 0
        for i, text in enumerate(texts):
            event = InboundMessage(
                account_id=channel.external_id,
                occurred_at=services.clock(),
                contact=ContactRef(sender, name=sender),
                message_id=f"{sender}-{i}",
                text=text,
            )
            conv_id = do_ingest_message(s, channel=channel, event=event, at=services.clock())
            conv_id = conv_id.conversation_id
        return conv_id

    return int(services.db.write(work))


def correct(services: Services, seeded: Seeded, conv_id: int, label: str) -> None:
    def work(s: Any) -> None:
        conv = s.get_one(Conversation, conv_id)
        at = services.clock()
        if label == "spam":
            do_mark_spam(s, conv=conv, spam=True, at=at, actor_id=seeded.agent_id)
        else:
            do_set_category(s, conv=conv, category=label, at=at, actor_id=seeded.agent_id)

    services.db.write(work)


@pytest.fixture
def sqlite_services(sqlite_url: str) -> Any:
    svc = build_services(make_settings(sqlite_url))
    yield svc
    svc.stop()


def test_corrections_read_first_inbound_messages_and_skip_erased_contacts(
    services: Services, seeded: Seeded
) -> None:
    kept = say(services, seeded, "ana", "Hi!", "Do you sell gift cards?", "For 50 euros", "x")
    gone = say(services, seeded, "bob", "Claim your free prize at bit.ly/win now")
    untouched = say(services, seeded, "cy", "Where is my order?")
    correct(services, seeded, kept, "spam")
    correct(services, seeded, kept, "sales")
    correct(services, seeded, gone, "spam")
    with services.db.session() as s:
        rows = correction_examples(s, seeded.workspace_id)
        bob = s.get_one(Conversation, gone).contact_id
    assert [(r.conversation_id, r.label) for r in rows] == [(kept, "sales"), (gone, "spam")]
    assert rows[0].text == "Hi!\nDo you sell gift cards?\nFor 50 euros", "first three inbound"
    assert untouched not in {r.conversation_id for r in rows}
    services.db.write(
        lambda s: do_erase_contact(
            s, workspace_id=seeded.workspace_id, contact_id=bob, actor=None, at=services.clock()
        )
    )
    with services.db.session() as s:
        after = correction_examples(s, seeded.workspace_id)
        other = correction_examples(s, seeded.workspace_id + 1)
    assert [r.conversation_id for r in after] == [kept]
    assert all("prize" not in r.text for r in after)
    assert other == []


def test_rules_add_list_remove(sqlite_url: str, sqlite_services: Services) -> None:
    seed_workspace(sqlite_services)
    run(sqlite_url, "triage", "rules", "add", "--name", "summer", "--keyword", "SUNNY24",
        "--keyword", "summer sale", "--category", "sales")  # fmt: skip
    bad = run(sqlite_url, "triage", "rules", "add", "--name", "x", "--keyword", "y",
              "--category", "refund", check=False)  # fmt: skip
    assert bad.returncode != 0
    assert "choose one of" in bad.stderr
    listed = json.loads(run(sqlite_url, "triage", "rules", "list", "--json").stdout)
    assert listed == [
        {
            "name": "summer",
            "keywords": ["SUNNY24", "summer sale"],
            "category": "sales",
            "priority": None,
            "override_spam": False,
        }
    ]
    run(sqlite_url, "triage", "rules", "remove", "summer")
    assert json.loads(run(sqlite_url, "triage", "rules", "list", "--json").stdout) == []
    assert run(sqlite_url, "triage", "rules", "remove", "summer", check=False).returncode != 0


def test_export_writes_what_train_reads_without_erased_text(
    sqlite_url: str, sqlite_services: Services, tmp_path: Path
) -> None:
    seeded = seed_workspace(sqlite_services)
    kept = say(sqlite_services, seeded, "ana", "Do you sell gift cards?")
    gone = say(sqlite_services, seeded, "bob", "My parcel is late again, awful")
    correct(sqlite_services, seeded, kept, "sales")
    correct(sqlite_services, seeded, gone, "complaint")
    with sqlite_services.db.session() as s:
        bob = s.get_one(Conversation, gone).contact_id
    sqlite_services.db.write(
        lambda s: do_erase_contact(
            s,
            workspace_id=seeded.workspace_id,
            contact_id=bob,
            actor=None,
            at=sqlite_services.clock(),
        )
    )
    out = tmp_path / "corrections.jsonl"
    run(sqlite_url, "triage", "corrections", "export", "--workspace", "acme", "--out", str(out))
    examples = datasets.read_labelled(out)
    assert [(e.text, e.label) for e in examples] == [("Do you sell gift cards?", "sales")]
    assert "parcel" not in out.read_text(encoding="utf-8")


def test_corrections_flip_a_prediction_after_retraining(
    sqlite_url: str, sqlite_services: Services, tmp_path: Path
) -> None:
    """The loop: a small config (seed corpus only, no shared sets) trained without and with
    the desk's corrections; the corrected label wins for a message like the corrected ones."""
    seeded = seed_workspace(sqlite_services)
    for i, text in enumerate(PARKA):
        correct(
            sqlite_services, seeded, say(sqlite_services, seeded, f"p{i}", text), "collaboration"
        )
    with sqlite_services.db.session() as s:
        assert len(s.scalars(select(Conversation.id)).all()) == len(PARKA)
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    training.train(training.TrainConfig(use_shared=False), out=baseline)
    assert TriageEngine.load(baseline).classify(PROBE).category != "collaboration"
    learned = tmp_path / "learned"
    out = run(sqlite_url, "triage", "corrections", "train", "--workspace", "acme",
              "--no-shared", "--out", str(learned), "--json")  # fmt: skip
    summary = json.loads(out.stdout)
    assert summary["corrections"] == len(PARKA)
    assert summary["rows"]["correction"] >= len(PARKA), "the corrections were trained on"
    verdict = TriageEngine.load(learned).classify(PROBE)
    assert verdict.category is not None
    assert verdict.category.value == "collaboration"
    assert "zephyr" in " ".join(verdict.category_reasons)
