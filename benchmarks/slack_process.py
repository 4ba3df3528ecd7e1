"""One fresh process: import a Slack Lambda handler, answer one signed request, then warm ones.

Run by benchmarks/slack_cold_start.py; prints one JSON line with its figures.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
STARTED_CPU = time.process_time()

import contextlib  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


def _payloads() -> Any:
    """tests/support/payloads.py alone: importing it as `tests.support.payloads` would run the
    test helpers' package, which loads the whole product into both candidates' timings."""
    path = __file__.rsplit("/", 2)[0] + "/tests/support/payloads.py"
    spec = importlib.util.spec_from_file_location("bench_payloads", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    module, event_file, warm = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(event_file) as source:  # noqa: PTH123 (pathlib would add an import to the timing)
        event = json.load(source)
    LambdaContext = _payloads().LambdaContext  # noqa: N806 (a class)

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):  # Powertools prints one EMF line per invocation
        handler = importlib.import_module(module).handler
        imported = time.perf_counter()
        first = handler(event, LambdaContext())
        answered = time.perf_counter()
        cold_cpu = time.process_time() - STARTED_CPU
        statuses: set[int] = set()
        fifths: list[float] = []
        begin = time.perf_counter()
        for _ in range(5 if warm else 0):  # each fifth's CPU time: the quietest is the best guess
            begin_cpu = time.process_time()
            statuses |= {handler(event, LambdaContext())["statusCode"] for _ in range(warm // 5)}
            fifths.append(time.process_time() - begin_cpu)
        warm_seconds = time.perf_counter() - begin
        quietest = min(fifths, default=0.0)
    print(
        json.dumps(
            {
                "import_ms": (imported - STARTED) * 1000,
                "first_ms": (answered - imported) * 1000,
                "cold_cpu_ms": cold_cpu * 1000,
                "status": first["statusCode"],
                "warm_statuses": sorted(statuses),
                "warm_per_second": warm / warm_seconds if warm else 0.0,
                "warm_per_cpu_second": (warm // 5) / quietest if quietest else 0.0,
                "answer": first["body"][:200],
            }
        )
    )


if __name__ == "__main__":
    main()
