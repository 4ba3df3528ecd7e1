"""Telling what a prompt experiment did by itself (a share moved, an arm demoted or stopped, a
variant promoted): each step audited as the scheduler, then kept, then posted.

There is no org-wide channel in Auto SRE (an org's notices go to its teams' channels, as each team
posts only to its own): a team's experiment is told in that team's channels, an org-wide one in
every channel bound to a team of the org. Entries go to the team's stream, or the org's."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from shared.audit.models import ORG_STREAM
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.identity.models import OrgId, Platform
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.ports import Notifier
from shared.prompts.experiments import Experiment, Step
from shared.replies import Reply, Tone

log = logging.getLogger(__name__)

Save = Callable[[Experiment], Experiment]


def platform_of(org: str) -> Platform:
    """The platform an org id is keyed with (`slack:T1` → Slack; `local` → the terminal)."""
    prefix = org.split(":", 1)[0]
    return Platform(prefix) if prefix in {p.value for p in Platform} else Platform.LOCAL


def notice(experiment: Experiment, step: Step, *, team: str | None = None) -> Reply:
    """`Prompt experiment pe-1a2b (team payments): promoted`, and what happened, as `team`'s
    channels are told it (a step about another team's investigation: without its details)."""
    tone = Tone.OK if step.what == "promoted" else Tone.INFO
    title = f"Prompt experiment {experiment.id} ({experiment.scope}): {step.what}"
    text = step.text
    if step.others and step.team is not None and team != step.team:
        text = step.others
    return Reply(tone=tone, title=title, text=text)


class ExperimentNotices:
    """Audits, keeps and posts an experiment's own steps."""

    def __init__(self, *, trail: AuditTrail, directory: Directory, notifier: Notifier) -> None:
        self._trail = trail
        self._directory = directory
        self._notifier = notifier

    def settle(
        self, read: Experiment, decided: Experiment, *, unaudited: Experiment, save: Save
    ) -> Experiment:
        """Audit `decided`'s new steps, save it and post them; if the trail is unavailable, save
        `unaudited` instead (no decision is made that is not audited). ConflictError from `save`
        passes through."""
        steps = decided.history[len(read.history) :]
        try:
            for step in steps:
                self._audit(decided, step)
        except Exception:
            log.exception("experiment %s: its decisions could not be audited", read.id)
            return save(unaudited)
        saved = save(decided)
        self.post(saved, steps)
        return saved

    def _audit(self, experiment: Experiment, step: Step) -> None:
        self._trail.append(
            scheduler_entry(
                experiment.org,
                experiment.team or ORG_STREAM,
                time=step.at,
                command=ScheduledAction(
                    "prompt", f"experiment {step.what}", experiment.id
                ).command(),
                target=f"experiment:{experiment.id}",
                trigger=f"{experiment.id}:{len(experiment.assignments)}",
                details={"decision": step.text[:500]},
            )
        )

    def post(self, experiment: Experiment, steps: Sequence[Step]) -> None:
        """Post each step to the experiment's channels (a channel that refuses is logged)."""
        for step in steps:
            for team, target in self.targets(experiment):
                try:
                    self._notifier.post(target, notice(experiment, step, team=team))
                except Exception:
                    log.exception("experiment %s: not posted to %s", experiment.id, target.channel)

    def targets(self, experiment: Experiment) -> list[tuple[str, ReplyTarget]]:
        """The channels of the experiment's team, or of every team of the org, each with its
        team."""
        platform, org = platform_of(experiment.org), OrgId(experiment.org)
        return [
            (
                b.team,
                ReplyTarget(
                    platform=platform, channel=b.channel, conversation=b.conversation, org=org
                ),
            )
            for b in self._directory.list_bindings(org)
            if experiment.team is None or b.team == experiment.team
        ]
