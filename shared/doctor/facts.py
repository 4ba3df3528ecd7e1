"""What the doctor reports besides its checks: how each surface and the model are configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.config import Settings
from shared.identity.admins import configured_by, read_admins
from shared.identity.models import Actor, Platform
from shared.replies import counted

if TYPE_CHECKING:
    from shared.prompts.language import LanguageModel


def slack_fact(settings: Settings) -> str:
    """Whether Slack is served, and how it is installed, for the doctor's report. The signing
    secret decides, as it does for `sre serve` and the functions: without it no request can be
    verified, so none is served, whatever token is set. OAuth wins when both are configured."""
    if not settings.slack_signing_secret:
        return "off: SLACK_SIGNING_SECRET is not set, so no Slack request can be verified"
    if settings.slack_oauth:
        also = ", SLACK_BOT_TOKEN ignored" if settings.slack_bot_token else ""
        return f"OAuth: one install per workspace (SLACK_CLIENT_ID){also}"
    if settings.slack_bot_token:
        return "one workspace (SLACK_BOT_TOKEN)"
    return (
        "served without SLACK_BOT_TOKEN: answers go only to each command's response_url, and "
        "nothing can post to a channel (set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET)"
    )


def model_fact(model: LanguageModel | None) -> str:
    """Whether a language model is configured, for the doctor's report."""
    if model is None:
        return "off: the rule-based narrative (set AUTOSRE_MODEL to use a model)"
    return f"{model.name}, for the orgs whose admin turned it on (`sre org model on`)"


def teams_tenants_fact(settings: Settings, actor: Actor) -> str:
    """The Teams tenants this deployment serves, for the doctor's report: all of them for the
    terminal (the deployment's operator); to a chat org, only whether its own tenant is served
    and how many are (another org's tenant id is not its business). Teams on with no tenant
    served is a ✗: every message is refused."""
    if not settings.teams_app_id:
        return "off: TEAMS_APP_ID is not set"
    tenants = sorted(settings.teams_tenants)
    if not tenants:
        return (
            "✗ none: every tenant is refused (set TEAMS_APP_TENANT_ID, your bot's tenant, or "
            "TEAMS_ALLOWED_TENANTS; on AWS the parameters teamsAppTenantId or teamsAllowedTenants)"
        )
    named = "TEAMS_ALLOWED_TENANTS" if settings.teams_allowed_tenants else "TEAMS_APP_TENANT_ID"
    if actor.platform is Platform.LOCAL:
        return f"{', '.join(tenants)} ({named}); others are refused"
    yours = actor.org.partition(":")[2] if actor.platform is Platform.TEAMS else ""
    served = f"yours ({yours}) among " if yours in tenants else ""
    return f"{served}{counted(len(tenants), 'tenant')} ({named}); others are refused"


def org_admins_fact(settings: Settings, actor: Actor) -> str:
    """The configured org admins of the asker's org; for the terminal (the deployment's
    operator), also the entries of AUTOSRE_ORG_ADMINS that grant nothing (a ✗: whoever they
    meant is not admin) or are written in the old form. A chat org is told how many admins it
    has, nothing of the other entries (other orgs' ids and the deployment's mistakes are not its
    business, and its admins cannot fix them)."""
    admins, problems = read_admins(settings.org_admins)
    ours = sorted(admin.user for admin in admins if admin.org == actor.org)
    if actor.platform is not Platform.LOCAL:
        return f"{counted(len(ours), 'admin') if ours else 'none'}, from {configured_by(actor.org)}"
    said = f"{', '.join(f'@{user}' for user in ours) or 'none'}, from {configured_by(actor.org)}"
    if not problems:
        return said
    listed = "; ".join(problems)
    wrong = any("grants nothing" in p for p in problems)
    return f"✗ {listed}. {said}" if wrong else f"{said}; {listed}"
