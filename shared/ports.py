"""Every interface the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.alerts.models import AlertPolicy, Silence
from shared.audit.models import AuditRecord, Digest, HeadMark, StoredEntry, StreamKey
from shared.canary.judge import MetricData
from shared.canary.models import Canary
from shared.canary.routing import Route
from shared.commands.invocation import DeferredCommand, ReplyTarget
from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team
from shared.investigations.models import Investigation
from shared.replies import Reply
from shared.telemetry.models import Event, LogEvidence, MetricQuery, Service

if TYPE_CHECKING:  # replay imports the investigations, which import these ports
    from shared.canary.replay import Answers, Scenario


class Directory(Protocol):
    """Orgs, teams and channel bindings, with optimistic versions on orgs and teams."""

    def get_org(self, org: OrgId) -> Org | None:
        """The org and its grants, or None if nothing was ever stored for it."""

    def save_org(self, org: Org) -> Org:
        """Store `org` if its stored version is still `org.version`; return it one version on."""

    def get_team(self, org: OrgId, name: str) -> Team | None:
        """One team, or None."""

    def list_teams(self, org: OrgId) -> Sequence[Team]:
        """Every team of the org, by name."""

    def save_team(self, team: Team) -> Team:
        """Store `team` if its stored version is `team.version` (0: new); else ConflictError."""

    def get_binding(self, org: OrgId, channel: ChannelId) -> ChannelBinding | None:
        """The team a channel is bound to, or None."""

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        """Every binding of the org."""

    def bind(self, binding: ChannelBinding) -> None:
        """Bind a channel; ConflictError if it is bound to another team."""

    def unbind(self, org: OrgId, channel: ChannelId) -> None:
        """Remove a channel's binding; NotFoundError if it has none."""

    def mark_head(self, mark: HeadMark) -> None:
        """Remember an audit stream's head, unless a longer one is already remembered."""

    def head_marks(self, org: OrgId) -> Sequence[HeadMark]:
        """The longest head remembered for each audit stream of the org, by team."""


class AuditLog(Protocol):
    """Append-only storage of hash-chained entries, one chain per stream."""

    def head(self, stream: StreamKey) -> AuditRecord | None:
        """The stream's last entry, or None if it is empty."""

    def put(self, record: AuditRecord) -> None:
        """Store a new entry; ConflictError if its sequence number is taken."""

    def scan(self, stream: StreamKey, *, after: int = 0) -> Iterator[StoredEntry]:
        """Entries numbered above `after` as stored (not yet trusted), in order."""

    def put_digest(self, digest: Digest) -> None:
        """Store a new digest; ConflictError if its number is taken."""

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        """The stream's digests, in order."""

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        """Every stream of the org that has entries."""

    def orgs(self) -> Sequence[OrgId]:
        """Every org that has entries."""


Points = list[tuple[datetime, float]]
"""A metric series: (time, value) pairs in time order."""


class MetricsSource(Protocol):
    """A provider's metrics: CloudWatch, Azure Monitor, Cloud Monitoring, a sample, a file."""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Each query's points (rates divided, scaled), whatever services they belong to, in as
        few calls as the provider allows (the alert scheduler's batched read)."""

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """What the provider knows happened to the service in that time (deploys, for instance)."""


class LogSource(Protocol):
    """A provider's logs of a service (Azure Log Analytics), as evidence for an investigation."""

    def evidence(
        self, service: Service, *, baseline_start: datetime, start: datetime, end: datetime
    ) -> list[LogEvidence]:
        """The failures and error lines of `start`..`end`, most frequent first, each with its
        count since `baseline_start` before the window; in one batched call where it can."""


class Summariser(Protocol):
    """Tells an investigation in a few sentences (a rule-based narrative; an AI model later)."""

    def summarise(self, investigation: Investigation) -> str:
        """The account shown first in the report and on the page."""


class InvestigationStore(Protocol):
    """Investigations, versioned like teams (a stale write is a ConflictError)."""

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        """One investigation, or None."""

    def save(self, investigation: Investigation) -> Investigation:
        """Store it if the stored version is still `investigation.version` (0: new)."""

    def list_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        """A team's investigations, newest first."""


class AlertStore(Protocol):
    """Alert policies (each with its alert's state, versioned: a stale write is a ConflictError)
    and silences."""

    def get(self, org: OrgId, team: str, name: str) -> AlertPolicy | None:
        """One policy, or None."""

    def save(self, policy: AlertPolicy) -> AlertPolicy:
        """Store it if the stored version is still `policy.version` (0: new)."""

    def delete(self, org: OrgId, team: str, name: str) -> None:
        """Remove a policy; NotFoundError if there is none."""

    def list_for(self, org: OrgId, team: str) -> Sequence[AlertPolicy]:
        """A team's policies, by name."""

    def every(self) -> Sequence[AlertPolicy]:
        """Every policy of every org (what the scheduler evaluates)."""

    def save_silence(self, silence: Silence) -> None:
        """Store or replace a silence."""

    def silences(self, org: OrgId, team: str) -> Sequence[Silence]:
        """A team's silences, expired ones included, newest first."""


class CanaryStore(Protocol):
    """Canaries, versioned: every step is a conditional write (a stale one is a ConflictError)."""

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        """One canary, or None."""

    def save(self, canary: Canary) -> Canary:
        """Store it if the stored version is still `canary.version` (0: new)."""

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        """A team's canaries, newest first."""

    def every(self) -> Sequence[Canary]:
        """Every canary still running or holding, of every org (what the scheduler advances)."""


class VersionMetrics(Protocol):
    """The stable and the canary release of one target, measured over the same minutes."""

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        """Per metric of the canary: per-minute samples of each release (control = stable,
        experiment = canary) and, for counts, the requests each served."""


class InvestigatorVersions(Protocol):
    """Versions of Auto SRE's own investigator, to replay scenarios against (canary item 6)."""

    def findings(self, target: str, version: str, cases: Sequence[Scenario]) -> Answers:
        """What `version` of the investigator at `target` (`FUNCTION:ALIAS`) finds in each
        scenario; raises VersionFailedError if that version's code fails on them."""


class TrafficRouter(Protocol):
    """Splits a target's traffic between its stable version and a canary (Lambda alias weights)."""

    def route(self, target: str) -> Route:
        """Where the target's traffic goes now."""

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        """Send `weight` (0 < weight < 1) of the traffic to `canary`; the stable version keeps the
        rest and stays the target's version."""

    def promote(self, target: str, *, canary: str) -> Route:
        """Make `canary` the target's version, with all the traffic."""

    def rollback(self, target: str) -> Route:
        """Send all the traffic back to the stable version."""


class ExportStore(Protocol):
    """Where exports go: a file here, an object behind an expiring link on AWS."""

    def publish(self, name: str, content: bytes, content_type: str) -> str:
        """Store `content` as `name`; return where to fetch it (a path or a URL). ValueError if
        `name` is not one plain file name (no folder, no leading dot), before storing anything."""


class TaskQueue(Protocol):
    """Where slow commands wait for the worker (SQS, a local thread, a list in tests)."""

    def enqueue(self, task: DeferredCommand) -> None:
        """Hand `task` to the worker; raise if it could not be queued."""


class Notifier(Protocol):
    """Posts a reply into a channel, a thread or a conversation (Slack, Teams, the terminal)."""

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` at `target` (ephemeral ones to `user`); raise if the platform refuses.
        Returns where the message now is (with its id), when the platform says."""

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace the message at `target` (as `post` returned it) with `reply`."""


class DeliveryGuard(Protocol):
    """Runs an action once per platform delivery id, however often the delivery is retried."""

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        """The reply of the first run for `key`; None while that run is still in progress."""


class Clock(Protocol):
    """The time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current time."""
