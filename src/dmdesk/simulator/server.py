"""The simulated platforms' send APIs as one small FastAPI app.

    app = create_app(SimulatorConfig(desk_base_url="http://127.0.0.1:8000",
                                     accounts=SimAccounts.demo()))  # accounts: ids + secrets
    uvicorn.run(app, port=9100)

Point each dmdesk channel's `api_base_url` at `http://<sim>/<platform>` (the prefixes are
configurable): `/messenger/v21.0/{page}/messages`, `/instagram/v21.0/{ig}/messages`,
`/whatsapp/v21.0/{phone-number-id}/messages`, `/telegram/bot<token>/sendMessage` (and
sendPhoto...), `/x/2/dm_conversations/with/{participant}/messages`; and the user profile
APIs `GET /messenger/v21.0/{psid}?fields=first_name,last_name` and
`GET /instagram/v21.0/{igsid}?fields=name,username` (simulated people by name, Graph's
"Unsupported get request" for any other id; listed by `GET /_sim/profiles`).

Test hooks: `GET /_sim/requests?platform=x` lists what was received; `POST /_sim/fail`
`{"platform": "whatsapp", "error": "rate_limit|outside_window|unavailable", "count": 2}`
makes the next sends fail the platform's way; `POST /_sim/tap {"platform": "whatsapp",
"choice": 0}` has the person tap a quick reply of the desk's latest message that offered
some (posted to the desk as the platform's tap webhook); `POST /_sim/reset` forgets. With
`desk_base_url` set, every accepted send is followed by signed
delivery / read webhooks (where the platform has them) posted back to the desk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from dmdesk.domain.clock import Clock, utcnow
from dmdesk.simulator import replies
from dmdesk.simulator.accounts import PLATFORMS, SimAccounts
from dmdesk.simulator.formats import ReceiptStatus
from dmdesk.simulator.people import build_status_webhook, build_webhook
from dmdesk.simulator.replies import IdMaker, Reply, SimError
from dmdesk.simulator.script import person_with_id
from dmdesk.simulator.taps import offered, tap_on

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

    requests: list[dict[str, Any]] = field(default_factory=list)  # send API calls
    profile_requests: list[dict[str, Any]] = field(default_factory=list)  # /_sim/profiles
    failures: dict[str, list[SimError]] = field(default_factory=dict)
    receipts_posted: list[dict[str, Any]] = field(default_factory=list)
    ids: IdMaker = field(default_factory=IdMaker)


class TapOrder(BaseModel):
    platform: str = Field(pattern="^(messenger|instagram|whatsapp|telegram|x)$")
    choice: int = Field(default=0, ge=0, le=20)
    name: str = Field(default="Simulated Person", max_length=100)


class FailOrder(BaseModel):
    platform: str = Field(pattern="^(messenger|instagram|whatsapp|telegram|x)$")
    error: SimError
    count: int = Field(default=1, ge=1, le=1000)


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The simulator app; its state is `app.state.sim` (a SimState)."""
    sim = _Simulator(config or SimulatorConfig(), SimState())
    app = FastAPI(title="dmdesk platform simulator", openapi_url=None)
    app.state.sim = sim.state
    _control_routes(app, sim.state)
    app.add_api_route("/_sim/tap", sim.tap, methods=["POST"], name="tap")
    prefixes = sim.config.prefixes
    paths = {
        "telegram": f"{prefixes['telegram']}/bot{{token}}/{{method}}",
        "x": f"{prefixes['x']}/2/dm_conversations/with/{{participant_id}}/messages",
    }
    for platform in ("messenger", "instagram", "whatsapp"):
        paths[platform] = f"{prefixes[platform]}/{{version}}/{{node_id}}/messages"
    for platform, path in paths.items():
        app.add_api_route(path, sim.handler(platform), methods=["POST"], name=f"send_{platform}")
    for platform in ("messenger", "instagram"):
        app.add_api_route(
            f"{prefixes[platform]}/{{version}}/{{user_id}}",
            sim.profile(platform),
            methods=["GET"],
            name=f"profile_{platform}",
        )
    return app


def _control_routes(app: FastAPI, state: SimState) -> None:
    @app.get("/_sim/requests")
    def list_requests(platform: str | None = None) -> list[dict[str, Any]]:
        return [r for r in state.requests if platform in (None, r["platform"])]

    @app.get("/_sim/profiles")
    def list_profile_requests() -> list[dict[str, Any]]:
        return list(state.profile_requests)

    @app.post("/_sim/fail")
    def queue_failures(order: FailOrder) -> dict[str, Any]:
        queue = state.failures.setdefault(order.platform, [])
        queue.extend([order.error] * order.count)
        return {"platform": order.platform, "queued": len(queue)}

    @app.post("/_sim/reset")
    def reset() -> dict[str, bool]:
        state.requests.clear()
        state.profile_requests.clear()
        state.failures.clear()
        state.receipts_posted.clear()
        return {"ok": True}


@dataclass(frozen=True)
class _Call:
    """One request to a simulated send API."""

    platform: str
    body: dict[str, Any]
    params: dict[str, str]

    @property
    def recipient(self) -> str:
        if self.platform in ("messenger", "instagram"):
            recipient = self.body.get("recipient")
            return str(recipient.get("id", "")) if isinstance(recipient, dict) else ""
        if self.platform == "x":
            return self.params.get("participant_id", "")
        return str(self.body.get("to" if self.platform == "whatsapp" else "chat_id", ""))


@dataclass(frozen=True)
class _Simulator:
    config: SimulatorConfig
    state: SimState

    def handler(self, platform: str) -> Callable[[Request, BackgroundTasks], Awaitable[Response]]:
        async def handle(request: Request, background: BackgroundTasks) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = None
            call = _Call(
                platform, body if isinstance(body, dict) else {}, dict(request.path_params)
            )
            reply = self.answer(call)
            self.state.requests.append(
                {
                    "platform": platform,
                    "method": request.method,
                    "path": request.url.path,
                    "headers": dict(request.headers),
                    "json": body,
                    "params": dict(request.path_params),
                    "status": reply.status,
                    "response": reply.body,
                    "at": self.config.clock().isoformat(),
                }
            )
            if reply.message_id and reply.status < 300:
                background.add_task(self.post_receipts, call, message_id=reply.message_id)
            return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

        return handle

    def profile(self, platform: str) -> Callable[[Request], Awaitable[Response]]:
        """The user profile API: a simulated person's name, Graph's error for anyone else."""

        async def handle(request: Request) -> Response:
            user_id = request.path_params["user_id"]
            person = person_with_id(platform, user_id)
            if person is None:
                reply = replies.graph_no_such_user(user_id)
            else:
                reply = replies.graph_profile(platform, user_id, person.name, person.handle)
            self.state.profile_requests.append(
                {
                    "platform": platform,
                    "path": request.url.path,
                    "authorization": request.headers.get("authorization"),
                    "fields": request.query_params.get("fields"),
                    "status": reply.status,
                    "response": reply.body,
                    "at": self.config.clock().isoformat(),
                }
            )
            return JSONResponse(reply.body, status_code=reply.status)

        return handle

    def answer(self, call: _Call) -> Reply:
        queue = self.state.failures.get(call.platform)
        if queue:
            return replies.failure(call.platform, queue.pop(0), now=self.config.clock())
        missing = _missing_field(call.platform, call.body)
        if missing:
            return _bad_request(call.platform, missing)
        if call.platform == "whatsapp" and call.body.get("status") == "read":
            return Reply(200, {"success": True})
        message_id = self.state.ids.next(call.platform)
        if call.platform in ("messenger", "instagram"):
            return replies.graph_success(call.recipient, message_id)
        if call.platform == "whatsapp":
            return replies.cloud_success(call.recipient, message_id)
        if call.platform == "telegram":
            return replies.telegram_success(call.body, message_id, now=self.config.clock())
        accounts = self.config.accounts.by_platform
        own = accounts["x"].account_id if "x" in accounts else "0"
        return replies.x_success(own, call.recipient, message_id=message_id)

    async def tap(self, order: TapOrder) -> Response:
        """The person taps option `choice` on the desk's latest message with quick replies."""
        desk, accounts = self.config.desk_base_url, self.config.accounts
        if not desk or order.platform not in accounts.by_platform:
            return JSONResponse({"error": "no desk or no account for this platform"}, 409)
        sent = [
            r
            for r in self.state.requests
            if r["platform"] == order.platform
            and r["status"] < 300
            and offered(order.platform, r["json"] or {})
        ]
        if not sent:
            return JSONResponse({"error": "the desk offered no quick replies"}, 404)
        last = sent[-1]
        step = tap_on(
            order.platform,
            last,
            recipient=_Call(order.platform, last["json"], last.get("params") or {}).recipient,
            choice=order.choice,
            seq=len(self.state.requests) + 1,
            at=self.config.clock(),
            name=order.name,
        )
        if step is None:
            return JSONResponse({"error": f"no option {order.choice}"}, 404)
        hook = build_webhook(order.platform, step, accounts=accounts)
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.post(
                desk.rstrip("/") + hook.path, content=hook.body, headers=hook.headers
            )
        return JSONResponse(
            {"tapped": step.text, "payload": step.payload, "desk_status": resp.status_code}
        )

    async def post_receipts(self, call: _Call, *, message_id: str) -> None:
        """Signed delivery / read webhooks for an accepted send, posted back to the desk."""
        desk, accounts = self.config.desk_base_url, self.config.accounts
        if not desk or call.platform not in accounts.by_platform:
            return
        async with httpx.AsyncClient(timeout=10) as client:
            for status in self.config.receipts:
                await asyncio.sleep(self.config.receipt_delay_s)
                hook = build_status_webhook(
                    call.platform,
                    accounts=accounts,
                    recipient_id=call.recipient,
                    message_id=message_id,
                    status=status,
                    at=self.config.clock(),
                )
                if hook is None:
                    continue
                try:
                    resp = await client.post(
                        desk.rstrip("/") + hook.path, content=hook.body, headers=hook.headers
                    )
                    outcome: int | str = resp.status_code
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                self.state.receipts_posted.append(
                    {
                        "platform": call.platform,
                        "status": status,
                        "message_id": message_id,
                        "outcome": outcome,
                    }
                )


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
