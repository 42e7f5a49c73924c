"""The composition root: every long-lived part of a running dmdesk, built from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dmdesk.bus import EventBus
from dmdesk.config import Settings
from dmdesk.db.database import Database
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.clock import Clock, utcnow
from dmdesk.ingest.channels import ChannelCache
from dmdesk.ingest.pipeline import Pipeline
from dmdesk.ingest.receiver import Receiver
from dmdesk.jobs.outbox import OutboxWorker
from dmdesk.jobs.scheduler import Scheduler
from dmdesk.live.fanout import RedisFanout
from dmdesk.live.hub import LiveHub
from dmdesk.observability import Metrics

if TYPE_CHECKING:
    from dmdesk.triage.retrain import Retrainer
    from dmdesk.triage.store import EngineProvider


@dataclass
class Services:
    settings: Settings
    db: Database
    box: SecretBox
    bus: EventBus
    hub: LiveHub
    channels: ChannelCache
    pipeline: Pipeline
    outbox: OutboxWorker
    receiver: Receiver
    metrics: Metrics
    triage_engines: EngineProvider
    triage_trainer: Retrainer
    clock: Clock = field(default=utcnow)
    fanout: RedisFanout | None = None
    started: bool = False
    scheduler: Scheduler = field(default_factory=lambda: _periodic_jobs())

    def start_workers(self) -> None:
        self.bus.start()
        self.db.start()
        if self.fanout is not None:
            self.fanout.start()
        if self.settings.run_workers:
            self.pipeline.start()
            self.outbox.start()
            self.scheduler.start(self)
        self.started = True

    def stop(self) -> None:
        self.scheduler.stop()
        self.pipeline.stop()
        self.outbox.stop()
        if self.fanout is not None:
            self.fanout.stop()
        # Drain the bus before closing the database: its handlers may still write.
        self.bus.stop()
        self.db.close()
        self.hub.close()
        self.started = False


def build_services(settings: Settings, *, clock: Clock = utcnow) -> Services:
    db = Database(settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    box = SecretBox(settings.effective_secret_key())
    bus = EventBus()
    hub = LiveHub()
    metrics = Metrics()
    db.on_commit = bus.publish
    bus.subscribe("*", hub.publish)
    fanout = RedisFanout(settings.redis_url, hub) if settings.redis_url else None
    if fanout is not None:
        bus.subscribe("*", fanout.publish)
    channels = ChannelCache(db, box)
    bus.subscribe("channel.*", lambda _e: channels.invalidate())
    pipeline = Pipeline(db=db, clock=clock)
    outbox = OutboxWorker(db=db, box=box, clock=clock)
    bus.subscribe(
        "message.created",
        lambda e: (
            outbox.wake()
            if e.data.get("direction") == "outbound" and not e.data.get("echo")
            else None
        ),
    )
    receiver = Receiver(
        db=db,
        channels=channels,
        clock=clock,
        on_enqueued=pipeline.wake,
        count=metrics.count_webhook,
    )
    engines = _install_triage(pipeline, bus, db, recheck=settings.triage_recheck_seconds)
    _install_capabilities(pipeline, bus, db, clock)
    from dmdesk.triage.retrain import Retrainer

    return Services(
        settings=settings,
        db=db,
        box=box,
        bus=bus,
        hub=hub,
        channels=channels,
        pipeline=pipeline,
        outbox=outbox,
        receiver=receiver,
        metrics=metrics,
        triage_engines=engines,
        triage_trainer=Retrainer(db, engines, clock),
        clock=clock,
        fanout=fanout,
    )


def _install_capabilities(pipeline: Pipeline, bus: EventBus, db: Database, clock: Clock) -> None:
    """Capabilities (routing, rules...) hook into the pipeline and the bus here (triage first)."""
    from dmdesk.actions.webhooks_out import install as install_people

    install_people(pipeline.message_hooks, bus, db, clock)
    from dmdesk.rules import install as install_automation

    install_automation(pipeline, bus, db, clock)
    from dmdesk.routing import install as install_routing

    install_routing(pipeline, bus, db, clock)
    del pipeline, bus, db, clock


def _periodic_jobs() -> Scheduler:
    from dmdesk.routing.jobs import register as register_ownership_jobs

    scheduler = Scheduler()
    register_ownership_jobs(scheduler)
    from dmdesk.rules import register_jobs as register_automation_jobs

    register_automation_jobs(scheduler)
    scheduler.register("wake_snoozed", _wake_snoozed)
    from dmdesk.metrics.service import run_rollup_job
    from dmdesk.metrics.spikes import run_spike_check

    scheduler.register("metric_rollups", run_rollup_job)
    scheduler.register("spike_check", run_spike_check)
    scheduler.register("outbound_webhooks", _deliver_webhooks)
    scheduler.register("retention", _run_retention)
    scheduler.register("contact_profiles", _fill_profiles)
    return scheduler


def _run_retention(services: Services) -> int:
    from dmdesk.actions.retention import do_run_due_retention

    return services.db.write(lambda s: do_run_due_retention(s, now=services.clock()))


def _wake_snoozed(services: Services) -> int:
    from dmdesk.actions.snooze import do_wake_snoozed

    return services.db.write(lambda s: do_wake_snoozed(s, at=services.clock()))


def _fill_profiles(services: Services) -> int:
    import httpx

    from dmdesk.jobs.profiles import fill_profiles

    with httpx.Client(timeout=10) as client:
        return fill_profiles(services.db, box=services.box, clock=services.clock, client=client)


def _deliver_webhooks(services: Services) -> int:
    import httpx

    from dmdesk.actions.webhooks_out import deliver_due

    with httpx.Client(timeout=10) as client:
        return deliver_due(services.db, box=services.box, clock=services.clock, client=client)


def package_path(*parts: str) -> Path:
    return Path(__file__).parent.joinpath(*parts)


def _install_triage(
    pipeline: Pipeline, bus: EventBus, db: Database, *, recheck: float
) -> EngineProvider:
    from dmdesk.ingest.triage_step import WorkspaceTriageSettings, apply_hook, make_enricher
    from dmdesk.triage.store import EngineProvider

    settings = WorkspaceTriageSettings(db)
    bus.subscribe("workspace.*", lambda _e: settings.invalidate())
    engines = EngineProvider(db, interval=recheck)
    bus.subscribe("triage.*", lambda _e: engines.refresh())
    pipeline.enrichers.append(make_enricher(engines.get, settings))
    pipeline.message_hooks.insert(0, apply_hook)
    return engines
