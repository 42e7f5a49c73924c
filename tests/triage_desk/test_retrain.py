"""Retraining in the desk: corrections trained in the background by one instance become the
model a second instance's pipeline uses after its next re-check, and flip its prediction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.domain.errors import Conflict, Invalid
from dmdesk.models import Conversation
from dmdesk.services import Services
from dmdesk.triage.store import list_models
from tests.cli.test_triage_feedback import PARKA, PROBE, correct, say
from tests.conftest import Seeded, seed_workspace
from tests.helpers import generic_body, post_generic


def test_a_retrain_on_one_instance_reaches_the_other(two_desks: tuple[Services, Services]) -> None:
    a, b = two_desks
    seeded = seed_workspace(a)
    ws = seeded.workspace_id
    with pytest.raises(Invalid):
        a.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    assert b.triage_engines.get(ws).classify(PROBE).category != "collaboration"
    for i, text in enumerate(PARKA):
        correct(a, seeded, say(a, seeded, f"p{i}", text), "collaboration")
    started = a.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    assert started.state == "training"
    assert started.corrections == len(PARKA)
    seen_on_b = b.triage_trainer.state(ws)
    assert (seen_on_b.state, seen_on_b.corrections) == ("training", len(PARKA))
    for instance in (a, b):  # one training per workspace across instances
        with pytest.raises(Conflict):
            instance.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    done = a.triage_trainer.wait(ws, timeout=300)
    assert (done.state, done.version, done.reason) == ("trained", 1, "")
    assert b.triage_trainer.state(ws) == done, "every instance shows the same training"
    verdict = b.triage_engines.get(ws).classify(PROBE)
    assert verdict.category == "collaboration"
    assert "zephyr" in " ".join(verdict.category_reasons)


def _webhook(client: Any, svc: Services, seeded: Seeded, msg_id: str, text: str) -> Any:
    """A customer's DM through the whole path: webhook, pipeline (triage), stored verdict."""
    body = generic_body(msg_id, sender=f"u-{msg_id}", text=text)
    post_generic(client, seeded, body)
    assert svc.pipeline.run_once() == 1
    with svc.db.session() as s:
        conv = s.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert conv is not None
        return conv.category


def test_the_desk_pipeline_uses_the_retrained_model(
    desk: Services, seeded: Seeded, client: Any
) -> None:
    ws = seeded.workspace_id
    assert _webhook(client, desk, seeded, "before", PROBE) != "collaboration"
    for i, text in enumerate(PARKA):
        correct(desk, seeded, say(desk, seeded, f"p{i}", text), "collaboration")
    desk.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    done = desk.triage_trainer.wait(ws, timeout=300)
    assert done.state == "trained", done.reason
    with desk.db.session() as s:
        [model] = list_models(s, ws)
    figures = model["meta"]["figures"]
    assert figures["corrections_accuracy_after"] == 1.0
    assert figures["corrections_accuracy_before"] < 1.0
    assert 0 < figures["seed_holdout_macro_f1_after"] <= 1
    assert model["meta"]["use_shared"] is False
    assert model["meta"]["rows"]["correction"] >= len(PARKA)
    assert _webhook(client, desk, seeded, "after", PROBE) == "collaboration"


def test_a_training_whose_instance_stopped_is_shown_failed_and_can_be_restarted(
    desk: Services, seeded: Seeded
) -> None:
    """An instance that dies mid-training stops its heartbeat: after the stale delay every
    instance reports the training failed, and a new one may start."""
    from datetime import timedelta

    from dmdesk.actions.triage_models import TRAINING_STALE_AFTER, do_claim_training
    from dmdesk.models import TriageTraining

    ws = seeded.workspace_id
    for i, text in enumerate(PARKA):
        correct(desk, seeded, say(desk, seeded, f"s{i}", text), "collaboration")
    long_ago = desk.clock() - TRAINING_STALE_AFTER - timedelta(seconds=1)
    desk.db.write(
        lambda s: do_claim_training(s, workspace_id=ws, corrections=len(PARKA), at=long_ago)
    )
    stale = desk.triage_trainer.state(ws)
    assert stale.state == "failed"
    assert "stopped reporting" in stale.reason

    def fresh(s: Any) -> None:
        s.get_one(TriageTraining, ws).heartbeat_at = desk.clock()

    desk.db.write(fresh)
    assert desk.triage_trainer.state(ws).state == "training"
    with pytest.raises(Conflict):
        desk.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    desk.db.write(lambda s: setattr(s.get_one(TriageTraining, ws), "heartbeat_at", long_ago))
    restarted = desk.triage_trainer.start(workspace_id=ws, actor_id=seeded.admin_id)
    assert restarted.state == "training"
    done = desk.triage_trainer.wait(ws, timeout=300)
    assert (done.state, done.version) == ("trained", 1)
