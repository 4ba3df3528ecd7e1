"""The doctor's checks of the deployment itself: the task queue (its depth, and its dead-letter
queue's) and the worker's live version against the last deploy, each said with what to do."""

from __future__ import annotations

from shared.doctor.ports import QueueGauge, Unchecked, WorkerVersions
from shared.replies import counted

UPDATING_THE_WORKER = "README, 'Updating the worker'"


def queue_check(gauge: QueueGauge | Unchecked) -> tuple[str, str]:
    """The task queue's line: its depth read now, a ✗ when it cannot be read, or why not."""
    if isinstance(gauge, Unchecked):
        return ("Task queue", f"not checked: {gauge.why}")
    try:
        depth = gauge.depth()
    except Exception as error:  # noqa: BLE001 (a report, not a failure)
        return ("Task queue", f"✗ {type(error).__name__}: {error}")
    said = f"✓ {depth.queue}: {depth.waiting} waiting, {depth.running} running"
    if depth.dead_letters is None:
        return ("Task queue", f"{said}; no dead-letter queue")
    if not depth.dead_letters:
        return ("Task queue", f"{said}; dead-letter queue empty")
    failed = counted(depth.dead_letters, "task")
    return (
        "Task queue",
        f"{said}; {failed} in the dead-letter queue (each failed five times: README, "
        "'When deferred commands fail')",
    )


def worker_check(versions: WorkerVersions | Unchecked) -> tuple[str, str]:
    """The worker's line: ✗ when its live version runs another environment than the last
    deploy gave it (a parameter change that never reached it), with how to publish and promote."""
    if isinstance(versions, Unchecked):
        return ("Worker version", f"not checked: {versions.why}")
    try:
        release = versions.release()
    except Exception as error:  # noqa: BLE001 (a report, not a failure)
        return ("Worker version", f"✗ {type(error).__name__}: {error}")
    live = f"the alias `live` runs version {release.live_version}"
    fix = (
        f"publish the last deploy as a version (`aws lambda publish-version --function-name "
        f"{release.function}` prints its number N) and promote N (`sre canary start "
        f"autosre-worker --version N --replay`, then `sre canary promote <canary id>`; "
        f"{UPDATING_THE_WORKER})"
    )
    if release.changed:
        names = ", ".join(release.changed)
        return (
            "Worker version",
            f"✗ {live}, whose settings differ from the last deploy's in {names}: deferred "
            f"commands do not use them yet; {fix}",
        )
    if release.code_changed:
        return (
            "Worker version",
            f"✓ {live}, with the last deploy's settings; the last deploy's code is not live yet: "
            f"{fix}",
        )
    return ("Worker version", f"✓ {live}, the last deploy's code and settings")
