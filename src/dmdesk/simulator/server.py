"""The simulated platforms' send APIs as one small FastAPI app.

    app = create_app(SimulatorConfig(desk_base_url="http://127.0.0.1:8000",
                                     accounts=SimAccounts.demo()))  # accounts: ids + secrets
    uvicorn.run(app, port=9100)

Point each dmdesk channel's `api_base_url` at `http://<sim>/<platform>` (the prefixes are
configurable): `/messenger/v21.0/{page}/messages`, `/instagram/v21.0/{ig}/messages`,
`/whatsapp/v21.0/{phone-number-id}/messages`, `/telegram/bot<token>/sendMessage` (and
sendPhoto...), `/x/2/dm_conversations/with/{participant}/messages`.

Test hooks: `GET /_sim/requests?platform=x` lists what was received; `POST /_sim/fail`
`{"platform": "whatsapp", "error": "rate_limit|outside_window|unavailable", "count": 2}`
makes the next sends fail the platform's way; `POST /_sim/reset` forgets both. With
`desk_base_url` set, every accepted send is followed by signed
delivery / read webhooks (where the platform has them) posted back to the desk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from dmdesk.domain.clock import Clock, utcnow
from dmdesk.simulator import replies
from dmdesk.simulator.accounts import PLATFORMS, SimAccounts
from dmdesk.simulator.people import ReceiptStatus, build_status_webhook
from dmdesk.simulator.replies import IdMaker, Reply, SimError

DEFAULT_PREFIXES = {platform: f"/{platform}" for platform in PLATFORMS}


@dataclass(frozen=True)
class SimulatorConfig:
    prefixes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PREFIXES))
    desk_base_url: str | None = None
    accounts: SimAccounts = field(default_factory=SimAccounts.demo)
    receipts: tuple[ReceiptStatus, ...] = ("delivered", "read")
    receipt_delay_s: float = 0.0
    clock: Clock = utcnow


@dataclass
class SimState:
    """Everything the simulator remembers; tests read it through /_sim/requests."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[SimError]] = field(default_factory=dict)
    receipts_posted: list[dict[str, Any]] = field(default_factory=list)
    ids: IdMaker = field(default_factory=IdMaker)


class FailOrder(BaseModel):
    platform: str = Field(pattern="^(messenger|instagram|whatsapp|telegram|x)$")
    error: SimError
    count: int = Field(default=1, ge=1, le=1000)


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The simulator app; its state is `app.state.sim` (a SimState)."""
    config = config or SimulatorConfig()
    app = FastAPI(title="dmdesk platform simulator", openapi_url=None)
    state = SimState()
    app.state.sim = state
    _control_routes(app, state)
    prefixes = config.prefixes
    for platform in ("messenger", "instagram", "whatsapp"):
        _send_route(
            app,
            config,
            state,
            platform=platform,
            path=f"{prefixes[platform]}/{{version}}/{{node_id}}/messages",
        )
    _send_route(
        app,
        config,
        state,
        platform="telegram",
        path=f"{prefixes['telegram']}/bot{{token}}/{{method}}",
    )
    _send_route(
        app,
        config,
        state,
        platform="x",
        path=f"{prefixes['x']}/2/dm_conversations/with/{{participant_id}}/messages",
    )
    return app


def _control_routes(app: FastAPI, state: SimState) -> None:
    @app.get("/_sim/requests")
    def list_requests(platform: str | None = None) -> list[dict[str, Any]]:
        return [r for r in state.requests if platform in (None, r["platform"])]

    @app.post("/_sim/fail")
    def queue_failures(order: FailOrder) -> dict[str, Any]:
        queue = state.failures.setdefault(order.platform, [])
        queue.extend([order.error] * order.count)
        return {"platform": order.platform, "queued": len(queue)}

    @app.post("/_sim/reset")
    def reset() -> dict[str, bool]:
        state.requests.clear()
        state.failures.clear()
        state.receipts_posted.clear()
        return {"ok": True}


def _send_route(
    app: FastAPI, config: SimulatorConfig, state: SimState, *, platform: str, path: str
) -> None:
    async def handle(request: Request, background: BackgroundTasks) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        params = dict(request.path_params)
        reply = _answer(config, state, platform, body if isinstance(body, dict) else {}, params)
        state.requests.append(
            {
                "platform": platform,
                "method": request.method,
                "path": request.url.path,
                "headers": dict(request.headers),
                "json": body,
                "status": reply.status,
                "response": reply.body,
                "at": config.clock().isoformat(),
            }
        )
        if reply.message_id and reply.status < 300:
            recipient = _recipient(platform, body if isinstance(body, dict) else {}, params)
            background.add_task(
                _post_receipts, config, state, platform, recipient, reply.message_id
            )
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    app.add_api_route(path, handle, methods=["POST"], name=f"send_{platform}")


def _answer(
    config: SimulatorConfig,
    state: SimState,
    platform: str,
    body: dict[str, Any],
    params: dict[str, str],
) -> Reply:
    queue = state.failures.get(platform)
    if queue:
        return replies.failure(platform, queue.pop(0), now=config.clock())
    missing = _missing_field(platform, body)
    if missing:
        return _bad_request(platform, missing)
    message_id = state.ids.next(platform)
    if platform in ("messenger", "instagram"):
        return replies.graph_success(str(body["recipient"]["id"]), message_id)
    if platform == "whatsapp":
        if body.get("status") == "read":
            return Reply(200, {"success": True})
        return replies.cloud_success(str(body["to"]), message_id)
    if platform == "telegram":
        return replies.telegram_success(body, message_id, now=config.clock())
    own = config.accounts.by_platform["x"].account_id if "x" in config.accounts.by_platform else "0"
    return replies.x_success(own, params["participant_id"], message_id)


def _missing_field(platform: str, body: dict[str, Any]) -> str | None:
    required = {
        "messenger": "recipient",
        "instagram": "recipient",
        "whatsapp": "messaging_product",
        "telegram": "chat_id",
        "x": "text",
    }[platform]
    if platform == "whatsapp" and body.get("status") != "read" and "to" not in body:
        return "to"
    return None if required in body else required


def _bad_request(platform: str, field_name: str) -> Reply:
    message = f"(#100) The parameter {field_name} is required"
    if platform in ("messenger", "instagram", "whatsapp"):
        return Reply(400, {"error": {"message": message, "type": "OAuthException", "code": 100}})
    if platform == "telegram":
        return Reply(
            400,
            {"ok": False, "error_code": 400, "description": f"Bad Request: {field_name} is empty"},
        )
    return Reply(400, {"title": "Invalid Request", "detail": message, "status": 400})


def _recipient(platform: str, body: dict[str, Any], params: dict[str, str]) -> str:
    if platform in ("messenger", "instagram"):
        return str(body.get("recipient", {}).get("id", ""))
    if platform == "whatsapp":
        return str(body.get("to", ""))
    if platform == "x":
        return params.get("participant_id", "")
    return str(body.get("chat_id", ""))


async def _post_receipts(
    config: SimulatorConfig, state: SimState, platform: str, recipient: str, message_id: str
) -> None:
    if not config.desk_base_url or platform not in config.accounts.by_platform:
        return
    async with httpx.AsyncClient(timeout=10) as client:
        for status in config.receipts:
            await asyncio.sleep(config.receipt_delay_s)
            hook = build_status_webhook(
                platform,
                accounts=config.accounts,
                recipient_id=recipient,
                message_id=message_id,
                status=status,
                at=config.clock(),
            )
            if hook is None:
                continue
            url = config.desk_base_url.rstrip("/") + hook.path
            try:
                resp = await client.post(url, content=hook.body, headers=hook.headers)
                outcome: int | str = resp.status_code
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            state.receipts_posted.append(
                {
                    "platform": platform,
                    "status": status,
                    "message_id": message_id,
                    "outcome": outcome,
                }
            )
