"""An experiment's journal in Chaos Toolkit's shape: its document (steady-state hypothesis,
method, rollbacks), `status` (completed, failed, aborted, interrupted), `deviated`, the steady
states before, during and after, the run and the rollbacks, start and end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.chaos.models import ChaosStep, Experiment, ExperimentOutcome, ExperimentState

_STATUS = {
    ExperimentOutcome.HELD: "completed",
    ExperimentOutcome.DEVIATED: "failed",
    ExperimentOutcome.INCONCLUSIVE: "aborted",
    ExperimentOutcome.HALTED: "interrupted",
    ExperimentOutcome.FAILED: "failed",
}
_RUN = {"injected", "advanced"}


def status(experiment: Experiment) -> str:
    """Chaos Toolkit's status; `running` until an outcome is decided."""
    return _STATUS[experiment.outcome] if experiment.outcome else "running"


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


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


def _document(experiment: Experiment) -> dict[str, Any]:
    """The experiment as Chaos Toolkit would declare it."""
    return {
        "title": f"{experiment.service} keeps its steady state under {experiment.fault.written}",
        "steady-state-hypothesis": {
            "title": "; ".join(experiment.expectations),
            "probes": [
                {"type": "probe", "name": text, "tolerance": text}
                for text in experiment.expectations
            ],
        },
        "method": [
            {"type": "action", "name": f"inject {experiment.fault.written} into {p}%"}
            for p in experiment.percents
        ],
        "rollbacks": [{"type": "action", "name": "remove every injection and verify"}],
    }


def journal(experiment: Experiment) -> dict[str, Any]:
    """The journal, JSON-ready."""
    during = [
        {
            "at": _when(s.at),
            "percent": s.percent,
            "steady_state_met": s.met,
            "verdict": s.verdict,
            "probes": s.reasons,
        }
        for s in experiment.steady_states
    ]
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
            "before": experiment.before.model_dump(mode="json") if experiment.before else None,
            "during": during,
            "after": during[-1] if ended and during else None,
        },
        "run": [_activity(experiment, s) for s in experiment.history if s.what in _RUN],
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
