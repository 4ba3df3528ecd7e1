"""A model arm's narrative of one investigation: asked only where the org consented and the
team's token quota allows, with the team's own past as examples, and checked for groundedness
before it may be posted."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.investigations.grounding import check
from shared.investigations.memory import MAX_READ, PastIncident, diverse, incident, nearest
from shared.investigations.models import Investigation, Narrative
from shared.investigations.ports import InvestigationStore
from shared.ports import Clock
from shared.prompts.language import Completion, LanguageModel, ModelError
from shared.prompts.model_narrator import ModelNarrator
from shared.prompts.models import Variant, VariantKind
from shared.prompts.prompting import MOST_EXAMPLES, Example
from shared.prompts.templates import TemplateSummariser
from shared.quotas.models import ORG_WIDE, Limit, Refused
from shared.quotas.refusal import QuotaExceededError, refusal
from shared.quotas.service import QuotaService
from shared.records import Frozen
from shared.teams.model_consent import model_allowed

log = logging.getLogger(__name__)


def team_past(store: InvestigationStore) -> Callable[[Investigation], list[PastIncident]]:
    """The team's own resolved investigations most like one (as the report's "Similar past
    incidents"), for a model's examples."""

    def similar(investigation: Investigation) -> list[PastIncident]:
        past = store.recent(OrgId(investigation.org), investigation.team, newest=MAX_READ)
        return [incident(i) for i in nearest(investigation, past, limit=MOST_EXAMPLES)]

    return similar


class Written(Frozen):
    """What an arm's variant wrote: its text (empty when there is none to post), the reason when
    the model gave none, the claims not grounded, and what it cost (the tokens every answer
    reported, usable or not)."""

    text: str = ""
    error: str = ""
    ungrounded: tuple[str, ...] = ()
    latency_ms: int | None = None
    tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    refused: Refused | None = None
    """The team's model-token quota that refused the call (the model was not asked)."""


@dataclass(frozen=True)
class ModelArms:
    """What a model arm needs: the model, the org's consent, the team's quota, its past, and the
    clock the tokens are counted by (when the model is asked, not when the investigation opened:
    an offline gate's cases opened long ago)."""

    model: LanguageModel | None
    budget_tokens: int
    directory: Directory
    quotas: QuotaService
    similar: Callable[[Investigation], Sequence[PastIncident]]
    clock: Clock

    def write(self, variant: Variant, investigation: Investigation, experiment: str) -> Written:
        """The variant's narrative, or why there is none (never raises). Every answer the model
        gave counts the tokens it reported, usable or not; only the part of the reservation no
        answer used goes back."""
        org, team, at = OrgId(investigation.org), investigation.team, self.clock.now()
        model = self.model
        if model is None:
            return Written(error="no language model is configured")
        if not model_allowed(self.directory, org):
            return Written(error="the org's consent to send data to a model is off")
        bound = self.budget_tokens + variant.content.max_tokens
        try:
            self.quotas.take_model_tokens(org, team, bound, at=at)
        except QuotaExceededError as refused:
            whose = f"team {team}'s" if team else f"the org's {ORG_WIDE} experiments'"
            return Written(error=f"{whose} model token quota is used up", refused=refused.refused)
        written = self._answered(model, variant, investigation, experiment)
        self.quotas.count_model_tokens(
            org, team, input_tokens=written.input_tokens, output_tokens=written.output_tokens, at=at
        )
        unused = max(0, bound - written.tokens)  # the bound was taken; the rest goes back
        for limit in (Limit.MODEL_TOKENS_PER_DAY, Limit.MODEL_TOKENS_PER_MONTH):
            if unused:
                self.quotas.give_back(org, team, limit, unused, at=at)
        return written

    def _answered(
        self, model: LanguageModel, variant: Variant, investigation: Investigation, experiment: str
    ) -> Written:
        """The model's narrative, or why there is none with the tokens its answer reported."""
        try:
            completion = self._asked(model, variant, investigation, experiment)
        except ModelError as error:  # an answer it gave (and was billed for) counts its tokens
            log.warning("model arm %s gave no narrative: %s", variant.label, error)
            return _failed(
                error, input_tokens=error.input_tokens, output_tokens=error.output_tokens
            )
        except Exception as error:  # noqa: BLE001 (any failure of the model: the control's text)
            log.warning("model arm %s gave no narrative: %s", variant.label, error)
            return _failed(error)
        try:
            grounding = check(completion.text, investigation)
        except Exception as error:  # noqa: BLE001 (the answer came: its tokens still count)
            log.warning("model arm %s: narrative not checked: %s", variant.label, error)
            return _failed(error, completion.input_tokens, completion.output_tokens)
        return Written(
            text=completion.text if grounding.ok else "",
            ungrounded=grounding.unsupported,
            latency_ms=completion.latency_ms,
            tokens=completion.input_tokens + completion.output_tokens,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
        )

    def _asked(
        self, model: LanguageModel, variant: Variant, investigation: Investigation, experiment: str
    ) -> Completion:
        """The model's usable answer (ModelError with the tokens reported when none is)."""
        content = variant.content
        past = diverse(self.similar(investigation), content.few_shot) if content.few_shot else []
        examples = [
            Example(what_moved=p.what_moved, cause=p.cause, summary=p.summary) for p in past
        ]
        # Bedrock's requestMetadata allows letters, digits, spaces and :_@$#=/+,-. only (no `·`)
        label = f"{variant.name} v{variant.version} {variant.content_hash[:12]}"
        metadata = {"experiment": experiment, "variant": label, "org": investigation.org}
        return ModelNarrator(model, budget_tokens=self.budget_tokens).narrate(
            investigation,
            instructions=content.instructions,
            examples=examples,
            temperature=content.temperature,
            max_tokens=content.max_tokens,
            metadata=metadata,
        )


def _failed(error: Exception, input_tokens: int = 0, output_tokens: int = 0) -> Written:
    """No narrative, saying why, with the tokens an answer reported (none if it never came)."""
    return Written(
        error=str(error)[:200] or type(error).__name__,
        tokens=input_tokens + output_tokens,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def narrator(models: ModelArms) -> Callable[[Variant, Investigation], Narrative]:
    """How the offline gate has a variant narrate a case: a template's account, or the model's
    grounded narrative (none, for any reason: `ModelError`, so that run fails; none because a
    model token quota is used up: `QuotaExceededError`, so the gate stops unjudged)."""

    def narrate(variant: Variant, investigation: Investigation) -> Narrative:
        if variant.content.kind is VariantKind.TEMPLATE:
            return TemplateSummariser(variant).summarise(investigation)
        written = models.write(variant, investigation, "gate")
        if written.refused is not None:  # not the variant's failure: the gate cannot go on
            raise refusal(written.refused, investigation.team, now=models.clock.now())
        if not written.text:
            why = written.error or f"not grounded ({', '.join(written.ungrounded[:3])})"
            raise ModelError(why)
        return Narrative(text=written.text, by=variant.label)

    return narrate
