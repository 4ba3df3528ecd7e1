"""An alert policy on a signal with no data shows *no data* (Grafana's NoData, CloudWatch's
INSUFFICIENT_DATA), never *inactive*, wherever its state is shown; the state machine is
untouched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryAlertStore, InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Reply, Tone
from tests.support import NOW, run, run_deferred, run_scheduler_at, setup_teams


def _latency_only(path: Path, *, errors: bool = False) -> None:
    """An hour of p99 latency a minute apart up to NOW (and error rate, if `errors`)."""
    rows = ["timestamp,p99_latency" + (",error_rate" if errors else "")]
    for i in range(60, 0, -1):
        at = (NOW - timedelta(minutes=i)).isoformat()
        rows.append(f"{at},300" + (",0.1" if errors else ""))
    path.write_text("\n".join(rows) + "\n")


def _services(tmp_path: Path, clock: FixedClock, store: InMemoryAlertStore) -> Services:
    """Policies on web.csv's error rate and latency, the error rate gone from the file since."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    _latency_only(folder / "web.csv", errors=True)  # a policy is made only on a column it has
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier(), alerts=store)
    setup_teams(services)
    register = "service register web --metrics-file web.csv"
    assert run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL).tone is (
        Tone.OK
    )
    for text in (
        'alert create errors --service web --when "error_rate > 2%"',
        'alert create slow --service web --when "p99_latency > 800ms"',
        'alert create quiet --service web --when "error_rate > 2%" --missing ok',
    ):
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK, text
    _latency_only(folder / "web.csv")  # then its exporter stops writing the error rate
    return services


def _states(services: Services) -> dict[str, str]:
    listed = run(services, "alert list", user="vic", channel="C-pay")
    return {name: value.split(" · ")[0] for name, value in listed.fields}


def _shown(services: Services, name: str) -> Reply:
    return run(services, f"alert show {name}", user="vic", channel="C-pay")


def test_a_policy_on_a_signal_without_data_shows_no_data(tmp_path: Path) -> None:
    # GIVEN a metrics file with p99 latency only, and policies on its error rate and its latency
    services = _services(tmp_path, FixedClock(NOW), InMemoryAlertStore())
    # WHEN the scheduler evaluates them
    run_scheduler_at(services, NOW)
    # THEN the error-rate policy shows no data; the latency one, judged, is inactive; with
    # --missing ok, no data counts as ok and says so
    assert _states(services) == {
        "errors": "no data",
        "slow": "inactive",
        "quiet": "inactive (no data)",
    }
    assert "State: no data" in _shown(services, "errors").text
    assert "State: inactive\n" in _shown(services, "slow").text + "\n"
    tested = run_deferred(services, "alert test errors", user="vic", channel="C-pay")
    assert tested.title == "Test of errors: it would show no data", tested.title
    acked = run(services, "alert ack errors", user="rey", channel="C-pay")
    assert "Alert errors is not firing (no data)" in acked.text


def test_no_data_is_written_once_and_cleared_when_data_arrives(tmp_path: Path) -> None:
    store = InMemoryAlertStore()
    services = _services(tmp_path, FixedClock(NOW), store)
    run_scheduler_at(services, NOW)
    (errors,) = [p for p in store.every() if p.name == "errors"]
    # WHEN another minute has no data either: nothing moved, so nothing is written
    run_scheduler_at(services, NOW + timedelta(minutes=1))
    (again,) = [p for p in store.every() if p.name == "errors"]
    assert again.version == errors.version
    # WHEN the file gains the error rate: the policy is judged again, inactive
    _latency_only(tmp_path / "metrics" / "web.csv", errors=True)
    run_scheduler_at(services, NOW + timedelta(minutes=2))
    assert _states(services)["errors"] == "inactive"
