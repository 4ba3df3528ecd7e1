"""Faults on the bundled sample service, simulated minute by minute, so chaos experiments run
without a cloud account.

The service takes `rps` requests a second (100 by default). Unfaulted, it errs on 0.2% of
requests with a p99 near 380 ms (the sample's healthy minutes). While an injection is active, its
share of the minute's requests is faulted: `delay:Nms` adds N ms to their latency, `error` and
`http-status:5xx` fail every one of them (a 4xx answer is the client's, not an error). Every
minute is a pure function of the service, the minute, the share and the active fault, so a re-run
sees the same numbers. Injections and the org's lever are kept in memory or in the local SQLite
file (`SqliteChaosState`), so removing one is real and outlives the process.

A fault of a known strength (benchmarks): `SimulatedFaultMetrics(scale=2.0)` makes the faulted
share err (`error`, 5xx) or slow (`delay`) twice as much as the unfaulted one instead; at
`scale=1.0` a fault changes nothing."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.chaos.models import Fault, FaultKind, Injection, LeverState, Problem
from shared.errors import UnavailableError
from shared.identity.models import OrgId
from shared.judging.judge import MetricData
from shared.ports import Clock
from shared.records import Frozen
from shared.telemetry.models import ResourceKind, Service, Signal

RPS = 100.0
HEALTHY_ERRORS = 0.002
HEALTHY_P99_MS = 380.0
HEALTHY_P50_MS = 120.0


def registration(service: Service) -> str:
    """What the simulation keeps a fault on: the service's registration of the sample, not the
    sample (`checkout`) itself, which every registration reads: each is its own service, so an
    experiment on one never judges another's fault (two on the sample at once each held on the
    other's, and recorded verified resilience)."""
    return f"{service.resource}:{service.name}:{service.registered_at.isoformat()}"


class SimulatedInjection(Frozen):
    """One injection as the simulation keeps it."""

    handle: str
    resource: str
    fault: Fault
    percent: int
    at: datetime
    until: datetime
    removed_at: datetime | None = None
    tripped: str = ""

    def active(self, minute: datetime) -> bool:
        """Whether it faults `minute` (active from its start until removed or expired)."""
        end = min(self.until, self.removed_at or self.until)
        return self.at <= minute < end


class ChaosState(Protocol):
    """Where the simulation keeps its injections and each org's lever."""

    def injection(self, handle: str) -> SimulatedInjection | None:
        """One injection, or None."""

    def injections(self, resource: str) -> list[SimulatedInjection]:
        """Every injection ever made on `resource`."""

    def keep(self, injection: SimulatedInjection) -> None:
        """Store (or replace) an injection."""

    def lever(self, org: OrgId) -> LeverState:
        """The org's lever (released if never engaged)."""

    def keep_lever(self, org: OrgId, state: LeverState) -> None:
        """Store the org's lever."""


class InMemoryChaosState:
    """The simulation's state in dictionaries (tests, the memory deployment)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._injections: dict[str, SimulatedInjection] = {}
        self._levers: dict[str, LeverState] = {}

    def injection(self, handle: str) -> SimulatedInjection | None:
        return self._injections.get(handle)

    def injections(self, resource: str) -> list[SimulatedInjection]:
        return [i for i in self._injections.values() if i.resource == resource]

    def every(self) -> list[SimulatedInjection]:
        """Every injection kept (for tests)."""
        return list(self._injections.values())

    def keep(self, injection: SimulatedInjection) -> None:
        with self._lock:
            self._injections[injection.handle] = injection

    def lever(self, org: OrgId) -> LeverState:
        return self._levers.get(org, LeverState(engaged=False))

    def keep_lever(self, org: OrgId, state: LeverState) -> None:
        self._levers[org] = state


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS chaos_injections (handle TEXT PRIMARY KEY, resource TEXT NOT "
    "NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS chaos_levers (org TEXT PRIMARY KEY, body TEXT NOT NULL)",
)


class SqliteChaosState:
    """The simulation's state in the embedded default's SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        with database.transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    def injection(self, handle: str) -> SimulatedInjection | None:
        rows = self._db.query("SELECT body FROM chaos_injections WHERE handle = ?", handle)
        return SimulatedInjection.model_validate_json(str(rows[0][0])) if rows else None

    def injections(self, resource: str) -> list[SimulatedInjection]:
        rows = self._db.query("SELECT body FROM chaos_injections WHERE resource = ?", resource)
        return [SimulatedInjection.model_validate_json(str(body)) for (body,) in rows]

    def keep(self, injection: SimulatedInjection) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO chaos_injections VALUES (?, ?, ?)",
                (injection.handle, injection.resource, injection.model_dump_json()),
            )

    def lever(self, org: OrgId) -> LeverState:
        rows = self._db.query("SELECT body FROM chaos_levers WHERE org = ?", org)
        return (
            LeverState.model_validate_json(str(rows[0][0])) if rows else LeverState(engaged=False)
        )

    def keep_lever(self, org: OrgId, state: LeverState) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO chaos_levers VALUES (?, ?)", (org, state.model_dump_json())
            )


class SimulatedFaultInjector:
    """The FaultInjector port over the simulation: injections are records the metrics read."""

    has_stop_conditions = False
    """Nothing stops a simulated fault but Auto SRE (`trip` is the tests' stand-in for FIS)."""
    delays_fail = False
    """A simulated delay slows the sample's requests and never fails one."""

    def __init__(self, *, state: ChaosState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def preflight(self, service: Service, fault: Fault) -> Sequence[Problem]:
        """Only the bundled sample is simulated; a fault its answers cannot show is named."""
        if service.kind is not ResourceKind.SAMPLE:
            return [
                Problem(
                    what=f"{service.name} is a {service.kind.value} service: the local "
                    "simulation only faults the bundled sample",
                    fix="register it with `--sample checkout`, or run chaos on the AWS deployment",
                )
            ]
        if fault.kind is FaultKind.HTTP_STATUS and not 100 <= fault.status <= 599:
            return [Problem(what=f"{fault.status} is not an HTTP status", fix="use 400 to 599")]
        return []

    def inject(self, service: Service, fault: Fault, injection: Injection, *, minutes: int) -> str:
        """Fault `injection.percent`% of the sample's requests from now for `minutes`."""
        if self._state.injection(injection.key) is None:  # the same key twice is one injection
            now = self._clock.now()
            self._state.keep(
                SimulatedInjection(
                    handle=injection.key,
                    resource=registration(service),
                    fault=fault,
                    percent=injection.percent,
                    at=now,
                    until=now + timedelta(minutes=minutes),
                )
            )
        return injection.key

    def remove(self, handle: str) -> None:
        """Stop faulting from now (a removed or unknown injection: nothing to do)."""
        found = self._state.injection(handle)
        if found is not None and found.removed_at is None:
            self._state.keep(found.model_copy(update={"removed_at": self._clock.now()}))

    def tripped(self, handle: str) -> str:
        """Why its stop condition fired (set by `trip`, the simulation's alarm)."""
        found = self._state.injection(handle)
        return found.tripped if found else ""

    def removed(self, handle: str) -> bool:
        """Whether it is removed (or was never made)."""
        found = self._state.injection(handle)
        return found is None or found.removed_at is not None

    def remove_unmade(self, key: str) -> bool:
        """The simulation keeps an injection by its key: removed like any other."""
        self.remove(key)
        return self.removed(key)

    def trip(self, handle: str, reason: str) -> None:
        """Fire the injection's stop condition (what FIS's alarm going to ALARM does)."""
        found = self._state.injection(handle)
        if found is not None:
            self._state.keep(found.model_copy(update={"tripped": reason}))


class SimulatedSafetyLever:
    """The SafetyLever port over the simulation's state, one lever per org."""

    def __init__(self, *, state: ChaosState) -> None:
        self._state = state

    def state(self, org: OrgId) -> LeverState:
        """Engaged or not."""
        return self._state.lever(org)

    def engage(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        """Engage it."""
        engaged = LeverState(engaged=True, by=by, at=at, reason=reason)
        self._state.keep_lever(org, engaged)
        return engaged

    def release(self, org: OrgId, *, by: str, at: datetime) -> LeverState:
        """Release it."""
        released = LeverState(engaged=False, by=by, at=at)
        self._state.keep_lever(org, released)
        return released


class Minute(Frozen):
    """One share's minute: requests, errors, p50 and p99 (ms)."""

    requests: int
    errors: int
    p50: float
    p99: float


def minute(
    resource: str,
    at: datetime,
    share: float,
    fault: Fault | None,
    rps: float,
    *,
    scale: float | None = None,
) -> Minute:
    """One share of one minute: a pure function of its arguments (`fault`: the share is faulted;
    `scale`: its errors or latency `scale` times the healthy ones instead of the fault's own)."""
    side = fault.written if fault else "unfaulted"
    rng = random.Random(f"{resource}:{int(at.timestamp()) // 60}:{share}:{side}")  # noqa: S311
    mean = rps * 60 * share
    requests = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean else 0
    fails = fault is not None and fault.fails
    slows = fault is not None and fault.kind is FaultKind.DELAY
    rate = HEALTHY_ERRORS
    if fails:
        rate = 1.0 if scale is None else min(1.0, HEALTHY_ERRORS * scale)
    spread = math.sqrt(requests * rate * (1 - rate))
    errors = min(requests, max(0, round(rng.gauss(requests * rate, spread))))
    noise = math.exp(rng.gauss(0, 0.05 + 0.3 / math.sqrt(requests or 1)))
    times = scale if slows and scale is not None else 1.0
    delay = fault.delay_ms if fault and slows and scale is None else 0
    return Minute(
        requests=requests,
        errors=errors,
        p50=HEALTHY_P50_MS * noise * times + delay,
        p99=HEALTHY_P99_MS * noise * times + delay,
    )


def expected(fault: Fault, *, scale: float | None = None) -> tuple[float, float]:
    """What `fault` makes of the faulted share's true error rate (%) and p99 (ms), before any
    minute's noise (`minute`'s means): what a benchmark's true breach is measured from."""
    fails = fault.fails
    slows = fault.kind is FaultKind.DELAY
    rate = HEALTHY_ERRORS
    if fails:
        rate = 1.0 if scale is None else min(1.0, HEALTHY_ERRORS * scale)
    p99 = HEALTHY_P99_MS
    if slows:
        p99 = HEALTHY_P99_MS * scale if scale is not None else HEALTHY_P99_MS + fault.delay_ms
    return 100.0 * rate, p99


class SimulatedFaultMetrics:
    """The FaultMetrics port over the simulation: each minute split by the injection active then."""

    splits_shares = True

    def __init__(self, *, state: ChaosState, rps: float = RPS, scale: float | None = None) -> None:
        self._state = state
        self._rps = rps
        self._scale = scale

    def fault_alone(self, fault: Fault, signal: Signal, percent: int) -> float:  # noqa: ARG002
        """Every faulted request fails under `error` or a 5xx and is slowed by a delay (the share
        is read apart), unless the simulation was given a strength (`scale`: its errors or
        latency scale the healthy ones)."""
        if self._scale is not None:
            return 0.0
        if signal is Signal.ERROR_RATE:
            return 100.0 if fault.fails else 0.0
        return float(fault.delay_ms) if fault.kind is FaultKind.DELAY else 0.0

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        """Every whole minute from `start` to `end`: the unfaulted share (control) and the
        faulted one (experiment; absent in minutes with no active injection). Only the sample
        is simulated: another service's minutes are not invented (UnavailableError)."""
        if service.kind is not ResourceKind.SAMPLE:
            raise UnavailableError(
                f"{service.name} ({service.kind.value} `{service.resource}`) is not the bundled "
                "sample, and chaos here reads only the sample's simulated minutes, never "
                "another service's"
            )
        made = self._state.injections(registration(service))
        control: list[Minute] = []
        faulted: list[Minute] = []
        at = start
        while at + timedelta(minutes=1) <= end:
            active = next((i for i in made if i.active(at)), None)
            share = active.percent / 100 if active else 0.0
            control.append(minute(service.resource, at, 1 - share, None, self._rps))
            if active is not None:
                faulted.append(
                    minute(service.resource, at, share, active.fault, self._rps, scale=self._scale)
                )
            at += timedelta(minutes=1)
        data = {
            "error_rate": MetricData(
                control=[float(m.errors) for m in control],
                experiment=[float(m.errors) for m in faulted],
                control_total=sum(m.requests for m in control),
                experiment_total=sum(m.requests for m in faulted),
            ),
            "p99_latency": MetricData(
                control=[m.p99 for m in control if m.requests],
                experiment=[m.p99 for m in faulted if m.requests],
            ),
            "p50_latency": MetricData(
                control=[m.p50 for m in control if m.requests],
                experiment=[m.p50 for m in faulted if m.requests],
            ),
        }
        return {name: data[name] for name in signals if name in data}
