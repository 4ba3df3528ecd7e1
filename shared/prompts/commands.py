"""Prompt variant commands (org admins change them; team admins and auditors read them), and the
feedback a report's Helpful / Wrong buttons give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from shared.commands.base import Command, OptionalTeam
from shared.commands.free_text import FreeText, LongText
from shared.identity.rbac import Permission
from shared.prompts.experiments import MOST_ARMS
from shared.prompts.models import CONTROL_NAME, Template, VariantName
from shared.prompts.prompting import MOST_EXAMPLES

InvestigationId = Annotated[str, Field(pattern=r"^inv-[0-9a-f]{6,12}$")]
FEWEST_EXAMPLES = 3
"""A model's few-shot examples: none, or 3 to MOST_EXAMPLES (fewer show it no pattern)."""


def _examples(value: int) -> int:
    """0 (none) or FEWEST_EXAMPLES to MOST_EXAMPLES; refused otherwise, saying what to use."""
    if value and not FEWEST_EXAMPLES <= value <= MOST_EXAMPLES:
        raise ValueError(
            f"'{value}' is not a valid --few-shot: use 0 (none) or {FEWEST_EXAMPLES} to "
            f"{MOST_EXAMPLES}, e.g. `--few-shot 3`"
        )
    return value


FewShot = Annotated[int, AfterValidator(_examples)]


MODEL_ONLY = {
    "temperature": "--temperature",
    "max_tokens": "--max-tokens",
    "few_shot": "--few-shot",
}
"""A model variant's settings (a template has none): refused with --template."""


class AddVariant(Command):
    may_change_nothing = True
    words = ("prompt", "variant", "add")
    positional = ("name",)
    permission = Permission.ORG_ADMIN
    target_kind = "variant"
    target_field = "name"
    mutates = True
    purpose = (
        "Add a prompt variant of the investigation's narrative (a changed one under the same "
        "name is its next version): a rule-based template, or a model's instructions."
    )
    examples = (
        "sre prompt variant add timeline --template timeline-first",
        'sre prompt variant add brief --model --instructions "Name the first cause first."',
    )
    name: VariantName
    template: Template | None = None
    model: bool = False
    instructions: LongText = ""
    """Cleaned and its secrets masked like a comment (it is shown to a model), at most 3,000
    characters as typed (a variant may hold up to LONGEST_TEXT)."""
    temperature: float = Field(default=0.2, ge=0, le=1)
    max_tokens: int = Field(default=400, ge=50, le=2_000)
    few_shot: FewShot = 3

    @model_validator(mode="before")
    @classmethod
    def _template_settings(cls, data: object) -> object:
        """A model's settings with --template are refused as such, before their values are
        checked (`--max-tokens 0` is not "too small": it is not a template's)."""
        if isinstance(data, dict) and data.get("template") is not None:
            given = [option for field, option in MODEL_ONLY.items() if field in data]
            if given:
                verb = "is" if len(given) == 1 else "are"
                raise ValueError(
                    f"{', '.join(given)} {verb} for a --model variant (a template has none)"
                )
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> AddVariant:
        if (self.template is None) == (not self.model):
            raise ValueError("give exactly one of --template cause-first|timeline-first or --model")
        if self.template is not None and self.instructions:
            raise ValueError("--instructions are for a --model variant (a template has none)")
        return self


class _Read(Command):
    """A read of the org's variants: by an org admin or auditor anywhere; by a team admin with
    `--team` naming their team."""

    permission = Permission.PROMPT_ORG_READ
    team: OptionalTeam = None

    def required(self) -> Permission:
        """The team admin's permission when a team is named, else the org-wide one."""
        return Permission.PROMPT_READ if self.team else Permission.PROMPT_ORG_READ


class ListVariants(_Read):
    words = ("prompt", "variant", "list")
    target_kind = "org"
    purpose = "List the org's prompt variants, each at its newest version."
    examples = ("sre prompt variant list", "sre prompt variant list --team payments")


class ShowVariant(_Read):
    words = ("prompt", "variant", "show")
    positional = ("name",)
    target_kind = "variant"
    target_field = "name"
    purpose = "Show a prompt variant: what it is, and every version of it."
    examples = ("sre prompt variant show timeline",)
    name: VariantName


class RetireVariant(Command):
    may_change_nothing = True
    words = ("prompt", "variant", "retire")
    positional = ("name",)
    permission = Permission.ORG_ADMIN
    target_kind = "variant"
    target_field = "name"
    mutates = True
    purpose = "Retire a prompt variant: kept in history, never chosen again."
    examples = ("sre prompt variant retire timeline",)
    name: VariantName


class GiveFeedback(Command):
    may_change_nothing = True
    words = ("investigation", "feedback")
    positional = ("id", "verdict", "comment")
    rest = "comment"
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = (
        "Say whether an investigation's narrative was helpful or wrong (once each: the report's "
        "Helpful / Wrong buttons)."
    )
    examples = (
        "sre investigation feedback inv-3f9c2a helpful",
        "sre investigation feedback inv-3f9c2a wrong the deploy was not the cause",
    )
    id: InvestigationId
    verdict: Literal["helpful", "wrong"]
    comment: FreeText = ""
    team: OptionalTeam = None


PROMPT_COMMANDS: tuple[type[Command], ...] = (AddVariant, ListVariants, ShowVariant, RetireVariant)
FEEDBACK_COMMANDS: tuple[type[Command], ...] = (GiveFeedback,)


Arms = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9-]{1,39}(,[a-z][a-z0-9-]{1,39})*$",
        description="variant names, comma separated (the control is added if not named)",
    ),
]
Share = Annotated[str, Field(pattern=r"^[0-9]{1,3}%$", description="a whole percentage, like 5%")]
LOWEST_FLOOR, HIGHEST_FLOOR = 0.01, 0.30


def floor_of(text: str) -> float:
    """`5%` as 0.05; ValueError outside 1% to 30%."""
    share = int(text.rstrip("%")) / 100
    if not LOWEST_FLOOR <= share <= HIGHEST_FLOOR:
        raise ValueError(f"--floor must be between 1% and 30% of the traffic, not {text}")
    return share


def arm_names(text: str) -> list[str]:
    """The named variants, each once, the control first (added when not named); ValueError for
    more than MOST_ARMS or none besides the control."""
    named = [n for n in dict.fromkeys(text.split(",")) if n != CONTROL_NAME]
    if len(named) + 1 > MOST_ARMS:
        raise ValueError(
            f"an experiment has at most {MOST_ARMS} variants, the control {CONTROL_NAME} "
            f"among them: name at most {MOST_ARMS - 1} others"
        )
    if not named:
        raise ValueError(f"name at least one variant besides the control {CONTROL_NAME}")
    return [CONTROL_NAME, *named]


class StartExperiment(Command):
    words = ("prompt", "experiment", "start")
    checked_before_queueing = True  # an unknown or retired variant is answered at once
    deferred = True  # runs the offline gate first: a model variant's makes up to k x cases calls
    permission = Permission.ORG_ADMIN
    target_kind = "org"  # the scope (org-wide or a team) and the id are in the details
    mutates = True
    purpose = (
        "Start a prompt experiment: the variants (the control cause-first always among them) "
        "share the org's (or a team's) narratives by Thompson sampling, each at least --floor."
    )
    examples = (
        "sre prompt experiment start --variants timeline",
        "sre prompt experiment start --variants timeline,brief --team payments --floor 10%",
    )
    variants: Arms
    team: OptionalTeam = None
    floor: Share = "5%"

    @model_validator(mode="after")
    def _shares(self) -> StartExperiment:
        """The floor and the arms, refused before the start is queued (what depends only on
        what was typed; at most 30% each, any MOST_ARMS arms can hold their floor)."""
        floor_of(self.floor)
        arm_names(self.variants)
        return self


class ExperimentStatus(_Read):
    words = ("prompt", "experiment", "status")
    target_kind = "org"  # the scope (org-wide or a team) and the id are in the details
    purpose = "Show the running prompt experiment (or the last one): each arm's share and results."
    examples = ("sre prompt experiment status", "sre prompt experiment status --team payments")


class StopExperiment(Command):
    words = ("prompt", "experiment", "stop")
    permission = Permission.ORG_ADMIN
    target_kind = "org"  # the scope (org-wide or a team) and the id are in the details
    mutates = True
    purpose = "Stop the running prompt experiment: narratives go back to the default variant."
    examples = ("sre prompt experiment stop", "sre prompt experiment stop --team payments")
    team: OptionalTeam = None


class PromoteVariant(Command):
    words = ("prompt", "experiment", "promote")
    positional = ("name",)
    permission = Permission.ORG_ADMIN
    target_kind = "variant"
    target_field = "name"
    mutates = True
    purpose = (
        "End the running prompt experiment by promoting a variant by hand: one the sequential "
        "test says is better than the control, or the control itself (otherwise refused, "
        "saying what the test says)."
    )
    examples = ("sre prompt experiment promote timeline",)
    name: VariantName
    team: OptionalTeam = None


class GateExperiment(Command):
    may_change_nothing = True  # a person's gate of an experiment whose gate is over
    words = ("prompt", "experiment", "gate")
    positional = ("experiment",)
    deferred = True  # each part runs within the worker's time budget, then follows itself
    permission = Permission.ORG_ADMIN
    target_kind = "org"  # the scope (org-wide or a team) and the id are in the details
    mutates = True
    purpose = (
        "Run the next part of a prompt experiment's offline gate (`prompt experiment start` "
        "follows itself with it until the gate is done; the status shows how far it is)."
    )
    examples = ("sre prompt experiment gate pe-1a2b3c",)
    experiment: Annotated[str, Field(pattern=r"^pe-[0-9a-f]{4,12}$")]


EXPERIMENT_COMMANDS: tuple[type[Command], ...] = (
    StartExperiment,
    ExperimentStatus,
    StopExperiment,
    PromoteVariant,
    GateExperiment,
)
