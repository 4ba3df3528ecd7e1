"""What `alert create` and `alert edit` check of a policy on a metrics file before it is saved, as
`service signal set` does: the file has the signal's column; and the policy's durations are no
shorter than the file's step (a point every 5 minutes counts for its 5 minutes, so a `for 2m`
would be decided by a single point), nor the step longer than alerts judge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from shared.alerts.evaluator import LONGEST_STEP, PERIOD
from shared.alerts.models import AlertPolicy
from shared.commands.duration import written
from shared.errors import InvalidCommandError
from shared.services.columns import query_columns, require_columns
from shared.telemetry.metrics_files import MetricsFiles
from shared.telemetry.models import ResourceKind, Service
from shared.times import length


def file_note(files: MetricsFiles | None, service: Service, policy: AlertPolicy) -> str:
    """What to say of the file's step when it is longer than a minute (`five.csv has a point
    every 5m: each point counts for 5m`), "" otherwise; InvalidCommandError, saying what would
    work, when the file lacks the signal's column or the policy's durations do not fit its step."""
    if service.kind is not ResourceKind.METRICS_FILE or files is None:
        return ""
    signal = policy.condition.signal
    fix = (
        "Add the column to the file, alert on a signal it has, or point the signal at one of "
        f"its columns (`sre service signal set {service.name} {signal.value} --metric COLUMN`)."
    )
    require_columns(files, service, query_columns(service.queries[signal]), fix=fix)
    step = files.step(service.resource)
    if step is None or step <= PERIOD:
        return ""
    name, every = PurePath(service.resource).name, length(step)
    if step > LONGEST_STEP:
        raise InvalidCommandError(
            f"{name} has a point every {every}: alerts judge data with a point at least every "
            f"{length(LONGEST_STEP)}. Write the file's rows more often, or watch it with "
            f"`sre investigate {service.name}`."
        )
    _fits(name, step, "for", policy.condition.hold)
    _fits(name, step, "--keep-firing-for", policy.keep_firing_for)
    note = f"{name} has a point every {every}: each point counts for {every}"
    n = policy.condition.n
    if n > 1:
        note += (
            f", and `{policy.condition.m} of {n}` counts its last {n} points ({length(step * n)})"
        )
    return note


def _fits(name: str, step: timedelta, option: str, span: timedelta) -> None:
    """InvalidCommandError if `span` (a `for` or `--keep-firing-for`) is set but shorter than the
    file's step: one point would decide it, or it could not outlast one."""
    if not timedelta(0) < span < step:
        return
    raise InvalidCommandError(
        f"{name} has a point every {length(step)}: `{option} {written(span)}` is shorter than "
        f"that, so a single point would decide it. Write `{option} {written(step)}` or longer "
        f"(a whole number of its steps reads best), or leave it out."
    )
