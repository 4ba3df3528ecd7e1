"""Signals, the queries behind them, the services they are read for, events, and what judging a
signal over a window finds: shared by investigations, alerts and canaries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.records import Frozen
from shared.times import clock, moment


class Signal(StrEnum):
    """The golden signals an investigation reads."""

    P50_LATENCY = "p50_latency"
    P99_LATENCY = "p99_latency"
    ERROR_RATE = "error_rate"
    TRAFFIC = "traffic"
    SATURATION = "saturation"

    @property
    def label(self) -> str:
        """How a person says it."""
        return {
            Signal.P50_LATENCY: "p50 latency",
            Signal.P99_LATENCY: "p99 latency",
            Signal.ERROR_RATE: "error rate",
            Signal.TRAFFIC: "traffic",
            Signal.SATURATION: "saturation",
        }[self]


class ResourceKind(StrEnum):
    """Where a service's metrics come from."""

    AWS_LAMBDA = "aws-lambda"
    AWS_ALB = "aws-alb"
    AZURE_RESOURCE = "azure-resource"
    GCP_CLOUD_RUN = "gcp-cloud-run"
    SAMPLE = "sample"
    METRICS_FILE = "metrics-file"


class MetricQuery(Frozen):
    """One provider query for one signal: CloudWatch namespace/metric/dimensions/statistic, etc."""

    signal: Signal
    namespace: str = ""
    metric: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    statistic: str = "Average"
    divide_by: MetricQuery | None = None
    """For a rate: this query's values are divided by the other's (errors / invocations)."""
    plus: MetricQuery | None = None
    """Another count of the same kind added to this one, point by point, before dividing: the
    load balancer's own 5xx with its targets' (a target that crashed or timed out answers
    nothing; the load balancer answers 502 or 504). A rate of such a sum is at most 100%."""
    scale: float = 1.0
    region: str = ""
    """The AWS Region of a resource named by its ARN: its metrics are read there."""
    account: str = ""
    """The AWS account of a resource named by its ARN. Another account's metrics are read from
    it (CloudWatch cross-account observability), never from a same-named resource of this one."""

    @property
    def parts(self) -> tuple[MetricQuery, ...]:
        """The provider series this query reads: itself, what it adds, what it divides by."""
        return (self, *(q for q in (self.plus, self.divide_by) if q is not None))


class Service(Frozen):
    """A service registered by a team, with the query behind each golden signal."""

    name: str
    kind: ResourceKind
    resource: str
    queries: dict[Signal, MetricQuery]
    registered_by: str
    registered_at: datetime
    log_workspace: str | None = None
    """A Log Analytics workspace holding the service's logs (Azure): log evidence is read there."""
    shared_from: str | None = None
    """The team that owns the resource, when an org admin shared it with this team read-only (its
    canaries are the owner's alone)."""
    production: bool = False
    """Marked production (`--production`): a chaos experiment on it needs a second operator."""
    held_elsewhere: bool = False
    """Registered here before claims existed, its cloud resource since claimed by another org
    that registered it first: never read here (the scheduler's alerts skip it unread)."""


class Event(Frozen):
    """Something the platform knows happened: a deploy, a canary step, an alert, a change."""

    time: datetime
    kind: str
    summary: str
    by: str = ""
    """Who did it, where a person did (their id, which the summary names as `@id`)."""


class EarlierChange(Frozen):
    """A change in the window that came back before a finding's own change began."""

    rose: bool
    """Which way it went: up (else down)."""
    start: datetime
    end: datetime
    """When the signal was back within its baseline."""


class Episode(Frozen):
    """Another change of a finding's signal in the window, besides the finding's own (a smaller
    or weaker one): which way, when, how far."""

    rose: bool
    start: datetime
    end: datetime | None = None
    """When the signal was back within its baseline; None while it lasts at the window's end."""
    extreme: float
    """Its peak (a rise) or trough (a fall)."""
    points: int


class Gap(Frozen):
    """A span of a window with no point where the source's step says there should be some: from
    the first missing point (None: from the window's start) to the next point there is (None:
    to the window's end)."""

    start: datetime | None = None
    end: datetime | None = None


_UNSIGNED_ZERO = AfterValidator(lambda value: value + 0.0)
"""-0.0 (a sum or product of a negative zero) as 0.0: a figure is never written `-0` or `-0%`."""


class Finding(Frozen):
    """One thing that changed: which signal, since when, by how much, and what it lines up with."""

    signal: Signal
    onset: datetime
    baseline: Annotated[float, _UNSIGNED_ZERO]
    current: Annotated[float, _UNSIGNED_ZERO]
    confidence: float = Field(ge=0, le=1)
    evidence: str
    """The finding in words as its report first said them (a record: replies and the page word
    it again from the fields below for their reader)."""
    near: Event | None = None
    end: datetime | None = None
    """When the signal was back within its baseline inside the window (a transient change); then
    `current` is the change's peak (or trough), not the level after it."""
    seen_until: datetime | None = None
    """When a gap in the data hides a transient change's end: the end of its last point seen
    changed (it lasted at least until then, and was over by `end`, the first point after)."""
    earlier: EarlierChange | None = None
    """The window's first change, when it came back before this one began (findings stored
    before `others` held every other change)."""
    level: float | None = None
    """A transient change's typical value (its median), `current` being its peak or trough;
    None for a lasting change (its `current` is that level) and for findings stored before."""
    others: list[Episode] = Field(default_factory=list)
    """The signal's other changes in the window, oldest first (the finding is the most
    significant: its size, length and evidence)."""
    began_before: bool = False
    """The change began before the window (its onset lies in the hours read before it)."""
    latest: float | None = None
    """A lasting change's latest level, when it has grown well beyond its typical `current`
    (a change that keeps getting worse); None otherwise and for findings stored before."""
    unit: str | None = None
    """How its values read (` ms`, `%`, ` concurrent`); None: its signal's usual unit
    (findings stored before)."""
    repeats: int | None = Field(default=None, ge=1)
    """How many times a recurring change dropped or spiked, each too short to count alone (a
    crash loop: traffic at 0 one minute in seven); then `current` is its deepest drop or
    highest spike, and `end` the point after its last one. None for any other change."""

    @property
    def ratio(self) -> float:
        """How many times the baseline the signal is now."""
        return self.current / self.baseline if self.baseline else float("inf")


class Judgement(StrEnum):
    """How far an investigation could judge one signal. Only CHANGED and STEADY are judgements;
    the others say why there is none, and are never reported as "no change"."""

    CHANGED = "changed"
    STEADY = "steady"
    NO_DATA = "no data"
    SHORT_BASELINE = "not enough baseline"
    PARTIAL = "partial data"

    @property
    def judged(self) -> bool:
        """Whether the signal was judged at all (changed or steady), rather than why it was not."""
        return self in (Judgement.CHANGED, Judgement.STEADY)


class NoteKind(StrEnum):
    """What a verdict's note is about."""

    BORROWED_BASELINE = "borrowed baseline"
    """The hours before the window had too few points: the baseline is the earliest points."""


class Verdict(Frozen):
    """What an investigation could say about one signal, and against what it was judged."""

    signal: Signal
    judgement: Judgement
    baseline_start: datetime | None = None
    """The baseline period the window was judged against (None when there was none)."""
    baseline_end: datetime | None = None
    baseline_points: int = 0
    """Points the baseline had."""
    needed_points: int = 0
    """Points a baseline needs before the signal can be judged."""
    window_points: int = 0
    """Points inside the window."""
    expected_points: int = 0
    """Points the window would have at the source's step with nothing missing."""
    note: str = ""
    """What a person must know about this judgement: where the baseline came from when the hours
    before the window were missing, what was missing and why (worded for the report's day)."""
    note_kind: NoteKind | None = None
    """What the note says, so that it can be worded again for another reader from the fields
    here (its period is `baseline_start`–`baseline_end`); None for a note stored before."""
    points_before: int = 0
    """Points the hours before the window had (a borrowed baseline's note says how few)."""
    missing: list[Gap] = Field(default_factory=list)
    """Spans of the window without data, each at least MISSING steps long (the data stopped, an
    outage written as no rows): a signal judged only on the rest says so."""
    fall: str = ""
    """A steady latency, error rate or saturation that fell beyond its margin, in words
    (`0.1× baseline since 21:30 UTC (180 ms → 20 ms)`): no incident (a fall of these is not
    counted), but not "within its baseline" either (a service failing fast, a broken exporter)."""
    collapse: Finding | None = None
    """The fall `fall` words, as a finding, so that a page read another day words it again
    with its dates; None when there is none, and for verdicts stored before."""


class LogEvidence(Frozen):
    """A kind of log line that stands out in the window: how often now, how often before."""

    source: str
    """What was counted: `failed requests` or `error logs`."""
    text: str
    window: int
    baseline: int
    first: datetime | None = None
    """When it first appeared in the window."""

    def describe(self, today: datetime | None = None, *, dated: bool = False) -> str:
        """One line for the report: `503 POST /pay: 412 since 14:05 UTC (none before)`, the
        time with its date when it is not of the day of `today` (the window's end), or always
        when `dated` (a page, read any day)."""
        before = f"{self.baseline} before" if self.baseline else "none before"
        when = self.first and (
            f"{clock(self.first, days=True)} UTC"
            if dated
            else moment(self.first, today=today or self.first)
        )
        since = f" since {when}" if when else ""
        return f"{self.text}: {self.window}{since} ({before})"
