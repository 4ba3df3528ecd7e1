"""Our alert state machine against Prometheus' own, minute by minute (`promtool test rules`).

`golden/cases.json` was made by `golden/generate.py` with promtool; the series are fed to our
state machine the way Prometheus reads them (an instant query sees the latest sample of the last
five minutes, and a stale marker hides the series at once)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.alerts.states import Instance, State, step
from shared.judging.condition import duration
from tests.unit.alerts.golden import generate

GOLDEN = json.loads((Path(__file__).parent / "golden" / "cases.json").read_text())
STALE = "stale"
LOOKBACK = 5
"""Minutes an instant query looks back (Prometheus' --query.lookback-delta, inclusive in 2.x)."""
_TERM = re.compile(r"^(?P<a>-?\d+(?:\.\d+)?)(?:(?P<sign>[+-])(?P<b>\d+(?:\.\d+)?))?x(?P<n>\d+)$")
T0 = datetime(2026, 11, 22, tzinfo=UTC)


def expand(notation: str) -> list[float | str | None]:
    """promtool's series notation, one entry per interval: a value, None (`_`) or `stale`."""
    values: list[float | str | None] = []
    for term in notation.split():
        if term == "_" or term == STALE:
            values.append(None if term == "_" else STALE)
        elif term.startswith("_x"):
            values += [None] * int(term[2:])
        elif found := _TERM.match(term):
            a, n = float(found["a"]), int(found["n"])
            b = float(found["b"] or 0) * (-1 if found["sign"] == "-" else 1)
            values += [a + b * i for i in range(n + 1)]
        else:
            values.append(float(term))
    return values


def seen_at(values: list[float | str | None], minute: int) -> float | None:
    """What an instant query sees at `minute`: the lookback's latest sample, unless stale."""
    for back in range(min(minute, len(values) - 1), max(minute - LOOKBACK, 0) - 1, -1):
        sample = values[back]
        if sample == STALE:
            return None
        if isinstance(sample, float):
            return sample
    return None


def our_firing(case: dict[str, Any], minutes: int) -> list[int]:
    """The minutes at which our state machine says the case's alert fires."""
    values = expand(case["values"])
    instance = Instance()
    fired = []
    for minute in range(minutes):
        value = seen_at(values, minute)
        instance = step(
            instance,
            value is not None and value > 10,
            T0 + timedelta(minutes=minute),
            hold=duration(case["for"]),
            keep_firing_for=duration(case["keep_firing_for"]),
        )
        if instance.state is State.FIRING:
            fired.append(minute)
    return fired


def test_the_golden_set_is_big_enough_and_covers_the_hard_cases() -> None:
    shapes = {case["shape"] for case in GOLDEN["cases"]}
    assert len(GOLDEN["cases"]) >= 30
    assert {"one-miss-resets-for", "short-gap", "long-gap", "stale"} <= shapes
    assert any(case["keep_firing_for"] != "0m" for case in GOLDEN["cases"])


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"{c['name']}-{c['shape']}")
def test_our_state_machine_fires_when_prometheus_does(case: dict[str, Any]) -> None:
    assert our_firing(case, GOLDEN["minutes"]) == case["firing"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) absent")
def test_promtool_itself_still_agrees_with_the_golden_set() -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None
    fired = generate.firing(GOLDEN["cases"], promtool)
    assert {c["name"]: c["firing"] for c in GOLDEN["cases"]} == fired
