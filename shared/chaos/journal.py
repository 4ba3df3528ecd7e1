"""An experiment's journal in Chaos Toolkit's shape: its document (steady-state hypothesis,
method, rollbacks), `status` (completed, failed, aborted, interrupted), `deviated`, the steady
states before, during and after, the run and the rollbacks, start and end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.chaos.expectations import expectation
from shared.chaos.models import (
    ChaosStep,
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    SteadyState,
)
from shared.errors import SreError
from shared.judging.condition import unit

_STATUS = {
    ExperimentOutcome.HELD: "completed",
    ExperimentOutcome.DEVIATED: "failed",
    ExperimentOutcome.INCONCLUSIVE: "aborted",
    ExperimentOutcome.HALTED: "interrupted",
    ExperimentOutcome.FAILED: "failed",
}


def status(experiment: Experiment) -> str | None:
    """Chaos Toolkit's status; None until an outcome is decided (as chaostoolkit-lib's journal
    reads while its run goes on: it sets the status at the end)."""
    return _STATUS[experiment.outcome] if experiment.outcome else None


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _injections(experiment: Experiment) -> list[ChaosStep]:
    """Each step's injection once: an `advanced` record (which carries the step before's
    verdict) only where no `injected` one of its share follows (experiments recorded before
    each step's injection was)."""
    injected = {s.percent for s in experiment.history if s.what == "injected"}
    return [
        s
        for s in experiment.history
        if s.what == "injected" or (s.what == "advanced" and s.percent not in injected)
    ]


def _activity(experiment: Experiment, step: ChaosStep) -> dict[str, Any]:
    """One step of the method as Chaos Toolkit runs an action."""
    return {
        "activity": {
            "type": "action",
            "name": f"inject {experiment.fault.written} into {step.percent}%",
        },
        "status": "succeeded",
        "start": _when(step.at),
        "end": _when(step.at),
        "output": step.reason,
    }


def tolerance(text: str) -> dict[str, Any] | str:
    """An expectation as Chaos Toolkit's range tolerance, with its signal and unit:
    `p99_latency < 2s` is `{"type": "range", "range": [0, 2000], "target": "p99_latency",
    "unit": "ms"}` (a steady state is always a ceiling); one not parsed stays its text."""
    try:
        found = expectation(text)
    except (SreError, ValueError):
        return text
    if found.threshold is None:
        return text
    return {
        "type": "range",
        "range": [0, found.threshold],
        "target": found.signal.value,
        "unit": unit(found.signal),
    }


def _probe(text: str) -> dict[str, Any]:
    """One expectation as a Chaos Toolkit probe of the steady-state hypothesis."""
    return {
        "type": "probe",
        "name": text,
        "tolerance": tolerance(text),
        "provider": {
            "type": "python",
            "module": "shared.chaos.hypothesis",
            "func": "assess",
            "arguments": {"expectation": text},
        },
    }


def _steady_state(experiment: Experiment, state: SteadyState) -> dict[str, Any]:
    """One judgement as Chaos Toolkit journals a steady state: whether it was met, and each
    probe run with its output and whether its tolerance was met."""
    texts, reasons = experiment.expectations, state.reasons
    outputs = reasons if len(reasons) == len(texts) else ["; ".join(reasons)] * len(texts)
    return {
        "steady_state_met": state.met,
        "probes": [
            {
                "activity": _probe(text),
                "status": "succeeded",
                "output": output,
                "start": _when(state.at),
                "end": _when(state.at),
                "duration": 0.0,
                "tolerance_met": state.met or "breaks " not in output,
            }
            for text, output in zip(texts, outputs, strict=True)
        ],
        "x-autosre": {"percent": state.percent, "verdict": state.verdict},
    }


def _document(experiment: Experiment) -> dict[str, Any]:
    """The experiment as Chaos Toolkit would declare it."""
    return {
        "title": f"{experiment.service} keeps its steady state under {experiment.fault.written}",
        "steady-state-hypothesis": {
            "title": "; ".join(experiment.expectations),
            "probes": [_probe(text) for text in experiment.expectations],
        },
        "method": [
            {"type": "action", "name": f"inject {experiment.fault.written} into {p}%"}
            for p in experiment.percents
        ],
        "rollbacks": [{"type": "action", "name": "remove every injection and verify"}],
    }


def journal(experiment: Experiment) -> dict[str, Any]:
    """The journal, JSON-ready."""
    during = [_steady_state(experiment, s) for s in experiment.steady_states]
    before = experiment.before
    ended = experiment.state is ExperimentState.ENDED
    return {
        "chaoslib-version": None,
        "platform": "Auto SRE",
        "experiment": _document(experiment),
        "start": _when(experiment.started_at),
        "end": _when(experiment.ended_at),
        "status": status(experiment),
        "deviated": experiment.outcome is ExperimentOutcome.DEVIATED,
        "steady_states": {
            "before": _steady_state(experiment, before) if before else None,
            "during": during,
            "after": during[-1] if ended and during else None,
        },
        "run": [_activity(experiment, s) for s in _injections(experiment)],
        "rollbacks": [
            {
                "activity": {"type": "action", "name": f"remove {r.key}"},
                "status": "succeeded" if r.verified else "failed",
                "start": _when(r.at),
                "end": _when(r.at),
                "output": r.error or "removed and verified",
            }
            for r in experiment.rollbacks
        ],
        "x-autosre": {
            "id": experiment.id,
            "outcome": experiment.outcome,
            "reason": experiment.reason,
        },
    }
