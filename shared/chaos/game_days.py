"""Game days: scheduled, listed and removed by command; started by the scheduler's tick inside
their window (UTC) at most once per period, with a person's start's checks (the lever, a real
outage, an experiment already on the service, the preflight, the steady state before) and, on a
production service, still a second operator's approval (the game day's creator is the first).
A start or a skip is audited as the scheduler first; a skip is said once per window in the
team's channel with its reason."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from shared.audit.models import AuditDraft
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.chaos import commands as c
from shared.chaos.models import Experiment, ExperimentState
from shared.chaos.notices import after_colon
from shared.chaos.ownership import service_key
from shared.chaos.ports import ChaosStore
from shared.chaos.schedules import GameDay, Window, due, experiment_of, new_id
from shared.commands.context import Context
from shared.commands.duration import to_timedelta
from shared.errors import ConflictError, NotFoundError, missing_record
from shared.identity.models import OrgId, Role, UserId
from shared.identity.ports import Directory
from shared.messages import channel_targets, post_or_update
from shared.ports import Notifier
from shared.replies import Reply, Tone
from shared.telemetry.metrics_files import without_paths
from shared.times import day

MOST_GAME_DAYS = 20
"""Game days a team may keep (each is read at every tick)."""
log = logging.getLogger("autosre.chaos")

_AGAIN = "It starts later in this window if that ends, else in its next window."


class Starter(Protocol):
    """What starts an experiment with a person's start's checks (the chaos service)."""

    def ready(self, experiment: Experiment, now: datetime) -> tuple[Experiment, list[str]]:
        """Every reason it may not start now, and the experiment with its steady state before."""

    def launch(self, experiment: Experiment, now: datetime, *, by: str) -> Experiment:
        """Started, or waiting for a second operator on a production service."""


class GameDays:
    """Keeps game days and starts them at the scheduler's tick."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        starter: Starter,
        audit: AuditTrail,
        directory: Directory,
        notifier: Notifier,
    ) -> None:
        self._store = store
        self._starter = starter
        self._audit = audit
        self._directory = directory
        self._notifier = notifier

    # -- commands ------------------------------------------------------------------------------

    def schedule(self, command: c.StartExperiment, draft: Experiment, ctx: Context) -> Reply:
        """Keep the plan of `draft` as a game day (nothing is injected now)."""
        assert command.every is not None  # noqa: S101 (validated with --window)
        assert command.window is not None  # noqa: S101
        kept = self._store.game_days(OrgId(draft.org), draft.team)
        if len(kept) >= MOST_GAME_DAYS:
            raise ConflictError(
                f"Team {draft.team} keeps at most {MOST_GAME_DAYS} game days: unschedule one "
                "first (`sre chaos list --scheduled`, then `sre chaos unschedule ID`)."
            )
        game_day = self._store.save_game_day(
            GameDay(
                id=new_id(),
                org=draft.org,
                team=draft.team,
                service=draft.service,
                kind=draft.kind,
                fault=draft.fault,
                percents=draft.percents,
                step_duration=draft.step_duration,
                expectations=draft.expectations,
                valid_for=draft.valid_for,
                every=to_timedelta(command.every),
                window=Window.parse(command.window),
                created_by=draft.started_by,
                created_at=ctx.now,
                platform=draft.platform,
                service_key=draft.service_key,
            )
        )
        approval = (
            " Its service is production: each run waits for another operator's approval "
            f"(@{game_day.created_by} counts as the first)."
            if draft.production
            else ""
        )
        return Reply(
            tone=Tone.OK,
            title=f"Game day {game_day.id} scheduled: {game_day.said}",
            text="The scheduler starts it inside the window (UTC), at most once per period, "
            "and skips it during a real outage of the team or while the org's safety lever is "
            f"engaged, saying so here. `sre chaos unschedule {game_day.id}` removes it." + approval,
        )

    def kept_already(self, command: c.StartExperiment, draft: Experiment) -> str | None:
        """The fact that the team keeps a game day of `draft`'s plan, on the same schedule."""
        try:
            every, window = to_timedelta(command.every or ""), Window.parse(command.window or "")
        except ValueError:  # refused as the start itself says
            return None
        for kept in self._store.game_days(OrgId(draft.org), draft.team):
            if kept.created_by != draft.started_by:  # another's: theirs may be skipped (a
                continue  # role lost), and the skip says to schedule it again
            if _plan(kept) == _plan(draft) and (kept.every, kept.window) == (every, window):
                return f"team {draft.team} keeps this game day already ({kept.id}, {kept.said})"
        return None

    def listing(self, org: OrgId, team: str) -> Reply:
        """`chaos list --scheduled`: the team's game days, newest first."""
        found = self._store.game_days(org, team)
        if not found:
            return Reply(
                tone=Tone.INFO,
                title=f"Team {team} has no game days",
                text="Schedule one with `sre chaos start SERVICE --fault delay:1500ms --expect "
                '"p99_latency < 2s" --every 7d --window "Tue 10:00-12:00"`.',
            )
        return Reply(
            tone=Tone.INFO,
            title=f"Game days of {team}",
            fields=[(g.id, _line(g)) for g in found],
        )

    def unschedule(self, command: c.UnscheduleGameDay, ctx: Context) -> Reply:
        """Remove one of the team's game days."""
        org, team = ctx.principal.actor.org, ctx.team or ""
        known = self._store.game_days(org, team)
        game_day = next((g for g in known if g.id == command.id), None)
        if game_day is None:
            raise NotFoundError(
                missing_record(
                    f"Team {team} has no game day `{command.id}`",
                    command.id,
                    [(g.id, g.said) for g in known],
                    none='`sre chaos start SERVICE … --every 7d --window "Tue 10:00-12:00"`',
                    more="`sre chaos list --scheduled`",
                )
            )
        self._store.remove_game_day(org, command.id)
        going = [
            found
            for run in game_day.experiments
            if (found := self._store.get(org, run)) is not None
            and found.state is not ExperimentState.ENDED
        ]
        said = [
            f"Its run {x.id} ({x.standing}) carries on: `sre chaos halt {x.id}` stops it."
            for x in going
        ]
        return Reply(tone=Tone.OK, title=f"Game day {command.id} unscheduled", text="\n".join(said))

    # -- the scheduler's tick ------------------------------------------------------------------

    def tick(
        self,
        now: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool],
    ) -> list[str]:
        """Start every game day due now (of `org`, if given; none of an org `uninstalled` says
        the app was removed from); what happened, one line each."""
        done: list[str] = []
        for game_day in self._store.every_game_day():
            opened = due(game_day, now)
            if opened is None or org not in (None, game_day.org):
                continue
            if uninstalled(game_day.org):
                continue
            try:
                line = self._run(game_day, opened, now, trigger)
            except ConflictError:
                continue  # another run took it
            except Exception as error:  # one game day's error stops only it
                log.exception("game day %s could not be run", game_day.id)
                line = f"{game_day.id} not started: {error}"
            done += [line] if line else []
        return done

    def _run(self, game_day: GameDay, opened: datetime, now: datetime, trigger: str) -> str:
        gone = self._creator_gone(game_day) or self._moved(game_day)
        if gone:
            return self._skip(game_day, opened, [gone], trigger, now, after="")
        experiment, reasons = self._starter.ready(experiment_of(game_day, now), now)
        if reasons:
            return self._skip(game_day, opened, reasons, trigger, now)
        taken = self._store.save_game_day(  # once per period, even when two ticks race
            game_day.model_copy(
                update={
                    "started_window": opened,
                    "experiments": [*game_day.experiments[-9:], experiment.id],
                }
            )
        )
        try:
            self._record(game_day, "started", f"{experiment.id}", trigger, now)
        except Exception:  # no entry, no start: tried again at the next tick
            log.exception("could not audit game day %s's start", game_day.id)
            self._store.save_game_day(game_day.model_copy(update={"version": taken.version}))
            return f"{game_day.id} not started: the audit trail is unavailable"
        try:
            started = self._starter.launch(experiment, now, by="scheduler")
        except Exception as error:  # noqa: BLE001 (told in its message; the period is spent)
            return f"{game_day.id} could not start {experiment.id}: {error}"
        return f"{game_day.id} started {started.id}: {started.standing}"

    def _creator_gone(self, game_day: GameDay) -> str:
        """Why it no longer starts in its creator's name (no longer an operator of the team);
        empty while they are."""
        team = self._directory.get_team(OrgId(game_day.org), game_day.team)
        role = team.members.get(UserId(game_day.created_by)) if team else None
        if role is not None and role.rank >= Role.OPERATOR.rank:
            return ""
        return (
            f"its creator @{game_day.created_by} is no longer an operator of {game_day.team}; "
            f"`sre chaos unschedule {game_day.id}` or schedule it again."
        )

    def _moved(self, game_day: GameDay) -> str:
        """Why it no longer runs on its service: the name now registers another resource than
        the one it was scheduled on (one kept before its resource was: a registration made after
        it); empty while it is the same (or the service is gone: said by the start's checks)."""
        team = self._directory.get_team(OrgId(game_day.org), game_day.team)
        service = team.services.get(game_day.service) if team else None
        if service is None:
            return ""
        if game_day.service_key:
            moved = game_day.service_key != service_key(game_day.team, service)
        else:
            moved = service.registered_at > game_day.created_at
        if not moved:
            return ""
        return (
            f"{service.name} was registered again since this game day was scheduled, now for "
            f"{without_paths(service.resource, service)}; `sre chaos unschedule {game_day.id}` "
            "and schedule it again."
        )

    def _skip(
        self,
        game_day: GameDay,
        opened: datetime,
        reasons: Sequence[str],
        trigger: str,
        now: datetime,
        *,
        after: str = _AGAIN,
    ) -> str:
        """Said once per window in the team's channel, audited as the scheduler; tried again at
        the next tick inside the window."""
        line = f"{game_day.id} skipped: {after_colon(reasons)}"
        if game_day.skipped_window == opened:
            return ""
        self._store.save_game_day(game_day.model_copy(update={"skipped_window": opened}))
        entry = self._entry(game_day, "skipped", " ".join(reasons), trigger, now)
        self._audit.append_or_owe(entry)  # the skip is saved: owed if the trail is down
        self._say(game_day, reasons, after)
        return line

    def _say(self, game_day: GameDay, reasons: Sequence[str], after: str) -> None:
        reply = Reply(
            tone=Tone.INFO,
            title=f"Game day {game_day.id} skipped: {game_day.said}",
            text="\n".join([*reasons, after] if after else reasons),
        )
        try:
            channels = channel_targets(
                self._directory, OrgId(game_day.org), game_day.team, game_day.platform
            )
            post_or_update(self._notifier, reply, message=None, channels=channels[:1])
        except Exception:
            log.exception("could not tell game day %s's skip", game_day.id)

    def _record(
        self, game_day: GameDay, what: str, reason: str, trigger: str, now: datetime
    ) -> None:
        self._audit.append(self._entry(game_day, what, reason, trigger, now))

    def _entry(
        self, game_day: GameDay, what: str, reason: str, trigger: str, now: datetime
    ) -> AuditDraft:
        """The scheduler's entry of what it did with `game_day`."""
        return scheduler_entry(
            game_day.org,
            game_day.team,
            time=now,
            command=ScheduledAction("chaos", f"game day {what}", game_day.id).command(),
            target=f"experiment:{game_day.id}",
            trigger=trigger,
            details={"service": game_day.service, "reason": reason[:500]},
        )


def _plan(planned: GameDay | Experiment) -> tuple[object, ...]:
    """What a game day runs, or an experiment would (its expectations in any order)."""
    return (
        planned.service,
        planned.service_key,
        planned.fault,
        planned.percents,
        planned.step_duration,
        sorted(planned.expectations),
        planned.valid_for,
    )


def _line(game_day: GameDay) -> str:
    """`error on checkout-api every 7 days, Tue 10:00-12:00 UTC; by @oli; last run chx-…`."""
    last = (
        f"; last started {day(game_day.started_window)} ({game_day.experiments[-1]})"
        if game_day.started_window and game_day.experiments
        else "; not run yet"
    )
    steady = "; ".join(game_day.expectations)
    steps = ",".join(str(p) for p in game_day.percents)
    return f"{game_day.said}; steps {steps}%; expects {steady}; by @{game_day.created_by}{last}"
