"""The typed options of the chaos commands: percent steps, faults, steady states, step
durations, ids and game-day windows, each refused with why and an example."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from shared.chaos.expectations import expectation
from shared.chaos.models import LARGEST_PERCENT, LONGEST_DELAY_MS, Fault
from shared.chaos.schedules import Window
from shared.chaos.steps import EXTENSIONS, LONGEST_ACTION, LONGEST_STEP, SHORTEST_STEP
from shared.commands.duration import bounded, to_timedelta, written
from shared.judging.condition import well_formed
from shared.telemetry.models import Signal

MOST_STEPS = 5
MOST_EXPECTATIONS = 5


_PERCENT = re.compile(r"[0-9]{1,3}")
"""A percent step as typed: ASCII digits only (`int` also takes other scripts' digits, `+5`,
`5_0` and spaces)."""


def _percents(text: str) -> str:
    """The steps, as `1,5,25` (spaces after the commas dropped)."""
    parts = [part.strip(" ") for part in text.split(",")]
    if not all(_PERCENT.fullmatch(part) for part in parts):
        raise ValueError("write the percent steps as whole percentages, like 1,5,25")
    steps = [int(part) for part in parts]
    if any(not 1 <= s <= LARGEST_PERCENT for s in steps) or steps != sorted(set(steps)):
        raise ValueError(
            f"percent steps rise, each from 1 to {LARGEST_PERCENT} (like 1,5,25): each step is "
            "judged against the same minutes' unfaulted share, so at least half stays unfaulted"
        )
    if len(steps) > MOST_STEPS:
        raise ValueError(f"at most {MOST_STEPS} percent steps (like 1,5,25)")
    return ",".join(parts)


_DELAY = re.compile(r"^delay:(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)\Z", re.ASCII)


def _fault(text: str) -> str:
    """A fault as `Fault.parse` takes it: a delay in seconds (`delay:1.5s`) in whole ms; a
    delay out of FIS's range said with the range."""
    delay = _DELAY.match(text.strip())
    if delay is not None:
        ms = float(delay["amount"]) * (1000 if delay["unit"] == "s" else 1)
        if not ms.is_integer() or not 1 <= ms <= LONGEST_DELAY_MS:
            raise ValueError(
                f"`{text[:40]}`: a delay is 1 to {LONGEST_DELAY_MS:,} ms, in whole ms, e.g. "
                "`delay:1500ms`"
            )
        text = f"delay:{int(ms)}ms"
    Fault.parse(text)
    return text


def _expectations(texts: list[str]) -> list[str]:
    if not texts:
        raise ValueError('give the steady state with --expect, like --expect "p99_latency < 2s"')
    if len(texts) > MOST_EXPECTATIONS:
        raise ValueError(
            f"at most {MOST_EXPECTATIONS} --expect: each one more is another test the same "
            "minutes must pass, and the chance of a false deviation grows with them"
        )
    if len({" ".join(t.split()) for t in texts}) < len(texts):
        raise ValueError("the same --expect is given twice: give each steady state once")
    for text in texts:
        _steady_state(text)
    return texts


def _steady_state(text: str) -> None:
    """One `--expect`: a steady state, its latency with a unit; ValueError with steady-state
    examples otherwise."""
    if not well_formed(text):
        raise ValueError(
            f"`{text}` is not a steady state: write a bound that must hold, like "
            "`p99_latency < 2s` or `error_rate < 1%`"
        )
    condition = expectation(text)
    if condition.signal is not Signal.ERROR_RATE and not _TIMED.search(text):
        raise ValueError(
            f"{condition.signal.label} is a time: use ms or s, e.g. `{condition.signal.value} < 2s`"
        )


_TIMED = re.compile(r"\d\s*(?:ms|s)\s*$", re.ASCII)


Percents = Annotated[str, AfterValidator(_percents)]
FaultText = Annotated[str, AfterValidator(_fault)]
Expectations = Annotated[list[str], AfterValidator(_expectations)]


def _fits_fis(text: str) -> str:
    """A step no longer than `LONGEST_STEP`, refused with why (FIS's longest action); what is
    not a duration is left to `bounded`, which says so."""
    try:
        step = to_timedelta(text)
    except ValueError:
        return text
    if step > LONGEST_STEP:
        raise ValueError(
            f"`{text[:40]}` is too long for --duration: at most {written(LONGEST_STEP)}: AWS FIS "
            f"runs an action at most {LONGEST_ACTION.total_seconds() / 3600:g} hours, and a step "
            f"may be extended {EXTENSIONS} times"
        )
    return text


StepDuration = Annotated[
    str, AfterValidator(_fits_fis), bounded(at_least=SHORTEST_STEP, at_most=LONGEST_STEP)
]
"""How long each percent step lasts before it is judged (a latency steady state needs longer:
`steps.shortest_step`)."""
ExperimentId = Annotated[str, Field(pattern=r"^chx-[0-9a-f]{6,12}$")]


def _halted(text: object) -> object:
    if isinstance(text, str) and re.fullmatch(r"chs-[0-9a-f]{6,12}", text):
        raise ValueError(
            f"`{text}` is a game day, not an experiment: `sre chaos unschedule {text}` removes it "
            "(an experiment it started is halted by its own `chx-…` id)"
        )
    return text


HaltedId = Annotated[str, BeforeValidator(_halted), Field(pattern=r"^chx-[0-9a-f]{6,12}$")]


def _window(text: str) -> str:
    Window.parse(text)
    return text


WindowText = Annotated[str, AfterValidator(_window)]
"""A game day's weekly window, `Tue 10:00-12:00` (UTC)."""
Every = Annotated[str, bounded(at_least=timedelta(days=1), at_most=timedelta(days=90))]
"""How often a game day runs."""
GameDayId = Annotated[str, Field(pattern=r"^chs-[0-9a-f]{6,12}$")]
ValidFor = Annotated[str, bounded(at_least=timedelta(days=1), at_most=timedelta(days=365))]
"""How long a held experiment stands as verified resilience."""
