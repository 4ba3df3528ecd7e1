"""Where a surface gives a posted message no id (the terminal prints, it cannot update in
place), alerts of different services never share a message: a resolve is said as its own
service's, not as an update of whatever fired last."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryNotifier
from shared.invocation import ReplyTarget
from shared.replies import Reply
from tests.support import NOW, MovingClock, run, run_scheduler
from tests.support.alerting import every, file_alerting, register_file, write_metrics

MINUTE = timedelta(minutes=1)


class Printed(InMemoryNotifier):
    """Keeps what is posted, as the terminal prints it: no message id to update later."""

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        super().post(target, reply, user=user)
        return target


def _write(folder: Path, name: str, clock: MovingClock, error_rate: float) -> None:
    rows = every(MINUTE, start=clock.at - timedelta(hours=1), end=clock.at, value=error_rate)
    write_metrics(folder / f"{name}.csv", rows)


def test_a_resolve_is_said_as_its_own_services_never_under_another_firing(
    tmp_path: Path,
) -> None:
    folder, clock, printed = tmp_path / "metrics", MovingClock(NOW), Printed()
    folder.mkdir()
    for name in ("a", "b"):
        _write(folder, name, clock, 5.0)
    services = file_alerting(folder, clock, printed)
    for name in ("a", "b"):
        register_file(services, f"svc-{name}", f"{name}.csv")
        made = f'alert create {name}-err --service svc-{name} --when "error_rate > 2%"'
        assert not run(services, made, user="oli", channel="C-pay").failed
    # GIVEN both alerts firing, each told under its own service
    run_scheduler(services, clock, 1)
    fired = [r.title for _, r in printed.posted if r.title.startswith("FIRING")]
    assert sorted(fired) == ["FIRING svc-a: a-err", "FIRING svc-b: b-err"]
    # WHEN svc-a recovers and svc-b still fires
    clock.at += MINUTE
    _write(folder, "a", clock, 0.3)
    _write(folder, "b", clock, 5.0)
    run_scheduler(services, clock)
    # THEN svc-a's resolve is told as svc-a's alone, and nothing is said under svc-a of b-err
    told = [r for _, r in [*printed.posted[2:], *printed.updated]]
    titles = [r.title for r in told]
    assert all("b-err" not in r.title for r in told if "svc-a" in r.title), titles
    assert any("svc-a" in t and "a-err" in t and "RESOLVED" in t.upper() for t in titles), titles
