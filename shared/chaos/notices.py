"""What people see of experiments: the one message each has (posted once, updated at every
step), and the replies to the commands."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from shared.chaos.chart import ChaosChart, chaos_chart, last_moment, signals_read
from shared.chaos.commands import LISTED
from shared.chaos.failures import failure_alarm, fresh_failure
from shared.chaos.models import (
    ChaosStep,
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    VerifiedResilience,
)
from shared.chaos.ports import ChaosStore, FaultMetrics
from shared.errors import ConflictError, missing_record
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.messages import channel_targets, post_or_update
from shared.ports import Notifier
from shared.quotas.metering import ProviderMeter
from shared.replies import Button, Image, Reply, Tone, user_ref
from shared.times import clock, day, moment

log = logging.getLogger("autosre.chaos")
SHOWN = 10
"""History lines shown in an experiment's message."""
Chart = Callable[[ChaosChart], bytes]
"""Draws an experiment's chart (PNG)."""

_TONE = {
    ExperimentOutcome.HELD: Tone.OK,
    ExperimentOutcome.DEVIATED: Tone.ERROR,
    ExperimentOutcome.INCONCLUSIVE: Tone.INFO,
    ExperimentOutcome.HALTED: Tone.INFO,
    ExperimentOutcome.FAILED: Tone.ERROR,
}


def steps_said(experiment: Experiment) -> str:
    """`1% → 5% → 25%, 10m each`."""
    minutes = int(experiment.step_duration.total_seconds() // 60)
    return " → ".join(f"{p}%" for p in experiment.percents) + f", {minutes}m each"


def after_colon(reasons: Sequence[str]) -> str:
    """Sentences said after a colon: the first one's first word in lower case (`cannot start:
    the org's safety lever is engaged…`), a name such as `FIS` left as it is."""
    said = " ".join(reasons)
    if len(said) > 1 and said[0].isupper() and said[1].islower():
        return said[0].lower() + said[1:]
    return said


def title(experiment: Experiment) -> str:
    """The message's title; a failed rollback said loudly."""
    head = f"Chaos {experiment.id}: {experiment.fault.written} on {experiment.service}"
    if (
        experiment.outcome is ExperimentOutcome.FAILED
        and experiment.state is not ExperimentState.ENDED
    ):
        return f"{head}: FAILED, its fault is still injected: removal retried every minute"
    return f"{head}: {experiment.standing}"


def _said(step: ChaosStep) -> str:
    """What a step says beyond its verb: never the verb or its author twice (`halted by @x`,
    `deviated: …`)."""
    reason = step.reason.removeprefix(f"{step.what}: ")
    return "" if reason in {step.what, f"{step.what} by @{step.by}"} else reason


def history_line(experiment: Experiment, step: ChaosStep, now: datetime | None) -> str:
    """`14:02 UTC 1% halted by @rey`, `09:30 UTC 5% deviated: p99 latency …`,
    `14:07 UTC 5% → 25%: held at 5%: …`; dated when not of `now`'s day, always without a
    `now` (`Mon 30 Nov 14:02 UTC …`: a message read any day later)."""
    at = moment(step.at, today=now) if now else f"{clock(step.at, days=True)} UTC"
    return f"{at} {step_words(experiment, step)}"


def step_words(experiment: Experiment, step: ChaosStep) -> str:
    """A step without its time (the message's history and the page say it alike): `1% halted
    by @rey`, `5% → 25%: held at 5%: …`. The scheduler is not named: a person is, unless the
    reason names them already."""
    said = _said(step)
    percents = experiment.percents
    if step.what == "advanced" and step.percent in percents[1:]:
        was = percents[percents.index(step.percent) - 1]
        held = said.removeprefix("held: ")
        return f"{was}% → {step.percent}%: held at {was}%" + (f": {held}" if held else "")
    who = "" if step.by == "scheduler" or f"@{step.by}" in said else f" by @{step.by}"
    if step.what in _NEVER_STARTED and not _injected_before(experiment, step):
        return _NEVER_STARTED[step.what](who, said)
    return f"{step.percent}% {step.what}{who}" + (f": {said}" if said else "")


_NEVER_STARTED: dict[str, Callable[[str, str], str]] = {
    "halted": lambda who, said: (
        f"halted before it started{who}: " + (f"{said}; " if said else "") + "nothing was injected"
    ),
    "expired": lambda _, said: f"the approval expired ({said}): nothing was injected",
    "failed": lambda _, said: f"could not start: {said}",
}
"""How an experiment that never injected anything says its end: no percent, no fault removed."""


def _injected_before(experiment: Experiment, step: ChaosStep) -> bool:
    """Whether anything was injected before `step` of its history, or may have been: an
    injection recorded and not refused may land while a halt is recorded."""
    earlier = experiment.history[: experiment.history.index(step)]
    landing = any(not i.refused for i in experiment.injections)
    return landing or any(s.what == "injected" for s in earlier)


def history(experiment: Experiment, now: datetime | None = None) -> list[str]:
    """The latest history lines, oldest first, their times as read at `now`; without one (its
    message, read any day after its last update), each line dated with its own day."""
    return [history_line(experiment, r, now) for r in experiment.history[-SHOWN:]]


def buttons(experiment: Experiment) -> list[Button]:
    """Approve while it waits for a second operator; Halt while anything can still be stopped."""
    scope = f"{experiment.id} --team={experiment.team}"
    found: list[Button] = []
    if experiment.state is ExperimentState.AWAITING_APPROVAL:
        found.append(Button(label="Approve", command=f"sre chaos approve {scope}", style="primary"))
    if experiment.state in {
        ExperimentState.AWAITING_APPROVAL,
        ExperimentState.STARTING,
        ExperimentState.RUNNING,
    }:
        found.append(Button(label="Halt", command=f"sre chaos halt {scope}", style="danger"))
    return found


def experiment_notice(
    experiment: Experiment, chart: Image | None = None, *, now: datetime | None = None
) -> Reply:
    """Title with the fault and where it stands, the latest steps with the verdicts (times as
    read at `now`), buttons, the chart of both shares (when there is one)."""
    tone = _TONE[experiment.outcome] if experiment.outcome else Tone.INFO
    people = sorted({r.by for r in experiment.history[-SHOWN:]} - {"scheduler"})
    return Reply(
        tone=tone,
        title=title(experiment),
        text="\n".join(history(experiment, now)),
        fields=[
            ("Experiment", f"{experiment.id} (team {experiment.team})"),
            ("Steady state", "; ".join(experiment.expectations)),
            ("Steps", steps_said(experiment)),
        ],
        buttons=buttons(experiment),
        images=[chart] if chart else [],
        refs=tuple(user_ref(by) for by in people),
    )


def status_reply(experiment: Experiment, now: datetime | None = None) -> Reply:
    """`chaos status`: the experiment's message, as information whatever its outcome; while a
    step runs, the guard's latest judgement too (the message changes only at a step's end)."""
    reply = experiment_notice(experiment, now=now).model_copy(update={"tone": Tone.INFO})
    latest = experiment.latest
    if experiment.state is not ExperimentState.RUNNING or latest is None:
        return reply
    at = moment(latest.at, today=now or latest.at)
    reasons = [r.removeprefix(f"{latest.verdict}: ") for r in latest.reasons]
    said = f"{at}: {latest.verdict} so far at {latest.percent}%" + (
        f" ({'; '.join(reasons)})" if reasons else ""
    )
    return reply.model_copy(update={"fields": [*reply.fields, ("Latest look", said)]})


def team_list(
    team: str,
    experiments: Sequence[Experiment],
    *,
    every: bool,
    service: str | None = None,
    named: str | None = None,
) -> Reply:
    """A team's experiments (of one `service`, if named), newest first, one line each: at most
    `LISTED`, then how many more and how to narrow the list (`named`: the `--team` typed, kept
    in the commands it suggests)."""
    on = f" on {service}" if service else ""
    if not experiments:
        flag = f" --service {service}" if service else ""
        flag += f" --team {named}" if named else ""
        more = "" if every else f" under way (`sre chaos list --all{flag}` for ended ones)"
        return Reply(tone=Tone.INFO, title=f"Team {team} has no experiments{on}{more}")
    shown = experiments[:LISTED]
    fields = [(x.id, f"{x.fault.written} on {x.service}: {x.standing}") for x in shown]
    left = len(experiments) - len(shown)
    if left:
        fields.append((f"{left:,} more", _narrower(every=every, service=service)))
    count = f"the newest {len(shown)} of {len(experiments):,}" if left else str(len(shown))
    return Reply(
        tone=Tone.INFO, title=f"Experiments of {team}{on}, newest first ({count})", fields=fields
    )


def _narrower(*, every: bool, service: str | None) -> str:
    """What a capped list leaves out, and how to see it: a narrower list, or one by id."""
    one = "`sre chaos status ID` shows any one"
    if service is None:
        flags = "--all --service NAME" if every else "--service NAME"
        return f"older, not listed: narrow the list with `sre chaos list {flags}`; {one}"
    if every:
        under_way = f"`sre chaos list --service {service}` lists those under way"
        return f"older, not listed: {under_way}; {one}"
    return f"older, not listed: {one}"


def _verified_line(result: VerifiedResilience, now: datetime, void: str = "") -> str:
    """`delay:100ms held at 25% (p99_latency < 2s) on Sun 22 Nov by chx-…: until Tue 22 Dec`."""
    head = (
        f"{result.fault.written} held at {result.percent}% ({'; '.join(result.expectations)}) "
        f"on {day(result.at, today=now)} by {result.experiment}"
    )
    standing = result.standing(now)
    if void and standing == "current":
        return f"{head}: VOID: {void}"
    if result.revoked_at is not None:
        when = day(result.revoked_at, today=now)
        return f"{head}: REVOKED {when}: {result.revoked_reason}"
    if standing == "expired":
        return f"{head}: EXPIRED {day(result.expires_at, today=now)}"
    return f"{head}: until {day(result.expires_at, today=now)}"


def verified_list(
    team: str,
    results: Sequence[VerifiedResilience],
    now: datetime,
    void: Callable[[VerifiedResilience], str] = lambda _: "",
) -> Reply:
    """`chaos list --verified`: each service's verified resilience, newest first, expired,
    revoked and void ones (`void` says why: its service removed or re-pointed) marked."""
    if not results:
        return Reply(
            tone=Tone.INFO,
            title=f"Team {team} has no verified resilience",
            text="An experiment that ends held records one (`sre chaos start … --valid-for 30d`).",
        )
    current = sum(r.standing(now) == "current" and not void(r) for r in results)
    return Reply(
        tone=Tone.INFO,
        title=f"Verified resilience of {team}: {current} current of {len(results)}",
        fields=[(r.service, _verified_line(r, now, void(r))) for r in results],
    )


def unknown_experiment(experiment_id: str, team: str, experiments: Sequence[Experiment]) -> str:
    """Why `experiment_id` is not found, with a likely typo or the team's experiments."""
    return missing_record(
        f"Team {team} has no experiment `{experiment_id}`",
        experiment_id,
        [(x.id, f"{x.fault.written} on {x.service}, {x.standing}") for x in experiments],
        none='`sre chaos plan SERVICE --fault delay:1500ms --expect "p99_latency < 2s"`',
        more="`sre chaos list --all`",
    )


class ChaosMessages:
    """Keeps each experiment's one message: posted in its team's channel once, updated after."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        directory: Directory,
        notifier: Notifier,
        metrics: FaultMetrics | None = None,
        draw: Chart | None = None,
        meter: ProviderMeter | None = None,
    ) -> None:
        """`meter`: counts the chart's reads to the experiment's team, in the hour of its latest
        step (its end), never refused."""
        self._store = store
        self._directory = directory
        self._notifier = notifier
        self._metrics = metrics
        self._draw = draw
        self._meter = meter

    def tell(self, experiment: Experiment) -> Experiment:
        """Post or update its message (a failure is logged, never raised: what it tells is
        done); the experiment, with where its message is."""
        try:
            channels = channel_targets(
                self._directory, OrgId(experiment.org), experiment.team, experiment.platform
            )
            told = post_or_update(
                self._notifier,
                experiment_notice(experiment, self._chart(experiment)),
                message=experiment.message,
                channels=channels[:1],
            )
        except Exception:
            log.exception("could not tell experiment %s", experiment.id)
            return experiment
        self._alarm(experiment, channels[:1])
        if not told.where or told.where[0] == experiment.message:
            return experiment
        try:
            return self._store.save(experiment.model_copy(update={"message": told.where[0]}))
        except ConflictError:
            return experiment

    def _alarm(self, experiment: Experiment, channels: Sequence[ReplyTarget]) -> None:
        """A removal that has just failed, posted as a new message (logged if it cannot be)."""
        failed = fresh_failure(experiment)
        if failed is None:
            return
        if not channels:  # unbound since it started: the log is the one place left to say it
            log.error(
                "experiment %s's fault is still injected (%s), and team %s has no channel to "
                "say so",
                experiment.id,
                failed,
                experiment.team,
            )
        for target in channels:
            try:
                self._notifier.post(target, failure_alarm(experiment, failed))
            except Exception:
                log.exception("could not post experiment %s's failed removal", experiment.id)

    def chart_png(self, experiment: Experiment) -> bytes | None:
        """Both shares of each signal of its steady state so far, as PNG (none before a whole
        minute of a fault; a failure is logged: what shows it goes without)."""
        metrics, draw = self._metrics, self._draw
        if metrics is None or draw is None or not experiment.injections:
            return None
        try:
            team = self._directory.get_team(OrgId(experiment.org), experiment.team)
            service = team.services.get(experiment.service) if team else None
            if service is None:
                return None
            signals = signals_read(experiment)
            read = functools.partial(
                chaos_chart,
                experiment,
                lambda start, end: metrics.compare(service, signals, start=start, end=end),
            )
            payer = (OrgId(experiment.org), experiment.team)
            at = last_moment(experiment)
            chart = self._meter.judged(metrics, read, payer, at=at) if self._meter else read()
            if not any(panel.minutes for panel in chart.panels):
                return None  # not a whole minute yet: nothing to draw
            return draw(chart)
        except Exception:
            log.exception("could not chart experiment %s", experiment.id)
            return None

    def _chart(self, experiment: Experiment) -> Image | None:
        """Its chart, to show inside its message."""
        png = self.chart_png(experiment)
        if png is None:
            return None
        return Image(
            name=f"{experiment.id}-{len(experiment.history)}.png",
            title=(
                f"{experiment.service}: faulted vs unfaulted share, per minute (error rates "
                "pooled since each step began, as they are judged)"
            ),
            png_base64=base64.b64encode(png).decode(),
            inline=True,
        )
