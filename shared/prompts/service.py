"""Prompt variants: added as versions, listed, shown and retired by an org's admins."""

from __future__ import annotations

from collections.abc import Sequence

from shared.commands.context import Context, Handlers
from shared.errors import ConflictError, InvalidCommandError, NotFoundError
from shared.identity.models import OrgId
from shared.investigations.narrative import RULE_BASED
from shared.prompts import commands as c
from shared.prompts.models import (
    CONTROL_NAME,
    MOST_VARIANTS,
    Variant,
    VariantContent,
    VariantKind,
    control,
)
from shared.prompts.ports import ExperimentStore, VariantStore
from shared.replies import Reply, Tone, counted
from shared.times import moment


def content_of(command: c.AddVariant, model: str) -> VariantContent:
    """What `prompt variant add` describes (the configured model's name for a model variant)."""
    if command.template is not None:
        return VariantContent(kind=VariantKind.TEMPLATE, template=command.template)
    return VariantContent(
        kind=VariantKind.MODEL,
        model=model,
        instructions=command.instructions,
        temperature=command.temperature,
        max_tokens=command.max_tokens,
        few_shot=command.few_shot,
    )


def described(variant: Variant) -> str:
    """`template timeline-first`, or `model bedrock:… · temperature 0.2 · 400 tokens · 3
    examples`."""
    content = variant.content
    if content.template is not None:
        return f"template {content.template.value}"
    return (
        f"model {content.model} · temperature {content.temperature:g} · "
        f"{content.max_tokens} tokens · {content.few_shot} examples"
    )


class PromptVariants:
    """The org's prompt variants over their store; model variants only where a model is
    configured (`model_name`: None refuses them); a variant in a running experiment (of
    `experiments`) is not retired."""

    def __init__(
        self, *, store: VariantStore, model_name: str | None, experiments: ExperimentStore
    ) -> None:
        self._store = store
        self._model = model_name
        self._experiments = experiments

    def handlers(self) -> Handlers:
        """The variant commands and their handlers."""
        return (
            Handlers()
            .add(c.AddVariant, self.add, unchanged=self.added_already)
            .add(c.ListVariants, self.list)
            .add(c.ShowVariant, self.show)
            .add(c.RetireVariant, self.retire, unchanged=self.retired_already)
        )

    def newest(self, org: OrgId) -> dict[str, Variant]:
        """Each variant of the org at its newest version, with the implicit control."""
        found = {CONTROL_NAME: control(org)}
        for variant in self._store.list_for(org):
            found[variant.name] = variant
        return found

    def history(self, org: OrgId, name: str) -> Sequence[Variant]:
        """Every version of `name`, oldest first; NotFoundError naming the known ones if none."""
        if name == CONTROL_NAME:
            return [control(org)]
        found = [v for v in self._store.list_for(org) if v.name == name]
        if not found:
            known = ", ".join(sorted(self.newest(org)))
            raise NotFoundError(f"There is no prompt variant `{name}`. Known: {known}.")
        return found

    def added_already(self, command: c.AddVariant, ctx: Context) -> str | None:
        """What adding a variant with the content its newest version has is told."""
        org = ctx.principal.actor.org
        newest = self.newest(org).get(command.name)
        if newest is None or newest.retired or command.name == CONTROL_NAME:
            return None
        if newest.content != content_of(command, self._model or ""):
            return None
        return f"{newest.name} v{newest.version} is that variant already ({newest.label})"

    def add(self, command: c.AddVariant, ctx: Context) -> Reply:
        """Keep the variant as a new version of its name."""
        org = ctx.principal.actor.org
        self._refuse(command, org)
        versions = [v for v in self._store.list_for(org) if v.name == command.name]
        variant = Variant(
            org=org,
            name=command.name,
            version=len(versions) + 1,
            content=content_of(command, self._model or ""),
            created_by=ctx.principal.actor.user,
            created_at=ctx.now,
        )
        try:
            self._store.add(variant)
        except ConflictError:
            raise ConflictError(
                f"{command.name} was changed by someone else meanwhile: list it and try again"
            ) from None
        return Reply(
            tone=Tone.OK, title=f"Prompt variant {variant.label} added", text=described(variant)
        )

    def _refuse(self, command: c.AddVariant, org: OrgId) -> None:
        """InvalidCommandError for what cannot be added: the control, a model variant with no
        model, one more than the org may keep."""
        if command.name == CONTROL_NAME:
            raise InvalidCommandError(
                f"`{CONTROL_NAME}` is every org's control (the rule-based narrative) and cannot be "
                "changed: add the variant under another name"
            )
        if command.name == RULE_BASED:
            raise InvalidCommandError(
                f"`{RULE_BASED}` is how a report names the narrative written when a variant "
                "failed (the fallback): add the variant under another name"
            )
        newest = self.newest(org).get(command.name)
        if newest is not None and newest.retired:
            raise ConflictError(
                f"{newest.label} was retired, and a retired variant is never chosen again: add "
                "this prompt under another name"
            )
        if command.model and not self._model:
            raise InvalidCommandError(
                "no language model is configured for this deployment, so a --model variant has "
                "nothing to run on: add a --template variant, or ask whoever deploys Auto SRE to "
                "configure a model (AUTOSRE_MODEL: `bedrock:<model id>`, or `openai:<model>` with "
                "AUTOSRE_MODEL_URL)"
            )
        if len(self._store.list_for(org)) >= MOST_VARIANTS:
            raise ConflictError(
                f"this org keeps {MOST_VARIANTS} prompt variants already, every version and "
                "retired ones counted (each is kept: the reports it narrated name it), so no more "
                "can be added: change an experiment's arms among those kept "
                "(`sre prompt variant list`)"
            )

    def list(self, command: c.ListVariants, ctx: Context) -> Reply:  # noqa: ARG002
        """Each variant at its newest version, retired ones marked."""
        found = sorted(self.newest(ctx.principal.actor.org).values(), key=lambda v: v.name)
        lines = [
            f"`{v.name}` v{v.version} · {v.content_hash[:12]} · {described(v)}"
            + (" · retired" if v.retired else "")
            + (" · control" if v.name == CONTROL_NAME else "")
            for v in found
        ]
        title = counted(len(found), "prompt variant")
        return Reply(tone=Tone.INFO, title=title, text="\n".join(lines))

    def show(self, command: c.ShowVariant, ctx: Context) -> Reply:
        """A variant: what its newest version is, and every version."""
        versions = self.history(ctx.principal.actor.org, command.name)
        newest = versions[-1]
        fields = [("Kind", described(newest)), ("Hash", newest.content_hash)]
        if newest.content.instructions:
            fields.append(("Instructions", newest.content.instructions))
        lines = [_version_line(v, ctx) for v in reversed(versions)]
        fields.append(("Versions", "\n".join(lines)))
        return Reply(tone=Tone.INFO, title=f"Prompt variant {newest.label}", fields=fields)

    def retired_already(self, command: c.RetireVariant, ctx: Context) -> str | None:
        """What retiring a retired variant is told."""
        if command.name == CONTROL_NAME:
            return None
        newest = self.newest(ctx.principal.actor.org).get(command.name)
        return f"{command.name} is retired already" if newest and newest.retired else None

    def retire(self, command: c.RetireVariant, ctx: Context) -> Reply:
        """Mark the newest version retired (kept in history); refused while it is an arm of a
        running experiment."""
        if command.name == CONTROL_NAME:
            raise InvalidCommandError(
                f"`{CONTROL_NAME}` is every org's control (the rule-based narrative, also the "
                "fallback) and cannot be retired"
            )
        org = ctx.principal.actor.org
        newest = self.history(org, command.name)[-1]
        for experiment in self._experiments.list_for(org):
            if experiment.ended_at is None and experiment.arm(command.name) is not None:
                where = f" --team {experiment.team}" if experiment.team else ""
                raise ConflictError(
                    f"{command.name} is an arm of the running prompt experiment "
                    f"{experiment.id} ({experiment.scope}): stop it first "
                    f"(`sre prompt experiment stop{where}`), then retire {command.name}"
                )
        self._store.retire(newest.model_copy(update={"retired_at": ctx.now}))
        return Reply(
            tone=Tone.OK,
            title=f"Prompt variant {newest.name} retired",
            text=f"{newest.label} stays in history and is never chosen again.",
        )


def _version_line(variant: Variant, ctx: Context) -> str:
    """`v2 · 3f9c2a1b7d0e · by @rey at 09:00 UTC`, and when it was retired."""
    line = f"v{variant.version} · {variant.content_hash[:12]}"
    if variant.created_by:
        line += f" · by @{variant.created_by} at {moment(variant.created_at, today=ctx.now)}"
    if variant.retired_at is not None:
        line += f" · retired {moment(variant.retired_at, today=ctx.now)}"
    return line
