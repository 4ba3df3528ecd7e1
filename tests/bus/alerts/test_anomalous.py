"""An anomaly condition (`error_rate anomalous for 10m`) holds for as long as the signal stays
anomalous, not only at the first minute of a change, so `for 10m` can ever be met."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

from shared.adapters.local.csv_metrics import CsvMetricsSource
from shared.adapters.memory import FixedClock, InMemoryAlertStore, InMemoryNotifier
from shared.alerts.evaluator import AlertEvaluator
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Platform
from shared.telemetry.models import ResourceKind
from tests.support import NOW, run, run_deferred, run_scheduler_at, setup_teams


def _errors_jump(path: Path, *, last: int) -> None:
    """Four hours of a ~1% error rate a minute apart up to NOW, the last `last` minutes at 13%."""
    noise = random.Random(7)
    rows = ["timestamp,error_rate"]
    for i in range(240, 0, -1):
        at = (NOW - timedelta(minutes=i)).isoformat()
        level = 13.0 if i <= last else 1.0
        rows.append(f"{at},{level * (1 + noise.uniform(-0.1, 0.1)):.3f}")
    path.write_text("\n".join(rows) + "\n")


def test_a_sustained_anomaly_keeps_the_condition_holding_minute_after_minute(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    _errors_jump(folder / "web.csv", last=15)
    clock = FixedClock(NOW)
    store = InMemoryAlertStore()
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier(), alerts=store)
    setup_teams(services)
    for text in (
        "service register web --metrics-file web.csv",
        'alert create errors --service web --when "error_rate anomalous for 10m"',
    ):
        assert not run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL).failed
    sources = {ResourceKind.METRICS_FILE: CsvMetricsSource(folder)}
    evaluator = AlertEvaluator(directory=services.directory, sources=sources)
    (judged,) = evaluator.evaluate(store.every(), clock.now())
    assert judged.active is True


def test_an_anomaly_alert_tells_the_value_in_its_unit_and_explains_its_score(
    tmp_path: Path,
) -> None:
    # GIVEN an error rate that jumped from 1% to 13% for the last 15 minutes
    folder = tmp_path / "metrics"
    folder.mkdir()
    _errors_jump(folder / "web.csv", last=15)
    notifier = InMemoryNotifier()
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=FixedClock(NOW), notifier=notifier)
    setup_teams(services)
    for text in (
        "service register web --metrics-file web.csv",
        'alert create odd --service web --when "error_rate anomalous"',
    ):
        assert not run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL).failed
    # WHEN it is tested, then fires
    tested = run_deferred(services, "alert test odd", user="vic", channel="C-pay")
    run_scheduler_at(services, NOW)
    (_, notice) = notifier.posted[-1]  # after the test's own answer
    # THEN the test gives the error rate in percent and the detector's score with its meaning
    assert "The latest point is anomalous: the condition holds." in tested.text, tested.text
    assert "Error rate now 1" in tested.text and "%; the detector scores it " in tested.text
    assert "0.99 or more counts as anomalous" in tested.text
    # AND the firing message gives the error rate first, then the score it judged with its
    # meaning (before, the score alone: `now detector score 0.995`)
    assert notice.title == "FIRING web: odd"
    assert re.search(
        r"now 1\d\.\d% \(detector score [01]\.\d{3}; 0\.99 or more is anomalous\)", notice.text
    ), notice.text
