"""A small HTTP/1.1 load generator on raw asyncio streams (keep-alive, pipelining off).

Open loop (`--rate`): requests are scheduled at a fixed rate and latency is measured from
the scheduled time, so a slow server cannot hide its queueing (no coordinated omission).
Closed loop (`--rate 0`): each connection sends as fast as answers come back.
Requests are read from a JSON-lines file of {"path", "headers", "body"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0


def _encode(req: dict[str, object], host: str) -> bytes:
    body = str(req["body"]).encode()
    headers = dict(req.get("headers") or {})  # type: ignore[call-overload]
    lines = [
        f"POST {req['path']} HTTP/1.1",
        f"Host: {host}",
        f"Content-Length: {len(body)}",
        "Content-Type: application/json",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-type"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, queue: asyncio.Queue[tuple[bytes, float] | None], result: Result
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while (item := await queue.get()) is not None:
        payload, scheduled = item
        writer.write(payload)
        status = await _read_response(reader)
        result.latencies.append(time.perf_counter() - scheduled)
        result.statuses[status] = result.statuses.get(status, 0) + 1
    writer.close()


async def run(*, url: str, requests: list[bytes], rate: float, connections: int) -> Result:
    host, port = url.split("//", 1)[1].split(":")
    result = Result()
    queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()
    workers = [
        asyncio.create_task(_connection(host, int(port), queue, result)) for _ in range(connections)
    ]
    result.started = time.perf_counter()
    for i, payload in enumerate(requests):
        if rate > 0:
            scheduled = result.started + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await queue.put((payload, scheduled))
        else:
            await queue.put((payload, time.perf_counter()))
            while queue.qsize() > connections * 2:
                await asyncio.sleep(0)
    for _ in workers:
        await queue.put(None)
    await asyncio.gather(*workers)
    result.finished = time.perf_counter()
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    host = args.url.split("//", 1)[1]
    reqs = [_encode(json.loads(line), host) for line in args.requests.read_text().splitlines()]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(
        run(url=args.url, requests=reqs, rate=args.rate, connections=args.connections)
    )
    elapsed = result.finished - result.started
    print(
        json.dumps(
            {
                "n": len(reqs),
                "elapsed_s": elapsed,
                "rps": len(reqs) / elapsed,
                "p50_ms": percentile(result.latencies, 0.5) * 1000,
                "p99_ms": percentile(result.latencies, 0.99) * 1000,
                "statuses": result.statuses,
            }
        )
    )


if __name__ == "__main__":
    main()
