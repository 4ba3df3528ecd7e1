"""How far back a tick reads: a cloud provider's series come every minute, so its policies read
only the minutes they judge (the last N and the 5 minutes Prometheus looks back for a sample);
one found sparser is read again, once, as far as the longest step; a metrics file may have a
longer step, found in what is read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.models import AlertPolicy, AlertStatus
from shared.alerts.states import State
from shared.identity.models import OrgId
from shared.judging.condition import parse
from shared.telemetry.models import MetricQuery
from shared.telemetry.ports import Points
from tests.support import NOW
from tests.support.alerting import RecordedReads, reading_lambda, team_with_alerts


def test_a_cloud_policy_reads_only_the_minutes_it_judges() -> None:
    # GIVEN an alert `traffic > 10` (one period) on a Lambda function's traffic
    provider = RecordedReads()
    services, store, evaluator = reading_lambda(provider)
    team_with_alerts(services, store, OrgId("slack:T1"), fn="fn-1")
    # WHEN it is evaluated
    (judged,) = evaluator.evaluate(store.list_for(OrgId("slack:T1"), "payments"), NOW)
    # THEN one read of its period and the minutes before it (Prometheus' 5-minute lookback for
    # the latest sample, or 4 periods of a series with a point every other minute, which is
    # then judged with no second read), not 15 minutes each: 10,000 policies' tick spent
    # 3.1 → 5.5 s in the reads
    assert provider.spans == [timedelta(minutes=8)]
    assert judged.active is True


class EveryFiveMinutes(RecordedReads):
    """A Lambda invoked by a cron every 5 minutes: CloudWatch has a point every 5 minutes."""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.spans.append(end - start)
        times = [start + timedelta(minutes=m) for m in range(int((end - start).seconds / 60))]
        return [[(at, 50.0) for at in times if at.minute % 5 == 0] for _ in queries]


def test_a_sparse_cloud_series_is_read_again_once_as_far_as_its_step_may_need() -> None:
    # GIVEN the same alert on a Lambda function with a point every 5 minutes
    provider = EveryFiveMinutes()
    services, store, evaluator = reading_lambda(provider)
    team_with_alerts(services, store, OrgId("slack:T1"), fn="fn-1")
    # WHEN it is evaluated
    (judged,) = evaluator.evaluate(store.list_for(OrgId("slack:T1"), "payments"), NOW)
    # THEN the first read finds it sparse, and a second reads N + 2 of 15 minutes, no more
    assert provider.spans == [timedelta(minutes=8), timedelta(minutes=45)]
    # AND it is judged on its own 5-minute step
    assert (judged.period, judged.active) == (timedelta(minutes=5), True)


class EveryOtherMinute(RecordedReads):
    """A quiet Lambda invoked about every other minute: a point every 2 minutes."""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.spans.append(end - start)
        times = [start + timedelta(minutes=m) for m in range(int((end - start).seconds / 60))]
        return [[(at, 50.0) for at in times if at.minute % 2 == 1] for _ in queries]


def test_a_series_with_a_point_every_other_minute_costs_one_read() -> None:
    # GIVEN the alert on a quiet function (its last minute has no point every other tick)
    provider = EveryOtherMinute()
    services, store, evaluator = reading_lambda(provider)
    team_with_alerts(services, store, OrgId("slack:T1"), fn="fn-1")
    # WHEN it is evaluated at a minute with a point and at one without
    for at in (NOW, NOW + timedelta(minutes=1)):
        (judged,) = evaluator.evaluate(store.list_for(OrgId("slack:T1"), "payments"), at)
        assert judged.active is True
    # THEN each evaluation is one read: its first read reaches back its own step
    assert provider.spans == [timedelta(minutes=8)] * 2


def _anomaly_alert(store: InMemoryAlertStore, status: AlertStatus) -> None:
    """An anomaly alert on the same Lambda's error rate, in `status`."""
    store.save(
        AlertPolicy(
            org=OrgId("slack:T1"),
            team="payments",
            name="odd",
            service="checkout",
            condition=parse("error_rate anomalous"),
            created_by="ann",
            created_at=NOW,
            status=status,
        )
    )


FIRED = NOW - timedelta(hours=20)


@pytest.mark.parametrize(
    ("status", "reach"),
    [
        (AlertStatus(state=State.FIRING, active_at=FIRED, fired_at=FIRED), timedelta(hours=24)),
        (AlertStatus(), timedelta(hours=4)),
    ],
    ids=["firing for 20 hours", "inactive"],
)
def test_an_anomaly_alert_reads_its_hours_apart_from_the_thresholds_minutes(
    status: AlertStatus, reach: timedelta
) -> None:
    # GIVEN the alert `traffic > 10` and, beside it, an anomaly alert (firing for 20 hours)
    provider = RecordedReads()
    services, store, evaluator = reading_lambda(provider)
    team_with_alerts(services, store, OrgId("slack:T1"), fn="fn-1")
    _anomaly_alert(store, status)
    # WHEN they are evaluated
    judged = evaluator.evaluate(store.list_for(OrgId("slack:T1"), "payments"), NOW)
    # THEN the threshold's series is read for its minutes, and the anomaly alert's apart: its
    # four hours, or back to the four hours before it fired (one read of 24 hours of every
    # series of the org, before)
    assert sorted(provider.spans) == [timedelta(minutes=8), reach]
    assert {e.policy.name: e.active for e in judged}["busy"] is True
