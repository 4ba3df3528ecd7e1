"""Provider calls counted to the teams whose work made them (`provider-calls-per-hour`): a
wrapper around a MetricsSource or LogSource that measures the calls each read made."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from shared.identity.models import OrgId
from shared.quotas.models import Limit
from shared.quotas.ports import Quotas, UsageLedger
from shared.quotas.usage import UsageKind, provider_kind
from shared.telemetry.models import Event, LogEvidence, MetricQuery, Service
from shared.telemetry.ports import LogSource, MetricsSource, Points
from shared.telemetry.provider_calls import tallied

log = logging.getLogger("autosre.quotas")

T = TypeVar("T")
Payer = tuple[OrgId, str]
"""Who pays for a read: an org and one of its teams."""


def shares(calls: int, weights: Mapping[Payer, int], *, draw: str = "") -> dict[Payer, int]:
    """`calls` split by `weights` (the policies each team had in a batched read) into whole
    calls that add up to `calls` exactly: each payer its floor, and each call left over to one
    payer drawn by its remainder (seeded by `draw`, so a read is split the same way every time
    it is counted, and a team with a third of the policies pays a third of the one-call reads
    over the hours, not none of them)."""
    total = sum(weights.values())
    if total <= 0:
        return {}
    split = {payer: calls * w // total for payer, w in weights.items()}
    rest = {payer: calls * w % total for payer, w in weights.items() if calls * w % total}
    rng = random.Random(draw)  # noqa: S311 (a fair split, not a secret)
    for _ in range(calls - sum(split.values())):
        (payer,) = rng.choices(list(rest), weights=list(rest.values()))
        split[payer] += 1
        del rest[payer]
    return split


def _counts_calls(source: object) -> bool:
    """Whether `source` says each provider call it makes (every adapter of ours does)."""
    return isinstance(getattr(source, "calls", None), int)


class ProviderMeter:
    """Counts each read's provider calls into its payers' hourly counters. Counting never
    refuses (the calls are made) and never fails the read (a store that cannot count is logged).
    Each read's calls are tallied in the thread that makes it, so reads of one adapter run side
    by side (one org's slow read never holds up another's) and never count each other's calls."""

    def __init__(self, *, quotas: Quotas, usage: UsageLedger) -> None:
        self._quotas = quotas
        self._usage = usage

    def metrics(
        self, source: MetricsSource, payers: Mapping[Payer, int], *, at: datetime
    ) -> MetricsSource:
        """`source`, its calls counted to `payers` (split by weight) in `at`'s hour."""
        return MeteredMetricsSource(source, bill=Bill(meter=self, payers=payers, at=at))

    def logs(self, source: LogSource, payers: Mapping[Payer, int], *, at: datetime) -> LogSource:
        """`source`, its calls counted to `payers` in `at`'s hour."""
        return MeteredLogSource(source, bill=Bill(meter=self, payers=payers, at=at))

    def measured(
        self, source: object, call: Callable[[], T], payers: Mapping[Payer, int], at: datetime
    ) -> T:
        """`call()` on `source`, the provider calls it made counted to `payers` (one per read
        for a source that does not say its calls)."""
        with tallied() as tally:
            try:
                return call()
            finally:
                made = tally.calls if _counts_calls(source) else 1
                self._charge(made, payers, at, kind=provider_kind(source))

    def _charge(
        self, calls: int, payers: Mapping[Payer, int], at: datetime, *, kind: UsageKind
    ) -> None:
        """Each payer's share into its hourly counter and its month's usage of `kind`."""
        for (org, team), share in shares(calls, payers, draw=at.isoformat()).items():
            if share <= 0:
                continue
            try:
                limit = Limit.PROVIDER_CALLS_PER_HOUR
                self._quotas.take(org, team, limit, share, at=at, cap=None)
            except Exception:  # the read is made: counting must never undo nor block it
                log.exception("could not count %d provider calls of %s/%s", share, org, team)
            try:  # the month's usage apart: one sink failing never loses the other's count
                self._usage.add(org, team, kind, share, at=at)
            except Exception:
                log.exception("could not add %d %s to the usage of %s/%s", share, kind, org, team)


class Bill:
    """Who pays for a wrapped source's reads, and in which hour."""

    def __init__(self, *, meter: ProviderMeter, payers: Mapping[Payer, int], at: datetime) -> None:
        self.meter = meter
        self.payers = dict(payers)
        self.at = at

    def measured(self, source: object, call: Callable[[], T]) -> T:
        """`call()` on `source`, counted."""
        return self.meter.measured(source, call, self.payers, self.at)


class MeteredMetricsSource:
    """A MetricsSource whose every read is counted."""

    def __init__(self, source: MetricsSource, *, bill: Bill) -> None:
        self._source = source
        self._bill = bill

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """The source's read, counted."""
        source = self._source
        return self._bill.measured(
            source, lambda: source.read(queries, start=start, end=end, step=step)
        )

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """The source's events, counted."""
        source = self._source
        return self._bill.measured(source, lambda: source.events(service, start=start, end=end))


class MeteredLogSource:
    """A LogSource whose every read is counted."""

    def __init__(self, source: LogSource, *, bill: Bill) -> None:
        self._source = source
        self._bill = bill

    def evidence(
        self, service: Service, *, baseline_start: datetime, start: datetime, end: datetime
    ) -> list[LogEvidence]:
        """The source's evidence, counted."""
        source = self._source
        return self._bill.measured(
            source,
            lambda: source.evidence(service, baseline_start=baseline_start, start=start, end=end),
        )
