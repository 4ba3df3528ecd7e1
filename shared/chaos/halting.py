"""Halting experiments: one (responder and above of its team), or all of the org with the
safety lever engaged (org admin), and the lever released; each fault removed and verified
removed before the answer, and told in the experiment's message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shared.chaos import commands as c
from shared.chaos.lever import RecordedLever
from shared.chaos.models import Experiment, ExperimentOutcome, ExperimentState, LeverState
from shared.chaos.notices import ChaosMessages
from shared.chaos.ports import ChaosStore, FaultInjector
from shared.chaos.rollback import rolled_back
from shared.chaos.steps import ending
from shared.commands.context import Context, Handled, NothingToChange
from shared.commands.usage import usage
from shared.errors import ConflictError, InvalidCommandError, UnavailableError
from shared.identity.models import OrgId, OrgRole
from shared.replies import Reply, Tone, counted, user_ref

MOST_NAMED = 5
"""The most experiments a halt with no id names (`sre chaos list` names them all)."""
log = logging.getLogger("autosre.chaos")

_ATTEMPTS = 4
"""Times a halt reads and records an experiment the scheduler's tick keeps saving meanwhile."""


class _EndedError(Exception):
    """Read again after a race, the experiment is already ending: the scheduler ended it."""

    def __init__(self, experiment: Experiment) -> None:
        super().__init__(experiment.id)
        self.experiment = experiment


class ChaosHalts:
    """Runs `chaos halt` and `chaos unhalt`."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        lever: RecordedLever,
        injector: FaultInjector,
        messages: ChaosMessages,
        find: Callable[[str, Context], Experiment],
    ) -> None:
        """`find`: the team's experiment by id (NotFoundError otherwise)."""
        self._store = store
        self._lever = lever
        self._injector = injector
        self._messages = messages
        self._find = find

    def halt(self, command: c.HaltExperiment, ctx: Context) -> Reply | Handled:
        """Halt one experiment (or, with `--all`, engage the lever and halt every one)."""
        user = ctx.principal.actor.user
        if command.all:
            return self._halt_all(ctx)
        self.named(command, ctx)  # checked before queueing too
        assert command.id is not None  # noqa: S101 (named refuses a halt with neither)
        experiment = self._find(command.id, ctx)
        if experiment.state in {ExperimentState.ENDED, ExperimentState.ROLLING_BACK}:
            raise ConflictError(f"{experiment.id} is already {experiment.standing}.")
        try:
            halted = self._halted(experiment, ctx.now, user)
        except _EndedError as meanwhile:  # the scheduler ended it between read and write
            x = meanwhile.experiment
            return Reply(tone=Tone.INFO, title=f"{x.id} already {x.standing}")
        except ConflictError as error:  # still racing after every attempt: said, not dropped
            raise ConflictError(
                f"{experiment.id} kept changing while it was being halted (the scheduler was "
                f"saving it): run `sre chaos halt {experiment.id}` again."
            ) from error
        return _halted_one(experiment, halted, user)

    def named(self, command: c.HaltExperiment, ctx: Context) -> None:
        """A halt names one experiment or gives `--all`; one with neither is answered at once
        (before it is queued or audited) with the team's experiments under way to name."""
        if command.id is None and not command.all:
            raise InvalidCommandError(self._which(command, ctx), usage=usage(type(command)))

    def _under_way(self, ctx: Context) -> list[Experiment]:
        """The team's experiments not yet ended, newest first."""
        found = self._store.list_for(ctx.principal.actor.org, ctx.team or "")
        return [x for x in found if x.state is not ExperimentState.ENDED]

    def _which(self, command: c.HaltExperiment, ctx: Context) -> str:
        """Which experiment a halt with no id should name: the team's under way, each with the
        command that halts it (from wherever this one was typed: with its `--team`); `--all`
        only to an org admin, who may give it, with what it does, while the org is not halted
        already."""
        team = ctx.team or ""
        live = self._under_way(ctx)
        scope = f" --team {command.team}" if command.team else ""
        every = (
            " (`sre chaos halt --all` halts every experiment of the org and starts none until "
            "`sre chaos unhalt`)"
            if OrgRole.ORG_ADMIN in ctx.principal.org_roles and not self._org_halted(ctx)
            else ""
        )
        if not live:
            return f"Team {team} has no experiment under way: nothing to halt{every}"
        halts = [f"{_said(x)}: `sre chaos halt {x.id}{scope}`" for x in live[:MOST_NAMED]]
        more = (
            [f"and {len(live) - MOST_NAMED} more (`sre chaos list{scope}`)"]
            if len(live) > MOST_NAMED
            else []
        )
        under_way = "one" if len(live) == 1 else str(len(live))
        return (
            f"Name the experiment to halt: team {team} has {under_way} under way, "
            + "; ".join([*halts, *more])
            + every
        )

    def _org_halted(self, ctx: Context) -> bool:
        """Whether the org's own halt is recorded (`--all` would change nothing); not, when that
        cannot be read."""
        try:
            return self._lever.held(ctx.principal.actor.org).engaged
        except Exception:  # noqa: BLE001 (only a hint's wording depends on it)
            return False

    def _halt_all(self, ctx: Context) -> Handled:
        """The org recorded halted (no start from now), every experiment halted, then the lever
        engaged: a lever that fails, or an experiment that keeps changing or cannot be saved,
        never keeps a kill switch from halting the rest."""
        org, user = ctx.principal.actor.org, ctx.principal.actor.user
        reason = f"`sre chaos halt --all` by @{user}"
        try:
            self._lever.hold(org, by=user, reason=reason, at=ctx.now)
            every = [x for x in self._store.every() if x.org == org]
        except Exception as error:  # the state store is down: the lever alone still stops
            raise self._lever_alone(org, user, reason, ctx.now, error) from error
        halts = _Halts()
        for x in every:
            self._halt_one_of_all(x, ctx.now, user, halts)
        try:
            lever = self._lever.engage(org, by=user, reason=reason, at=ctx.now)
        except Exception as error:  # the experiments are halted and starts refused anyway
            log.exception("could not engage the safety lever of %s", org)
            reply = Reply(
                tone=Tone.ERROR,
                title=f"{counted(len(halts.stopped), 'experiment')} halted by @{user}; "
                "the safety lever could not be engaged",
                text=f"{halts.said}The safety lever could not be engaged: {error}. New starts "
                "are refused until an org admin runs `sre chaos unhalt` (retry `sre chaos halt "
                "--all` to engage the lever).",
                refs=(user_ref(user),),
            )
            return Handled(reply, details=halts.details(lever=f"not engaged: {error}"))
        return Handled(_engaged(user, halts, lever), details=halts.details(lever="engaged"))

    def _halt_one_of_all(
        self, experiment: Experiment, now: datetime, user: str, halts: _Halts
    ) -> None:
        """One experiment halted with the org, kept in `halts` as it went; its failure stops
        only it."""
        try:
            halts.stopped.append(self._halted(experiment, now, user, lever=True))
        except _EndedError as meanwhile:  # the scheduler ended it: said as it stands
            halts.ended.append(meanwhile.experiment)
        except ConflictError:  # the org's halt record: the next tick halts it
            log.warning("%s kept changing while the org was halted", experiment.id)
            halts.racing.append(experiment)
        except UnavailableError as error:  # its halt not recorded: said how it stands
            said = str(error).removeprefix(f"{experiment.id}: ")
            halts.failed.append(f"{experiment.id} ({experiment.team}): {said}")
        except Exception as error:  # e.g. its removal not recorded: the tick finishes it
            log.exception("could not halt %s with the org", experiment.id)
            halts.failed.append(
                f"{experiment.id} ({experiment.team}): could not be halted: {error}"
            )

    def _lever_alone(
        self, org: OrgId, user: str, reason: str, at: datetime, error: Exception
    ) -> UnavailableError:
        """The halt could not be recorded (the state store is down): the lever engaged alone,
        which stops every fault of the account where the lever is FIS's; said either way."""
        log.exception("could not record the halt of %s", org)
        cause = error.__cause__ or error  # a halt's own error says what failed underneath
        try:
            self._lever.pull(org, by=user, reason=reason, at=at)
        except Exception as lever_error:  # said: nothing else can stop them
            log.exception("could not engage the safety lever of %s", org)
            engaged = f"nor could the safety lever be engaged ({lever_error})"
        else:
            engaged = "but the safety lever is engaged"
        return UnavailableError(
            f"The halt could not be recorded: the state store is unavailable ({cause}), "
            f"{engaged}. Run `sre chaos halt --all` again in a minute."
        )

    def _halted(
        self, experiment: Experiment, now: datetime, user: str, *, lever: bool = False
    ) -> Experiment:
        """Recorded as halted (read again and retried if the scheduler saved it meanwhile),
        then every injection removed and verified, then told; removed even when the halt
        cannot be recorded (the state store down), and said."""
        reason = f"safety lever engaged by @{user}" if lever else f"halted by @{user}"
        if experiment.state is ExperimentState.ROLLING_BACK:
            return experiment  # already ending: the scheduler finishes it
        for _ in range(_ATTEMPTS - 1):
            try:
                saved = self._recorded(experiment, now, user, reason)
            except ConflictError:  # the scheduler's tick saved it between our read and write
                experiment = self._read_again(experiment)
                continue
            return self._removed(saved, now)
        return self._removed(self._recorded(experiment, now, user, reason), now)

    def _recorded(
        self, experiment: Experiment, now: datetime, user: str, reason: str
    ) -> Experiment:
        """Saved as halted (`ConflictError` if the tick saved it meanwhile); its fault removed
        anyway if it cannot be saved, and said (`UnavailableError`)."""
        ended = ending(experiment, now, ExperimentOutcome.HALTED, reason, what="halted", by=user)
        try:
            return self._store.save(ended)
        except ConflictError:
            raise
        except Exception as error:  # removing a fault is the safe side, recorded or not
            raise self._unrecorded(ended, now, error) from error

    def _read_again(self, experiment: Experiment) -> Experiment:
        """As the tick saved it; `_EndedError` if that ended it (or started its ending)."""
        again = self._store.get(OrgId(experiment.org), experiment.id)
        if again is None:
            raise ConflictError(f"{experiment.id} is gone")
        if again.state in {ExperimentState.ROLLING_BACK, ExperimentState.ENDED}:
            raise _EndedError(again)
        return again

    def _removed(self, saved: Experiment, now: datetime) -> Experiment:
        """Its injections removed and verified, recorded and told; a save that races the tick
        leaves it rolling back, which the scheduler finishes."""
        try:
            saved = self._store.save(rolled_back(self._injector, saved, now))
        except ConflictError:
            log.warning("%s changed while its halt was recorded: the tick ends it", saved.id)
            return saved
        return self._messages.tell(saved)

    def _unrecorded(self, ended: Experiment, now: datetime, error: Exception) -> UnavailableError:
        """The halt could not be recorded: its fault removed anyway, and said."""
        log.exception("could not record the halt of %s", ended.id)
        after = rolled_back(self._injector, ended, now)
        removed = after.state is ExperimentState.ENDED
        return UnavailableError(
            f"{ended.id}: the halt could not be recorded (the state store is "
            f"unavailable: {error}), "
            + ("but its fault is removed" if removed else "and its fault is not removed yet")
            + f". Run `sre chaos halt {ended.id}` again in a minute."
        )

    def halt_unchanged(
        self, command: c.HaltExperiment, ctx: Context
    ) -> str | NothingToChange | None:
        """Halting one already ended, or with no id when the team has none under way; `--all`
        while the lever is engaged and nothing runs."""
        org = ctx.principal.actor.org
        if command.id is None and not command.all:
            return (
                None
                if self._under_way(ctx)
                else f"team {ctx.team} has no experiment under way to halt"
            )
        if command.all:
            try:
                lever = self._lever.lever(org)
            except Exception:  # an unreadable lever never keeps the kill switch from halting
                log.exception("could not read the safety lever of %s", org)
                return None
            try:
                held = self._lever.held(org).engaged
                live = [x for x in self._store.every() if x.org == org] if held else []
            except Exception:  # an unreadable store: the halt runs, which says what it can
                log.exception("could not read the halt record of %s", org)
                return None
            if not (lever.engaged and held):
                return None  # this org's own halt is recorded whoever holds the lever
            return None if live else f"the safety lever is already engaged{lever.said_by}"
        found = self._store.get(org, command.id or "")
        if found is None or found.team != ctx.team or found.state is not ExperimentState.ENDED:
            return None
        return f"{found.id} already {found.standing}"

    def unhalt(self, _: c.UnhaltChaos, ctx: Context) -> Reply:
        """Release the org's lever (its own halt only, where another org holds the lever)."""
        user = ctx.principal.actor.user
        released = self._lever.release(ctx.principal.actor.org, by=user, at=ctx.now)
        if released.foreign:
            return Reply(
                tone=Tone.OK,
                title=f"This org's halt released by @{user}",
                text=f"The safety lever stays engaged{released.said_by}: no experiment starts "
                "until that organisation releases it.",
                refs=(user_ref(user),),
            )
        return Reply(
            tone=Tone.OK,
            title=f"Safety lever released by @{user}: experiments may start again",
            refs=(user_ref(user),),
        )

    def unhalt_unchanged(self, _: c.UnhaltChaos, ctx: Context) -> str | None:
        """Releasing a lever that is not engaged, or only another org's while this org's own
        halt is already released."""
        org = ctx.principal.actor.org
        if self._lever.held(org).engaged:
            return None
        lever = self._lever.lever(org)
        if not lever.engaged:
            return "the safety lever is not engaged"
        if lever.foreign:
            return (
                f"this org is not halted; the safety lever is engaged{lever.said_by}, "
                "and only that organisation may release it"
            )
        return None


def _said(experiment: Experiment) -> str:
    """An experiment under way in a line: `chx-3f9c2a: delay:100ms on checkout-api, running at
    1% (step 1/3)`."""
    x = experiment
    return f"{x.id}: {x.fault.written} on {x.service}, {x.standing}"


def _halted_one(experiment: Experiment, halted: Experiment, user: str) -> Reply:
    """The answer to halting one experiment, as it stood (`experiment`) and as it is now."""
    if experiment.state is ExperimentState.AWAITING_APPROVAL:
        return Reply(
            tone=Tone.OK,
            title=f"{halted.id} halted before it started by @{user}: nothing was injected",
            refs=(user_ref(user),),
        )
    if halted.state is not ExperimentState.ENDED and halted.outcome is ExperimentOutcome.HALTED:
        return Reply(
            tone=Tone.OK,
            title=f"{halted.id} halted by @{user}: its fault is being removed",
            text="Asked to stop; its removal is verified at the next ticks of the scheduler "
            "(every minute), and said in the experiment's message.",
            refs=(user_ref(user),),
        )
    if halted.state is not ExperimentState.ENDED:
        raise UnavailableError(
            f"{halted.id} is halted but its fault could not be removed yet: "
            f"{halted.reason}. The scheduler retries every minute."
        )
    return Reply(
        tone=Tone.OK,
        title=f"{halted.id} halted by @{user}: its fault is removed",
        refs=(user_ref(user),),
    )


@dataclass
class _Halts:
    """What `halt --all` did to each experiment: halted (or found ended), still racing the
    tick, or failed (a line each, saying why)."""

    stopped: list[Experiment] = field(default_factory=list)
    ended: list[Experiment] = field(default_factory=list)
    racing: list[Experiment] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def said(self) -> str:
        """A line per experiment halted, then one per experiment not halted yet, then one per
        experiment that could not be halted."""
        lines = [
            *(f"{x.id} ({x.team}): {x.standing}" for x in self.stopped + self.ended),
            *(
                f"{x.id} ({x.team}): not halted yet, the scheduler was changing it; "
                "the next tick halts it (every minute)"
                for x in self.racing
            ),
            *self.failed,
        ]
        return "\n".join(lines) + ("\n" if lines else "")

    def details(self, *, lever: str) -> dict[str, str]:
        """What the halt's audit entry records: each experiment halted, not yet, or failed."""
        said = {
            "halted": ", ".join(x.id for x in self.stopped + self.ended),
            "not_yet": ", ".join(x.id for x in self.racing),
            "failed": ", ".join(line.split(" ", 1)[0] for line in self.failed),
            "lever": lever,
        }
        return {k: v[:300] for k, v in said.items() if v}


def _engaged(user: str, halts: _Halts, lever: LeverState) -> Reply:
    """The lever engaged, or already engaged by another organisation: this org halted; an
    error while an experiment could not be halted."""
    halted = f"{counted(len(halts.stopped), 'experiment')} halted" + (
        f", {len(halts.failed)} could not be" if halts.failed else ""
    )
    tone = Tone.ERROR if halts.failed else Tone.OK
    if lever.foreign:
        return Reply(
            tone=tone,
            title=f"Org halted by @{user}: {halted}",
            text=f"{halts.said}The safety lever was already engaged{lever.said_by}. This org "
            "stays halted until one of its own org admins runs `sre chaos unhalt`, whatever the "
            "other organisation does.",
            refs=(user_ref(user),),
        )
    return Reply(
        tone=tone,
        title=f"Safety lever engaged by @{user}: {halted}",
        text=f"{halts.said}No experiment starts until an org admin runs `sre chaos unhalt`.",
        refs=(user_ref(user),),
    )
