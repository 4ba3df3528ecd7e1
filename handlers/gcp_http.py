"""Google Cloud Functions (functions-framework): the same Slack and Teams endpoints over HTTP.

Deployed from the bundle `infra/gcp/package.py` builds, whose root `main.py` imports these."""

from __future__ import annotations

import functools
import logging
from typing import Any

import flask
import functions_framework
from slack_bolt.adapter.flask import SlackRequestHandler

from bots.delivery import SurfaceNotifier
from bots.msteams.admission import MAX_ACTIVITY_BYTES
from bots.msteams.http import TeamsEndpoint
from bots.slack.admission import MAX_BODY_BYTES, refusal
from bots.slack.app import build_app
from handlers.idempotency import PowertoolsGuard, RequestDeadline
from shared.bootstrap.aws import resolve_secrets
from shared.bootstrap.gcp import for_gcp
from shared.bootstrap.local import for_local
from shared.bootstrap.wiring import Services
from shared.config import ENVIRONMENT, ConfigurationError, Settings

log = logging.getLogger("autosre.gcp")
EPHEMERAL = (
    "Auto SRE is not served here: AUTOSRE_BACKEND=local would keep the state and the audit trail "
    "in this instance's /tmp, lost whenever Cloud Functions stops or scales it, and each instance "
    f"would have its own. Set AUTOSRE_BACKEND=aws (the deployment's DynamoDB, S3 and SQS), or "
    f"{ENVIRONMENT['allow_ephemeral_state']}=true to try it anyway."
)


class NotServedError(RuntimeError):
    """The function's configuration is refused; the message says why and what to set."""


AWS_STATE = ("table_name", "audit_bucket", "audit_key", "task_queue_url")
"""What the functions need of the AWS deployment: its table, audit trail and digest key, and the
queue its worker reads."""


def configured() -> Settings:
    """The settings, unless they are refused (said in one line, never a secret) or would serve
    from a store this function loses (then refused)."""
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        raise NotServedError(f"the configuration is refused: {error}") from None
    if settings.backend == "local" and not settings.allow_ephemeral_state:
        raise NotServedError(EPHEMERAL)
    missing = [ENVIRONMENT[name] for name in AWS_STATE if not getattr(settings, name)]
    if settings.backend == "aws" and missing:
        raise NotServedError(
            f"the AWS deployment's state is not named: set {', '.join(missing)} (the stack's "
            "outputs, as in gcp-env.yaml)"
        )
    return settings


@functools.cache
def services() -> Services:
    """The backend AUTOSRE_BACKEND names: `aws` (the AWS deployment's state, run-once deliveries in
    its table) or, when explicitly allowed, `local` in this instance's /tmp."""
    settings = configured()
    if settings.backend == "aws":
        settings = resolve_secrets(settings)
        guard = PowertoolsGuard(table=settings.table_name, context=RequestDeadline)
        return for_gcp(settings, notifier=SurfaceNotifier(settings), guard=guard)
    return for_local(settings, notifier=SurfaceNotifier(settings))


@functools.cache
def slack() -> SlackRequestHandler:
    """The bolt app behind Flask, as Cloud Functions hands us a flask.Request."""
    return SlackRequestHandler(
        build_app(
            services().settings, lambda: services().bus, installs=lambda: services().org_installs()
        )
    )


@functools.cache
def teams() -> TeamsEndpoint:
    """The Teams endpoint."""
    return TeamsEndpoint(services().settings, lambda: services().bus)


def _refused(error: NotServedError) -> tuple[dict[str, str], int]:
    log.error("%s", error)
    return ({"error": str(error)}, 503)


@functions_framework.http
def slack_events(request: flask.Request) -> Any:
    """POST /slack/events: refused (401) without a signing secret to verify it with; a body too
    large (413, unread) or malformed (400) is refused before bolt reads it. A GET is bolt's (its
    OAuth install pages) in OAuth mode only, else 404."""
    try:
        settings = services().settings
        if not settings.slack_signing_secret:
            log.warning("Slack request refused: SLACK_SIGNING_SECRET is not set")
            return ("unauthorized", 401)
        if request.method != "POST":
            if not settings.slack_oauth or request.get_data():  # bolt would parse a body
                return ({"error": "not found"}, 404)
            return slack().handle(request)
        if (request.content_length or 0) > MAX_BODY_BYTES:  # refused unread
            return ({"error": "the body is too large"}, 413)
        refused = refusal(
            request.get_data(),
            timestamp=request.headers.get("X-Slack-Request-Timestamp"),
            content_type=request.headers.get("Content-Type"),
            signature=request.headers.get("X-Slack-Signature"),
        )
        if refused:
            return ({"error": refused.error}, refused.status)
        return slack().handle(request)
    except NotServedError as error:
        return _refused(error)
    except ValueError:  # bolt parses the body before anything else: it is not a Slack payload
        return ("malformed request", 400)


@functions_framework.http
def teams_messages(request: flask.Request) -> Any:
    """POST /api/messages."""
    try:
        endpoint = teams()
    except NotServedError as error:
        return _refused(error)
    if (request.content_length or 0) > MAX_ACTIVITY_BYTES:  # refused unread
        return ({"error": f"the body is over {MAX_ACTIVITY_BYTES // 1024} KiB"}, 413)
    status, answer = endpoint.process(request.get_data(), request.headers.get("Authorization", ""))
    return (answer or {}, status)
