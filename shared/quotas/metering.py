"""Provider calls counted to the teams whose work made them (`provider-calls-per-hour`): a
wrapper around a MetricsSource or LogSource that measures the calls each read made, trued up
against the call a piece of work reserved (atomically, within the limit) before its first read."""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from shared.identity.models import OrgId
from shared.quotas.models import Cap, Limit, Refused, Taken
from shared.quotas.ports import Quotas, UsageLedger
from shared.quotas.usage import REQUESTED_BY, UsageKind, provider_kind, provider_kind_named
from shared.telemetry.models import Event, LogEvidence, MetricQuery, Service
from shared.telemetry.ports import LogSource, MetricsSource, Points
from shared.telemetry.provider_calls import Tally, tallied

log = logging.getLogger("autosre.quotas")

T = TypeVar("T")
Payer = tuple[OrgId, str]
"""Who pays for a read: an org and one of its teams."""
HOURLY = Limit.PROVIDER_CALLS_PER_HOUR
RESERVED = 1
"""The calls a piece of work reserves before its first read: the fewest that read makes (one
call a read, however a source batches it)."""


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


_CALLS = frozenset(UsageKind) - frozenset(REQUESTED_BY.values())
"""The kinds that count provider calls (the others count what the calls requested)."""


def _usage_of(source: object, tally: Tally, *, unsaid: int) -> Counter[UsageKind]:
    """What a read made, by kind: each call under the kind of the adapter that said it made it
    (calls no adapter named, under `source`'s), the metrics requested where they are billed;
    `unsaid` calls of `source`'s kind when neither it nor any adapter it read says its calls."""
    usage: Counter[UsageKind] = Counter()
    if not (_counts_calls(source) or tally.calls):
        usage[provider_kind(source)] = unsaid
        return usage
    for adapter, calls in tally.by_adapter.items():
        kind = provider_kind_named(adapter)
        usage[kind] += calls
        if kind in REQUESTED_BY:
            usage[REQUESTED_BY[kind]] += tally.metrics
    usage[provider_kind(source)] += tally.calls - tally.by_adapter.total()
    return usage


class ProviderMeter:
    """Counts each read's provider calls into its payers' hourly counters. Counting never
    refuses (the calls are made) and never fails the read (a store that cannot count is logged);
    only a reservation, taken before a piece of work reads at all, is refused at the limit.
    Each read's calls are tallied in the thread that makes it, so reads of one adapter run side
    by side (one org's slow read never holds up another's) and never count each other's calls."""

    def __init__(self, *, quotas: Quotas, usage: UsageLedger) -> None:
        self._quotas = quotas
        self._usage = usage

    def reserve(self, org: OrgId, team: str, *, at: datetime, cap: Cap) -> Taken | Refused:
        """The team's call for a piece of work's first read, taken in `at`'s hour if it stays
        within `cap` (atomic: of racing pieces of work only as many as the calls left)."""
        return self._quotas.take(org, team, HOURLY, RESERVED, at=at, cap=cap)

    def release(self, org: OrgId, team: str, *, at: datetime) -> None:
        """Give back a reservation no read used (the work stopped before its first read)."""
        self._quotas.give_back(org, team, HOURLY, RESERVED, at=at)

    def bill(
        self, payers: Mapping[Payer, int], *, at: datetime, reserved: Payer | None = None
    ) -> Bill:
        """Who pays for reads in `at`'s hour (split by weight); `reserved`: the payer that
        reserved a call, which the first read counted trues up to the calls it made."""
        return Bill(meter=self, payers=payers, at=at, reserved=reserved)

    def metrics(
        self, source: MetricsSource, payers: Mapping[Payer, int], *, at: datetime
    ) -> MetricsSource:
        """`source`, its calls counted to `payers` (split by weight) in `at`'s hour."""
        return self.bill(payers, at=at).metrics(source)

    def logs(self, source: LogSource, payers: Mapping[Payer, int], *, at: datetime) -> LogSource:
        """`source`, its calls counted to `payers` in `at`'s hour."""
        return self.bill(payers, at=at).logs(source)

    def measured(
        self,
        source: object,
        call: Callable[[], T],
        payers: Mapping[Payer, int],
        at: datetime,
        reserved: Callable[[], Payer | None] = lambda: None,
        *,
        unsaid: int = 1,
    ) -> T:
        """`call()` on `source`, the provider calls it made counted to `payers` (`unsaid` per
        read for a source that does not say its calls), less the call `reserved()` says was
        taken; each call under its adapter's kind, and the metrics they requested where the
        provider bills by them."""
        with tallied() as tally:
            try:
                return call()
            finally:
                usage = _usage_of(source, tally, unsaid=unsaid)
                self._charge(usage, payers, at, reserved=reserved())

    def judged(self, source: object, call: Callable[[], T], payer: Payer, *, at: datetime) -> T:
        """`call()` on `source` for a running canary's or chaos experiment's judgement (or its
        chart): the provider calls its adapters said they made counted to `payer` in `at`'s hour
        and month, never refused (stopping a judgement mid-rollout is unsafe; starting one is
        limited by its own quota). A read of no provider (the simulation) counts none."""
        return self.measured(source, call, {payer: 1}, at, unsaid=0)

    def _charge(
        self,
        usage: Mapping[UsageKind, int],
        payers: Mapping[Payer, int],
        at: datetime,
        *,
        reserved: Payer | None,
    ) -> None:
        """Each payer's share of each kind into its month's usage, and of the calls into its
        hourly counter (less a call it reserved, or that call given back if the read made
        none); each kind split on its own, so a payer's hour is the sum of its calls' kinds."""
        draw = at.isoformat()
        split = {kind: shares(count, payers, draw=draw) for kind, count in usage.items() if count}
        paying = {p for parts in split.values() for p in parts} | (
            {reserved} if reserved else set()
        )
        for payer in paying:
            calls = sum(parts.get(payer, 0) for kind, parts in split.items() if kind in _CALLS)
            self._true_up(payer, calls - (RESERVED if payer == reserved else 0), at)
            for kind, parts in split.items():
                self._add(payer, kind, parts.get(payer, 0), at)

    def _add(self, payer: Payer, kind: UsageKind, count: int, at: datetime) -> None:
        """`count` of `kind` into the payer's month (the hour apart: one sink failing never
        loses the other's count)."""
        if count <= 0:
            return
        org, team = payer
        try:
            self._usage.add(org, team, kind, count, at=at)
        except Exception:
            log.exception("could not add %d %s to the usage of %s/%s", count, kind, org, team)

    def _true_up(self, payer: Payer, calls: int, at: datetime) -> None:
        """Add `calls` to the payer's hourly counter past any cap (negative: give them back)."""
        org, team = payer
        try:
            if calls > 0:
                self._quotas.take(org, team, HOURLY, calls, at=at, cap=None)
            elif calls < 0:
                self._quotas.give_back(org, team, HOURLY, -calls, at=at)
        except Exception:  # the read is made: counting must never undo nor block it
            log.exception("could not count %d provider calls of %s/%s", calls, org, team)


class Bill:
    """Who pays for a wrapped source's reads, and in which hour; a call one payer reserved is
    trued up by the first read counted (of any source the bill wraps)."""

    def __init__(
        self,
        *,
        meter: ProviderMeter,
        payers: Mapping[Payer, int],
        at: datetime,
        reserved: Payer | None = None,
    ) -> None:
        self.meter = meter
        self.payers = dict(payers)
        self.at = at
        self._reserved = reserved
        self._lock = threading.Lock()  # reads of one piece of work may end side by side

    def metrics(self, source: MetricsSource) -> MetricsSource:
        """`source`, its reads counted to this bill."""
        return MeteredMetricsSource(source, bill=self)

    def logs(self, source: LogSource) -> LogSource:
        """`source`, its reads counted to this bill."""
        return MeteredLogSource(source, bill=self)

    def measured(self, source: object, call: Callable[[], T]) -> T:
        """`call()` on `source`, counted."""
        return self.meter.measured(source, call, self.payers, self.at, self._claimed)

    def _claimed(self) -> Payer | None:
        """The payer of the reserved call, once: the first read counted trues it up."""
        with self._lock:
            reserved, self._reserved = self._reserved, None
        return reserved


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
