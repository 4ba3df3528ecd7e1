"""In-memory adapters: the fakes the tests trust, because the contract suite runs them too."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.adapters.export_names import file_name
from shared.alerts.models import AlertPolicy, Silence
from shared.audit.chain import encode
from shared.audit.models import (
    AuditRecord,
    Digest,
    HeadMark,
    StoredDigest,
    StoredEntry,
    StreamKey,
)
from shared.canary.models import Canary
from shared.canary.ports import TargetTakenError
from shared.canary.routing import Route, promoted, rolled_back, shifted
from shared.doctor.ports import QueueDepth
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import ChannelBinding, ChannelId, Org, OrgId, Team
from shared.investigations.models import Investigation, InvestigationStatus
from shared.investigations.ports import MAX_OPEN
from shared.invocation import DeferredCommand, ReplyTarget
from shared.replies import Reply

if TYPE_CHECKING:  # named in annotations only
    from shared.chaos.models import Experiment, LeverState, VerifiedResilience
    from shared.chaos.schedules import GameDay
    from shared.prompts.experiments import Experiment as PromptExperiment
    from shared.prompts.models import Feedback, Variant


class InMemoryDirectory:
    """Orgs, teams and bindings in dictionaries, with the same version rules as the databases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orgs: dict[str, Org] = {}
        self._teams: dict[tuple[str, str], Team] = {}
        self._bindings: dict[tuple[str, str], ChannelBinding] = {}
        self._heads: dict[tuple[str, str], HeadMark] = {}
        self._holders: dict[str, OrgId] = {}
        self._recorded = False

    def get_org(self, org: OrgId) -> Org | None:
        return self._orgs.get(org)

    def resource_holder(self, resource: str) -> OrgId | None:
        return self._holders.get(resource)

    def claim_resource(self, resource: str, org: OrgId) -> OrgId:
        with self._lock:
            return self._holders.setdefault(resource, org)

    def claims_recorded(self) -> bool:
        return self._recorded

    def mark_claims_recorded(self) -> None:
        self._recorded = True

    def every_team(self) -> Iterator[Team]:
        return iter(list(self._teams.values()))

    def save_org(self, org: Org) -> Org:
        with self._lock:
            stored = self._orgs.get(org.id)
            if (stored.version if stored else 0) != org.version:
                raise ConflictError(f"org {org.id} changed since it was read")
            saved = org.model_copy(update={"version": org.version + 1})
            self._orgs[org.id] = saved
            return saved

    def get_team(self, org: OrgId, name: str) -> Team | None:
        return self._teams.get((org, name))

    def list_teams(self, org: OrgId) -> Sequence[Team]:
        return sorted((t for (o, _), t in self._teams.items() if o == org), key=lambda t: t.name)

    def save_team(self, team: Team) -> Team:
        with self._lock:
            stored = self._teams.get((team.org, team.name))
            if (stored.version if stored else 0) != team.version:
                raise ConflictError(f"team {team.name} changed since it was read")
            saved = team.model_copy(update={"version": team.version + 1})
            self._teams[(team.org, team.name)] = saved
            return saved

    def get_binding(self, org: OrgId, channel: ChannelId) -> ChannelBinding | None:
        return self._bindings.get((org, channel))

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        return sorted(
            (b for (o, _), b in self._bindings.items() if o == org), key=lambda b: b.channel
        )

    def bind(self, binding: ChannelBinding) -> None:
        with self._lock:
            stored = self._bindings.get((binding.org, binding.channel))
            if stored and stored.team != binding.team:
                raise ConflictError(
                    f"#{binding.channel} is bound to team {stored.team}; unbind it there first.",
                    channels=[binding.channel],
                )
            self._bindings[(binding.org, binding.channel)] = binding

    def unbind(self, org: OrgId, channel: ChannelId) -> None:
        with self._lock:
            if self._bindings.pop((org, channel), None) is None:
                raise NotFoundError(f"#{channel} is not bound to a team.", channels=[channel])

    def mark_head(self, mark: HeadMark) -> None:
        with self._lock:
            stored = self._heads.get((mark.org, mark.team))
            if stored is None or stored.seq < mark.seq:
                self._heads[(mark.org, mark.team)] = mark

    def head_marks(self, org: OrgId) -> Sequence[HeadMark]:
        return sorted((m for (o, _), m in self._heads.items() if o == org), key=lambda m: m.team)


class InMemoryAuditLog:
    """Chains in lists; a taken sequence number is refused, as S3's If-None-Match does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[StreamKey, list[AuditRecord]] = {}
        self._digests: dict[StreamKey, list[Digest]] = {}
        self.failing = False
        """Set to make every call fail, as an unreachable bucket would."""

    def head(self, stream: StreamKey) -> AuditRecord | None:
        self._check()
        records = self._streams.get(stream)
        return records[-1] if records else None

    def put(self, record: AuditRecord) -> None:
        self._check()
        with self._lock:
            records = self._streams.setdefault(record.stream, [])
            if record.seq != len(records) + 1:
                raise ConflictError(f"sequence number {record.seq} is taken in {record.stream}")
            records.append(record)

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        self._check()
        for record in list(self._streams.get(stream, []))[after:upto]:
            yield StoredEntry(position=record.seq, body=encode(record))

    def put_digest(self, digest: Digest) -> None:
        self._check()
        with self._lock:
            digests = self._digests.setdefault(digest.stream, [])
            if digest.number != len(digests) + 1:
                raise ConflictError(f"digest number {digest.number} is taken in {digest.stream}")
            digests.append(digest)

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        self._check()
        return list(self._digests.get(stream, []))

    def stored_digests(self, stream: StreamKey) -> Sequence[StoredDigest]:
        return [StoredDigest(d.number, d.model_dump_json().encode()) for d in self.digests(stream)]

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        self._check()
        return sorted((s for s in self._streams if s.org == org), key=lambda s: s.team)

    def orgs(self) -> Sequence[OrgId]:
        self._check()
        return sorted({s.org for s in self._streams})

    def _check(self) -> None:
        if self.failing:
            raise OSError("audit storage unreachable")


class InMemoryTaskQueue:
    """Deferred commands kept in a list until a test (or the terminal) runs them."""

    def __init__(self) -> None:
        self.tasks: list[DeferredCommand] = []

    def enqueue(self, task: DeferredCommand) -> None:
        self.tasks.append(task)

    def drain(self) -> list[DeferredCommand]:
        """Take every waiting task."""
        taken, self.tasks = self.tasks, []
        return taken

    def depth(self) -> QueueDepth:
        """The tasks waiting (none runs inside the queue; there is no dead-letter queue)."""
        return QueueDepth(queue="in memory", waiting=len(self.tasks), running=0)


class InMemoryNotifier:
    """Keeps what was posted, and where, for tests and the terminal to read."""

    def __init__(self) -> None:
        self.posted: list[tuple[ReplyTarget, Reply]] = []
        self.updated: list[tuple[ReplyTarget, Reply]] = []

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        del user  # an ephemeral reply is kept like any other
        self.posted.append((target, reply))
        return target.model_copy(update={"message": f"m{len(self.posted)}"})

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        self.updated.append((target, reply))


class InMemoryDeliveryGuard:
    """Runs an action once per key; a retry gets the first answer, or None while it runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str, Reply | None] = {}

    def __call__(self, *, key: str, run: Callable[[], Reply]) -> Reply | None:
        with self._lock:
            if key in self._replies:
                return self._replies[key]
            self._replies[key] = None
        try:
            reply = run()
        except BaseException:
            with self._lock:
                del self._replies[key]  # a failed first attempt may be retried
            raise
        with self._lock:
            self._replies[key] = reply
        return reply


class InMemoryInvestigationStore:
    """Investigations in a dictionary, with the same version rule as the databases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], Investigation] = {}

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        return self._items.get((org, investigation_id))

    def save(self, investigation: Investigation) -> Investigation:
        with self._lock:
            stored = self._items.get((investigation.org, investigation.id))
            if (stored.version if stored else 0) != investigation.version:
                raise ConflictError(f"investigation {investigation.id} changed since it was read")
            saved = investigation.model_copy(update={"version": investigation.version + 1})
            self._items[(investigation.org, investigation.id)] = saved
            return saved

    def recent(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        return self._team(org, team)[:newest]

    def open_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        found = [i for i in self._team(org, team) if i.status is InvestigationStatus.OPEN]
        return found[:MAX_OPEN]

    def asked_of(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        with self._lock:
            found = [i for (o, _), i in self._items.items() if o == org and team in i.shared_with]
        return sorted(found, key=lambda i: (i.opened_at, i.id), reverse=True)[:newest]

    def _team(self, org: OrgId, team: str) -> list[Investigation]:
        """The team's investigations, newest first (as the databases' indexes order them)."""
        with self._lock:
            found = [i for (o, _), i in self._items.items() if o == org and i.team == team]
        return sorted(found, key=lambda i: (i.opened_at, i.id), reverse=True)


class InMemoryAlertStore:
    """Alert policies and silences in dictionaries, with the databases' version rule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str], AlertPolicy] = {}
        self._silences: dict[tuple[str, str], Silence] = {}

    def get(self, org: OrgId, team: str, name: str) -> AlertPolicy | None:
        return self._items.get((org, team, name))

    def save(self, policy: AlertPolicy) -> AlertPolicy:
        key = (policy.org, policy.team, policy.name)
        with self._lock:
            stored = self._items.get(key)
            if (stored.version if stored else 0) != policy.version:
                raise ConflictError(f"alert {policy.name} changed since it was read")
            saved = policy.model_copy(update={"version": policy.version + 1})
            self._items[key] = saved
            return saved

    def delete(self, org: OrgId, team: str, name: str) -> None:
        with self._lock:
            if self._items.pop((org, team, name), None) is None:
                raise NotFoundError(f"Team {team} has no alert `{name}`.")

    def list_for(self, org: OrgId, team: str) -> Sequence[AlertPolicy]:
        return sorted(
            (p for (o, t, _), p in self._items.items() if (o, t) == (org, team)),
            key=lambda p: p.name,
        )

    def every(self) -> Sequence[AlertPolicy]:
        return list(self._items.values())

    def save_silence(self, silence: Silence) -> None:
        self._silences[(silence.org, silence.id)] = silence

    def silences(self, org: OrgId, team: str) -> Sequence[Silence]:
        found = [s for (o, _), s in self._silences.items() if o == org and s.team == team]
        return sorted(found, key=lambda s: s.starts_at, reverse=True)


class InMemoryCanaryStore:
    """Canaries in a dictionary, with the databases' version rule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], Canary] = {}
        self._claims: dict[tuple[str, str], str] = {}

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        return self._items.get((org, canary_id))

    def save(self, canary: Canary) -> Canary:
        with self._lock:
            stored = self._items.get((canary.org, canary.id))
            if (stored.version if stored else 0) != canary.version:
                raise ConflictError(f"canary {canary.id} changed since it was read")
            claim = (canary.org, canary.target)
            if canary.version == 0 and not canary.state.over:
                holder = self._claims.get(claim)
                if holder is not None:
                    raise TargetTakenError(self._items[(canary.org, holder)])
                self._claims[claim] = canary.id
            elif canary.state.over and self._claims.get(claim) == canary.id:
                del self._claims[claim]
            saved = canary.model_copy(update={"version": canary.version + 1})
            self._items[(canary.org, canary.id)] = saved
            return saved

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        found = [c for (o, _), c in self._items.items() if o == org and c.team == team]
        return sorted(found, key=lambda c: c.started_at, reverse=True)

    def every(self) -> Sequence[Canary]:
        return [c for c in self._items.values() if not c.state.over]


class InMemoryTrafficRouter:
    """Alias weights in a dictionary (the local and test TrafficRouter): storage only, the rules are
    `shared.canary.routing`'s."""

    def __init__(self, routes: dict[str, str] | None = None, *, first: str | None = None) -> None:
        self._routes = {t: Route(target=t, stable=v) for t, v in (routes or {}).items()}
        self._first = first
        """The stable version of a target seen for the first time (the local simulation's)."""

    def route(self, target: str) -> Route:
        found = self._routes.get(target)
        if found is None and self._first is not None:
            found = self._routes.setdefault(target, Route(target=target, stable=self._first))
        if found is None:
            raise NotFoundError(f"There is no deployment target {target}.")
        return found

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        return self._kept(shifted(self.route(target), canary=canary, weight=weight))

    def promote(self, target: str, *, canary: str) -> Route:
        return self._kept(promoted(self.route(target), canary=canary))

    def rollback(self, target: str, *, canary: str) -> Route:
        return self._kept(rolled_back(self.route(target), canary=canary))

    def _kept(self, route: Route) -> Route:
        self._routes[route.target] = route
        return route


class InMemoryExportStore:
    """Keeps exports in a dictionary."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def publish(self, name: str, content: bytes, content_type: str) -> str:
        del content_type
        self.files[file_name(name)] = content
        return f"memory://{name}"


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


class InMemoryChaosStore:
    """Experiments in a dictionary, with the databases' version rule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], Experiment] = {}
        self._verified: dict[tuple[str, str, str], VerifiedResilience] = {}
        self._game_days: dict[tuple[str, str], GameDay] = {}
        self._halts: dict[str, LeverState] = {}
        self._claims: dict[tuple[str, str], str] = {}
        """The experiment holding each (org, service key)."""

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        return self._items.get((org, experiment_id))

    def halt_record(self, org: OrgId) -> LeverState:
        from shared.chaos.models import LeverState  # chaos is loaded only where used

        return self._halts.get(org) or LeverState(engaged=False)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        self._halts[org] = state

    def save(self, experiment: Experiment) -> Experiment:
        with self._lock:
            stored = self._items.get((experiment.org, experiment.id))
            if (stored.version if stored else 0) != experiment.version:
                raise ConflictError(f"experiment {experiment.id} changed since it was read")
            claim = (experiment.org, experiment.service_key)
            if experiment.version == 0 and experiment.service_key and not experiment.over:
                self._claim(experiment)
            elif experiment.over and self._claims.get(claim) == experiment.id:
                del self._claims[claim]
            saved = experiment.model_copy(update={"version": experiment.version + 1})
            self._items[(experiment.org, experiment.id)] = saved
            return saved

    def _claim(self, experiment: Experiment) -> None:
        """Its service held by it (under the lock); ServiceTakenError while another holds it."""
        from shared.chaos.ports import ServiceTakenError  # chaos is loaded only where used

        holder = self._claims.get((experiment.org, experiment.service_key))
        if holder is not None:
            raise ServiceTakenError(self._items[(experiment.org, holder)])
        self._claims[(experiment.org, experiment.service_key)] = experiment.id

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        found = [x for (o, _), x in self._items.items() if o == org and x.team == team]
        return sorted(found, key=lambda x: x.started_at, reverse=True)

    def every(self) -> Sequence[Experiment]:
        return [x for x in self._items.values() if not x.over]

    def keep_verified(self, result: VerifiedResilience) -> None:
        self._verified[(result.org, result.team, result.key)] = result

    def verified(self, org: OrgId, team: str) -> Sequence[VerifiedResilience]:
        found = [r for (o, t, _), r in self._verified.items() if o == org and t == team]
        return sorted(found, key=lambda r: r.at, reverse=True)

    def save_game_day(self, game_day: GameDay) -> GameDay:
        with self._lock:
            stored = self._game_days.get((game_day.org, game_day.id))
            if (stored.version if stored else 0) != game_day.version:
                raise ConflictError(f"game day {game_day.id} changed since it was read")
            saved = game_day.model_copy(update={"version": game_day.version + 1})
            self._game_days[(game_day.org, game_day.id)] = saved
            return saved

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        found = [g for (o, _), g in self._game_days.items() if o == org and g.team == team]
        return sorted(found, key=lambda g: g.created_at, reverse=True)

    def every_game_day(self) -> Sequence[GameDay]:
        return list(self._game_days.values())

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        with self._lock:
            return self._game_days.pop((org, game_day_id), None) is not None


class InMemoryVariantStore:
    """Prompt variants in a dictionary; a version is added once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, int], Variant] = {}

    def add(self, variant: Variant) -> None:
        with self._lock:
            key = (variant.org, variant.name, variant.version)
            if key in self._items:
                raise ConflictError(f"{variant.name} v{variant.version} exists already")
            self._items[key] = variant

    def retire(self, variant: Variant) -> None:
        self._items[(variant.org, variant.name, variant.version)] = variant

    def list_for(self, org: OrgId) -> Sequence[Variant]:
        found = [v for (o, _, _), v in self._items.items() if o == org]
        return sorted(found, key=lambda v: (v.name, v.version))


class InMemoryFeedbackStore:
    """Verdicts on narratives in a dictionary: one per person per investigation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str], Feedback] = {}

    def add(self, feedback: Feedback) -> Feedback | None:
        with self._lock:
            key = (feedback.org, feedback.investigation_id, feedback.by)
            if key in self._items:
                return self._items[key]
            self._items[key] = feedback
            return None

    def for_investigation(self, org: OrgId, investigation_id: str) -> Sequence[Feedback]:
        found = [f for (o, i, _), f in self._items.items() if (o, i) == (org, investigation_id)]
        return sorted(found, key=lambda f: f.at)

    def list_for(self, org: OrgId) -> Sequence[Feedback]:
        return sorted((f for (o, _, _), f in self._items.items() if o == org), key=lambda f: f.at)


class InMemoryExperimentStore:
    """Prompt experiments in a dictionary, each saved as the next version of what was read;
    each scope's live one named in another (claimed and freed under the same lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], PromptExperiment] = {}
        self._holders: dict[tuple[str, str], str] = {}

    def save(self, experiment: PromptExperiment) -> PromptExperiment:
        with self._lock:
            stored = self._items.get((experiment.org, experiment.id))
            if (stored.version if stored else 0) != experiment.version:
                raise ConflictError(f"prompt experiment {experiment.id} was changed meanwhile")
            scope = (experiment.org, experiment.scope)
            if experiment.live and experiment.version == 0:
                if scope in self._holders:
                    raise ConflictError(f"a prompt experiment runs already ({experiment.scope})")
                self._holders[scope] = experiment.id
            elif not experiment.live and self._holders.get(scope) == experiment.id:
                del self._holders[scope]
            saved = experiment.model_copy(update={"version": experiment.version + 1})
            self._items[(experiment.org, experiment.id)] = saved
            return saved

    def get(self, org: OrgId, experiment_id: str) -> PromptExperiment | None:
        return self._items.get((org, experiment_id))

    def list_for(self, org: OrgId) -> Sequence[PromptExperiment]:
        found = [x for (o, _), x in self._items.items() if o == org]
        return sorted(found, key=lambda x: x.started_at, reverse=True)
