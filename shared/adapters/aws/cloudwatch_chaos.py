"""The FaultMetrics port on CloudWatch, honest about what Lambda's metrics can split.

FIS's extension faults a share of a function's invocations, but the function's metrics (and the
front door's) do not say which invocations were faulted. So on AWS the two sides are the whole
service over two windows: the experiment side is the minutes asked for (the injection), the
control side the same number of minutes just before them, less FIS's ramp-up (the service before
this step's fault reached it). A fault on p% of the invocations moves the whole service's numbers
by about p% of its effect: the hypothesis is judged on what all customers saw (README)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.chaos.models import Fault, FaultKind
from shared.chaos.steps import RAMP_UP
from shared.judging.judge import MetricData
from shared.telemetry.models import MetricQuery, Service, Signal
from shared.telemetry.ports import Points

STEP = 60
"""One sample a minute, as the judge reads canaries."""
_SIGNALS = {signal.value: signal for signal in Signal}


def _per_minute(points: Points) -> dict[datetime, float]:
    return {at.replace(second=0, microsecond=0): value for at, value in points}


class CloudWatchFaultMetrics:
    """Reads a service's registered queries over the injection and the minutes before it."""

    splits_shares = False
    """CloudWatch cannot tell the faulted invocations apart: the whole service is read."""

    def __init__(
        self, source: CloudWatchMetricsSource | None = None, *, lead: timedelta = RAMP_UP
    ) -> None:
        """`lead`: how long before `start` the control side ends (the step's ramp-up)."""
        self._source = source or CloudWatchMetricsSource()
        self._lead = lead

    def fault_alone(self, fault: Fault, signal: Signal, percent: int) -> float:
        """FIS fails or delays every faulted invocation: `percent`% of the whole service's
        requests, which is what is read; a delay sets its p99 once more than 1% is delayed
        (its p50 would need more than half, above any step)."""
        if signal is Signal.ERROR_RATE:
            return float(percent) if fault.fails else 0.0
        slowest = 1 if signal is Signal.P99_LATENCY else 50  # what the percentile leaves out
        delayed = fault.kind is FaultKind.DELAY and percent > slowest
        return float(fault.delay_ms) if delayed else 0.0

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        """Per signal the service registered: the minutes before the injection (control) and
        the injection's (experiment); `error_rate` as error counts with the requests served,
        which needs its query to divide by a request count."""
        before = start - self._lead
        windows = ((before - (end - start), before), (start, end))
        found: dict[str, MetricData] = {}
        for name in signals:
            signal = _SIGNALS.get(name)
            query = service.queries.get(signal) if signal else None
            if query is None:
                continue
            if signal is Signal.ERROR_RATE:
                if query.divide_by is None:
                    continue  # a rate with no request count: nothing to weigh it by
                found[name] = self._counts(query, query.divide_by, windows)
            else:
                control, experiment = (self._values(query, *w) for w in windows)
                found[name] = MetricData(control=control, experiment=experiment)
        return found

    def _values(self, query: MetricQuery, start: datetime, end: datetime) -> list[float]:
        (points,) = self._source.read([query], start=start, end=end, step=STEP)
        return [value for _, value in sorted(_per_minute(points).items())]

    def _counts(
        self,
        query: MetricQuery,
        requests: MetricQuery,
        windows: tuple[tuple[datetime, datetime], ...],
    ) -> MetricData:
        errors = query.model_copy(update={"divide_by": None, "scale": 1.0})
        sides: list[tuple[list[float], int]] = []
        for start, end in windows:
            failed, served = (
                _per_minute(points)
                for points in self._source.read([errors, requests], start=start, end=end, step=STEP)
            )
            minutes = sorted(m for m, n in served.items() if n > 0)
            sides.append(([failed.get(m, 0.0) for m in minutes], round(sum(served.values()))))
        (control, control_total), (experiment, experiment_total) = sides
        return MetricData(
            control=control,
            experiment=experiment,
            control_total=control_total,
            experiment_total=experiment_total,
        )
