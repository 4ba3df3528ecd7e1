"""Redaction of the longest command line read (4,000 characters), plain prose against text
shaped to make a backtracking pattern retry at every position (`k-k-k-…`, a name's parts with no
secret after them): each pattern's repetitions are bounded, so both are linear in the text."""

from __future__ import annotations

import statistics
import time

from shared.audit.redaction import redact

SHAPES = {
    "prose": "rolled back v42 after the deploy, errors fell to 0.2% by 21:40 " * 62,
    "k-k-k-… (name parts)": "k-" * 1999 + "k",
    "p-p-…pass": "p-" * 1999 + "pass",
    "--k-k-… (an option's name)": "--" + "k-" * 1998,
    "k.k.k.… (host names)": "k." * 2000,
}


def _median_ms(text: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        redact(text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print each shape's redaction time and its ratio to prose of the same length."""
    print("Redaction of 4,000 characters (median of 5; unbounded, `k-k-k-…` took about 5 s)")
    _median_ms(SHAPES["prose"])  # warm: the patterns' first use
    prose = _median_ms(SHAPES["prose"])
    for name, text in SHAPES.items():
        took = _median_ms(text)
        print(f"  {name:<28} {len(text):5,} chars {took:8.1f} ms  ({took / prose:5.1f}x prose)")


if __name__ == "__main__":
    main()
