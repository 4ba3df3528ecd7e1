"""The investigations' summariser where prompt experiments run: each investigation of a team in a
running experiment's scope goes to an arm picked by a hash of its key from the arms' shares, and
keeps it (the assignment is stored on the experiment, so a later narration of the same
investigation reuses it while that arm is not halted, whatever the shares became). Where no
experiment runs, the scope's promoted variant (or the control, when that variant was retired since)
tells it."""

from __future__ import annotations

import logging

from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.investigations.models import Investigation, Narrative
from shared.investigations.ports import InvestigationStore
from shared.prompts.decisions import Tally, decide, halt, tally
from shared.prompts.experiment_notices import ExperimentNotices
from shared.prompts.experiments import MOST_LATENCIES, Arm, Experiment, ExperimentState
from shared.prompts.model_arm import ModelArms, Written
from shared.prompts.models import Variant, VariantKind, control
from shared.prompts.ports import ExperimentStore, FeedbackStore, VariantStore
from shared.prompts.selection import pick
from shared.prompts.templates import TemplateSummariser

log = logging.getLogger(__name__)
ATTEMPTS = 3


def running_for(store: ExperimentStore, org: OrgId, team: str) -> Experiment | None:
    """The running experiment whose scope holds `team` (a team's own before an org-wide one)."""
    found = [x for x in store.list_for(org) if x.running and x.covers(team)]
    return min(found, key=lambda x: x.team is None) if found else None


def retired_names(variants: VariantStore, org: OrgId) -> set[str]:
    """The names of the org's variants whose newest version is retired."""
    newest = {v.name: v for v in variants.list_for(org)}
    return {name for name, variant in newest.items() if variant.retired}


def default_for(store: ExperimentStore, org: OrgId, team: str, *, retired: set[str]) -> Variant:
    """The variant of the newest promotion whose scope holds `team`, else the control (also when
    that variant's name is `retired`)."""
    for experiment in store.list_for(org):
        winner = experiment.arm(experiment.winner) if experiment.winner else None
        if experiment.state is ExperimentState.PROMOTED and experiment.covers(team) and winner:
            return control(org) if winner.name in retired else winner.variant
    return control(org)


def recorded(
    experiment: Experiment, arm: Arm, written: Written, investigation: Investigation
) -> Experiment:
    """The experiment with what the arm's attempt cost, an error counted, and an ungrounded
    narrative halting the arm at once."""
    latencies = arm.latencies_ms + ([written.latency_ms] if written.latency_ms is not None else [])
    counted = arm.model_copy(
        update={
            "latencies_ms": latencies[-MOST_LATENCIES:],
            "tokens": arm.tokens + written.tokens,
            "errors": arm.errors + bool(written.error),
            "ungrounded": arm.ungrounded + bool(written.ungrounded),
        }
    )
    updated = experiment.with_arm(counted)
    if not written.ungrounded:
        return updated
    claims = ", ".join(written.ungrounded[:3])
    why = f"demoted: its narrative of {investigation.id} was not grounded ({claims})"
    halted = halt(updated, arm.name, why, investigation.opened_at)
    if halted is updated:
        return halted
    said = halted.history[-1].model_copy(
        update={
            "team": investigation.team,
            "others": f"{arm.variant.label} demoted: a narrative was not grounded",
        }
    )
    return halted.model_copy(update={"history": [*halted.history[:-1], said]})


class ExperimentSummariser:
    """The `Summariser` port over the org's experiments and variants."""

    def __init__(
        self,
        *,
        store: ExperimentStore,
        variants: VariantStore,
        feedback: FeedbackStore,
        investigations: InvestigationStore,
        models: ModelArms,
        notices: ExperimentNotices,
    ) -> None:
        self._store = store
        self._variants = variants
        self._feedback = feedback
        self._investigations = investigations
        self._models = models
        self._notices = notices

    def summarise(self, investigation: Investigation) -> Narrative:
        """The narrative of the investigation's arm (or of the scope's default), signed with the
        variant's label and the experiment's id."""
        org, team = OrgId(investigation.org), investigation.team
        experiment = running_for(self._store, org, team)
        if experiment is None:
            retired = retired_names(self._variants, org)
            default = default_for(self._store, org, team, retired=retired)
            return self._told(default, investigation, "")
        arm = self._arm(experiment, investigation)
        written = self._written(arm.variant, investigation, experiment.id)
        text = written.text or TemplateSummariser(control(org)).summarise(investigation).text
        by = experiment.control() if not written.text else arm
        narrative = Narrative(
            text=text,
            by=f"{by.variant.label} (experiment {experiment.id})",
            refused=written.refused,
        )
        told = investigation.model_copy(update={"narrative": text, "narrated_by": narrative.by})
        self._settle(experiment, arm.name, written, told)
        return narrative

    def _arm(self, experiment: Experiment, investigation: Investigation) -> Arm:
        """The arm the investigation had (while not halted), else the one its key picks."""
        had = experiment.arm(experiment.assignments.get(investigation.id, ""))
        if had is not None and not had.halted:
            return had
        key = f"{investigation.org}:{investigation.team}:{investigation.id}:{experiment.id}"
        return experiment.arm(pick(experiment.weights(), key)) or experiment.control()

    def _written(self, variant: Variant, investigation: Investigation, experiment: str) -> Written:
        if variant.content.kind is VariantKind.TEMPLATE:
            return Written(text=TemplateSummariser(variant).summarise(investigation).text)
        return self._models.write(variant, investigation, experiment)

    def _told(self, variant: Variant, investigation: Investigation, experiment: str) -> Narrative:
        """The default variant's narrative (the control's when a model gives none)."""
        written = self._written(variant, investigation, experiment)
        if written.text:
            return Narrative(text=written.text, by=variant.label)
        fallback = TemplateSummariser(control(OrgId(investigation.org))).summarise(investigation)
        return fallback.model_copy(update={"refused": written.refused})

    def _settle(self, read: Experiment, arm: str, written: Written, told: Investigation) -> None:
        """Keep the assignment and the attempt, decide on the evidence, tell what changed; a
        concurrent write is read again (ATTEMPTS times)."""
        for _ in range(ATTEMPTS):
            assigned = {**read.assignments, told.id: arm}
            after = recorded(
                read.model_copy(update={"assignments": assigned}),
                read.arm(arm) or read.control(),
                written,
                told,
            )
            decided = decide(after, self._results(after, told), now=told.opened_at)
            only = read.model_copy(update={"assignments": assigned})
            try:
                self._notices.settle(read, decided, unaudited=only, save=self._store.save)
            except ConflictError:
                fresh = self._store.get(OrgId(read.org), read.id)
                if fresh is None or not fresh.running:
                    return
                read = fresh
            else:
                return
        log.warning("experiment %s: %s not recorded after %d tries", read.id, told.id, ATTEMPTS)

    def _results(self, experiment: Experiment, told: Investigation) -> dict[str, Tally]:
        """Each arm's results, `told` as it will be saved."""
        found = {told.id: told}
        for investigation_id in experiment.assignments:
            if investigation_id not in found:
                got = self._investigations.get(OrgId(experiment.org), investigation_id)
                if got is not None:
                    found[investigation_id] = got
        return tally(experiment, found, self._feedback.list_for(OrgId(experiment.org)))
