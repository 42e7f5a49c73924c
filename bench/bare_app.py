"""The ceiling: the same server stack answering a POST with no work at all."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/webhooks/generic/{channel_id}")
async def bare(channel_id: int, request: Request) -> JSONResponse:
    del channel_id
    await request.body()
    return JSONResponse({"status": "ok"})
