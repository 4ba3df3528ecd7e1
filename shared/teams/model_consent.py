"""The org's consent to send investigation data to the configured language model: an org admin
turns it on or off (`sre org model on|off`), audited; off until one does."""

from __future__ import annotations

from enum import StrEnum

from shared.commands.base import Command
from shared.commands.context import Context, Handlers, NothingToChange
from shared.errors import ConflictError
from shared.identity.models import Org, OrgId
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.replies import Reply, Tone

SENT = (
    "each investigation's findings, unjudged signals, events, log lines that stand out and a few "
    "of the team's past incidents, with secrets redacted first"
)
"""What a model is shown, as the reply that turns it on says."""


class Switch(StrEnum):
    """On or off."""

    ON = "on"
    OFF = "off"


class SetOrgModel(Command):
    may_change_nothing = True
    words = ("org", "model")
    positional = ("state",)
    permission = Permission.ORG_ADMIN
    target_kind = "org"
    mutates = True
    purpose = "Let investigation data be sent to the configured language model (on), or stop it."
    examples = ("sre org model on", "sre org model off")
    state: Switch


MODEL_CONSENT_COMMANDS: tuple[type[Command], ...] = (SetOrgModel,)


def model_allowed(directory: Directory, org: OrgId) -> bool:
    """Whether `org`'s admins let investigation data be sent to a language model."""
    record = directory.get_org(org)
    return record is not None and record.model_allowed


class ModelConsent:
    """Turns the org's consent on and off; `model` names the configured model (None: none)."""

    def __init__(self, *, directory: Directory, model: str | None, budget_tokens: int) -> None:
        self._directory = directory
        self._model = model
        self._budget = budget_tokens

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(SetOrgModel, self.set, unchanged=self.unchanged)

    def unchanged(self, command: SetOrgModel, ctx: Context) -> NothingToChange | None:
        """Turning on what is on, or off what is off."""
        if model_allowed(self._directory, ctx.principal.actor.org) != (command.state is Switch.ON):
            return None
        return NothingToChange(f"sending investigation data to a model is already {command.state}")

    def set(self, command: SetOrgModel, ctx: Context) -> Reply:
        """Record the org's choice and say what it means."""
        on = command.state is Switch.ON
        if on and self._model is None:
            raise ConflictError(  # the deployment's state, not a typo: not a usage error
                "No language model is configured on this deployment: set AUTOSRE_MODEL "
                "(`bedrock:<model id>`, or `openai:<model>` with AUTOSRE_MODEL_URL), then turn it "
                "on."
            )
        org_id = ctx.principal.actor.org
        org = self._directory.get_org(org_id) or Org(id=org_id)
        self._directory.save_org(org.model_copy(update={"model_allowed": on}))
        if not on:
            return Reply(
                tone=Tone.OK,
                title="Investigation data is no longer sent to a model",
                text="Reports use the rule-based narrative.",
            )
        return Reply(
            tone=Tone.OK,
            title=f"Investigation data may now be sent to {self._model}",
            text=f"It is shown {SENT}, at most {self._budget} tokens a report.",
        )
