"""`sre serve` (the embedded default) at 200 signed slash commands a second for 30 s, after a busy
hour: 150,000 deliveries recorded in the last hour in the run-once table.

Figures: answered latency p50/p99 (from each request's scheduled send time, so a slow server is
not hidden by a client that waits for it), errors, and the rate achieved. Goal: p99 <= 150 ms,
no errors.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.replies import Reply, Tone
from tests.fakes.http_capture import capture_server
from tests.serve_process import post_command, post_signed, signed_command, start_serve

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


def _timed(url: str, request: tuple[str, dict[str, str]], due: float) -> tuple[float, str]:
    """Seconds from the scheduled send to the answer; the error, if any."""
    try:
        status, body = post_signed(url, *request)
    except OSError as refused:
        return time.perf_counter() - due, repr(refused)
    wrong = "" if status == 200 and "W111" in body else f"HTTP {status}: {body[:80]}"
    return time.perf_counter() - due, wrong


def _soak(url: str) -> tuple[list[float], list[str], float]:
    interval = 1 / RATE
    requests = [signed_command("whoami", trigger=f"soak.{n}") for n in range(RATE * SECONDS)]
    with ThreadPoolExecutor(max_workers=256) as pool:
        start = time.perf_counter()
        futures = []
        for number, request in enumerate(requests):
            due = start + number * interval
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(_timed, url, request, due))
        results = [future.result() for future in futures]
        elapsed = time.perf_counter() - start
    return [r[0] for r in results], [r[1] for r in results if r[1]], elapsed


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
    for error in sorted(set(errors))[:3]:
        print(f"  e.g. {error}")


if __name__ == "__main__":
    main()
