"""Prompt experiments in tests: in-memory services whose prompt stores, investigations and posts
the test holds, and the experiment summariser over the same ones."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from shared.adapters.memory import (
    FixedClock,
    InMemoryExperimentStore,
    InMemoryFeedbackStore,
    InMemoryInvestigationStore,
    InMemoryNotifier,
    InMemoryVariantStore,
)
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.adapters.memory_usage import InMemoryUsageLedger
from shared.audit.trail import AuditTrail
from shared.bootstrap.adapters import PromptAdapters
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from shared.prompts.experiment_notices import ExperimentNotices
from shared.prompts.experiments import Arm, Experiment
from shared.prompts.language import LanguageModel
from shared.prompts.model_arm import ModelArms, team_past
from shared.prompts.models import control
from shared.prompts.ports import ExperimentStore
from shared.prompts.routing import ExperimentSummariser
from shared.quotas.service import QuotaService
from tests.support import NOW, ORG, run, setup_teams


@dataclass
class Lab:
    """Services over stores the test can read."""

    services: Services
    prompts: PromptAdapters
    investigations: InMemoryInvestigationStore
    notifier: InMemoryNotifier
    quotas: InMemoryQuotas
    clock: FixedClock

    def summariser(
        self, model: LanguageModel | None = None, *, trail: AuditTrail | None = None
    ) -> ExperimentSummariser:
        """The experiment summariser over the same stores (as the bootstrap wires it), auditing
        into `trail` if given."""
        models = ModelArms(
            model=model,
            budget_tokens=2_000,
            directory=self.services.directory,
            quotas=QuotaService(quotas=self.quotas, usage=InMemoryUsageLedger()),
            similar=team_past(self.investigations),
            clock=self.clock,
        )
        notices = ExperimentNotices(
            trail=trail or self.services.audit,
            directory=self.services.directory,
            notifier=self.notifier,
        )
        return ExperimentSummariser(
            store=self.prompts.experiments,
            variants=self.prompts.variants,
            feedback=self.prompts.feedback,
            investigations=self.investigations,
            models=models,
            notices=notices,
        )


class ReadTogether:
    """Wraps an experiment store so that its first two `list_for` reads wait for each other:
    two starts that both find their scope free before either saves (the widest window a
    check-then-save start could be raced through)."""

    def __init__(self, store: ExperimentStore) -> None:
        self._store = store
        self._barrier = threading.Barrier(2, timeout=10)
        self._reads = 0
        self._lock = threading.Lock()

    def save(self, experiment: Experiment) -> Experiment:
        """The store's save."""
        return self._store.save(experiment)

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        """The store's read of one."""
        return self._store.get(org, experiment_id)

    def list_for(self, org: OrgId) -> Sequence[Experiment]:
        """The store's answer; the first two callers get it once both have read it."""
        found = self._store.list_for(org)
        with self._lock:
            self._reads += 1
            together = self._reads <= 2
        if together:
            self._barrier.wait()
        return found


def lab(
    model: LanguageModel | None = None,
    *,
    clock: FixedClock | None = None,
    experiments: ExperimentStore | None = None,
) -> Lab:
    """In-memory services at NOW (or on `clock`), `root` of `slack:T1` the org admin, with
    `model` if given, prompt experiments in `experiments` if given."""
    prompts = PromptAdapters(
        variants=InMemoryVariantStore(),
        feedback=InMemoryFeedbackStore(),
        experiments=experiments or InMemoryExperimentStore(),
    )
    investigations, notifier, quotas = (
        InMemoryInvestigationStore(),
        InMemoryNotifier(),
        InMemoryQuotas(),
    )
    clock = clock or FixedClock(NOW)
    services = for_memory(
        Settings(org_admins=("slack:T1:root",)),
        clock=clock,
        prompts=prompts,
        investigations=investigations,
        notifier=notifier,
        quotas=quotas,
        model=model,
    )
    return Lab(services, prompts, investigations, notifier, quotas, clock)


def placed(
    lab: Lab, variants: str, *, team: str | None = "payments", floor: float = 0.3
) -> Experiment:
    """Team `team`'s (None: the org's) experiment of the control and `variants` (each's newest
    version), saved as `sre prompt experiment start` saves one whose offline gate passed: for
    tests of what happens online to a model arm whose scripted answers would not pass the gate
    (the gate itself is tested in tests/unit/prompts/test_gating.py and
    tests/bus/prompts/test_experiments.py)."""
    history = lab.prompts.variants.list_for(ORG)
    named = [control(ORG)] + [
        [v for v in history if v.name == name][-1] for name in variants.split(",")
    ]
    arms = [
        Arm(variant=v, weight=1 / len(named), gate="passed (placed by the test)") for v in named
    ]
    experiment = Experiment(
        id="pe-0a0b0c",
        org=ORG,
        team=team,
        arms=arms,
        floor=floor,
        started_by="root",
        started_at=NOW,
    )
    return lab.prompts.experiments.save(experiment)


def all_to_model(model: LanguageModel) -> Lab:
    """`model` as the deployment's, the org's consent, the model variant `brief`, the service
    `api` of team payments, and its experiment whose shares went all to `brief`."""
    it = lab(model)
    setup_teams(it.services)
    for text in ("org model on", 'prompt variant add brief --model --instructions "Cause first."'):
        assert not run(it.services, text).failed, text
    register = "service register api --sample checkout"
    assert not run(it.services, register, user="oli", channel="C-pay").failed
    started = placed(it, "brief")
    arms = [a.model_copy(update={"weight": float(a.name == "brief")}) for a in started.arms]
    it.prompts.experiments.save(started.model_copy(update={"arms": arms}))
    return it
