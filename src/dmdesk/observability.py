"""Prometheus metrics (one registry per app) and structured JSON logs with request ids."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Never logged, whatever a caller passes in `extra`.
_FORBIDDEN = {"text", "body", "token", "password", "secret", "payload"}
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        data.update(
            {k: v for k, v in vars(record).items() if k not in _STD and k not in _FORBIDDEN}
        )
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def setup_logging(level: str, *, as_json: bool) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root.handlers = [handler]
    root.setLevel(level.upper())


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dmdesk_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dmdesk_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.webhook_events = Counter(
            "dmdesk_webhook_events_total",
            "Webhook events",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "dmdesk_inbound_queue_depth", "Inbound events pending", registry=self.registry
        )
        self.processing_lag = Gauge(
            "dmdesk_processing_lag_seconds",
            "Age of the oldest event in the last pipeline batch",
            registry=self.registry,
        )
        self.writer_queue = Gauge(
            "dmdesk_writer_queue_depth", "Writes waiting for the writer", registry=self.registry
        )
        self.live_clients = Gauge(
            "dmdesk_live_clients", "Connected live-update streams", registry=self.registry
        )

    def count_webhook(self, platform: str, outcome: str, n: int) -> None:
        if n:
            self.webhook_events.labels(platform=platform, outcome=outcome).inc(n)
