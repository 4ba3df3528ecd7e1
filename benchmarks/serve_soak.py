"""`sre serve` (the embedded default) at 200 signed slash commands a second for 30 s, after a busy
hour: 150,000 deliveries recorded in the last hour in the run-once table.

Figures: answered latency p50/p99 (from each request's scheduled send time, so a slow server is
not hidden by a client that waits for it), errors, and the rate achieved. Goal: p99 <= 150 ms,
no errors.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.replies import Reply, Tone
from tests.fakes.http_capture import capture_server
from tests.serve_process import post_command, signed_command, start_serve

RATE = 200
SECONDS = 30
HISTORY = 150_000
TTL = 3600.0
WARM = 20
SLOW = 0.15


def _busy_hour(home: Path) -> None:
    """The run-once table as an hour of 42 deliveries a second leaves it."""
    stored = Reply(tone=Tone.INFO, title="You are @W111").model_dump_json()
    now = time.time()
    rows = [(f"slack:T111:hist.{n}", stored, now - TTL * n / HISTORY + TTL) for n in range(HISTORY)]
    database = SqliteDatabase(home / "autosre.db")
    with database.transaction() as db:
        db.executemany("INSERT INTO deliveries (key, reply, expires) VALUES (?, ?, ?)", rows)


def _raw(port: int, number: int) -> bytes:
    """One signed slash command as the bytes on the wire (built before the clock starts)."""
    body, headers = signed_command("whoami", trigger=f"soak.{number}")
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def _timed(port: int, request: bytes, due: float) -> tuple[float, str]:
    """Seconds from the scheduled send to the whole answer; the error, if any."""
    await asyncio.sleep(max(0.0, due - time.perf_counter()))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        answer = await reader.read()  # one request per connection: read to its end
        writer.close()
    except OSError as refused:
        return time.perf_counter() - due, repr(refused)
    took = time.perf_counter() - due
    status = answer.split(b" ", 2)[1:2]
    wrong = "" if status == [b"200"] and b"W111" in answer else f"answer {answer[:80]!r}"
    return took, wrong


async def _soak_all(port: int) -> tuple[list[float], list[str], float]:
    requests = [_raw(port, number) for number in range(RATE * SECONDS)]
    start = time.perf_counter() + 0.5
    sends = [_timed(port, request, start + n / RATE) for n, request in enumerate(requests)]
    results = await asyncio.gather(*sends)
    elapsed = time.perf_counter() - start
    return [r[0] for r in results], [r[1] for r in results if r[1]], elapsed


def _soak(url: str) -> tuple[list[float], list[str], float]:
    """Send RATE requests a second, each on its own connection, whatever the answers' pace (an
    asyncio client: it costs the shared CPUs far less than a thread per request)."""
    return asyncio.run(_soak_all(int(url.rsplit(":", 1)[1])))


def main() -> None:
    """Print the soak's latency percentiles, errors and achieved rate."""
    with tempfile.TemporaryDirectory() as folder, capture_server() as slack_api:
        home = Path(folder)
        _busy_hour(home)
        server = start_serve(home, slack_api=slack_api.url)
        try:
            for number in range(WARM):  # its first answers load bolt and the command grammar
                post_command(server.url, "whoami", trigger=f"warm.{number}")
            latencies, errors, elapsed = _soak(server.url)
        finally:
            server.stop()
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"sre serve soak: {RATE} signed slash commands/s for {SECONDS} s after "
        f"{HISTORY:,} deliveries in the last hour (loopback, one process)"
    )
    print(
        f"  p50 {cuts[49] * 1000:.1f} ms, p90 {cuts[89] * 1000:.1f} ms, "
        f"p99 {cuts[98] * 1000:.1f} ms (goal <= 150 ms); max {max(latencies) * 1000:.0f} ms"
    )
    slow = [n * SECONDS // len(latencies) for n, t in enumerate(latencies) if t > SLOW]
    print(f"  answers over {SLOW * 1000:.0f} ms by second of the run: {dict(Counter(slow))}")
    print(
        f"  errors {len(errors)} of {len(latencies):,} (goal 0); "
        f"{len(latencies) / elapsed:.0f} requests/s achieved"
    )
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared)")
    for error in sorted(set(errors))[:3]:
        print(f"  e.g. {error}")


if __name__ == "__main__":
    main()
