"""Google Cloud Functions (functions-framework): the same Slack and Teams endpoints over HTTP."""

from __future__ import annotations

import functools
from typing import Any

import flask
import functions_framework
from slack_bolt.adapter.flask import SlackRequestHandler

from bots.delivery import SurfaceNotifier
from bots.slack.admission import MAX_BODY_BYTES, refusal
from bots.slack.app import build_app
from bots.teams.http import TeamsEndpoint
from shared.bootstrap import Services, for_aws, for_local, resolve_secrets
from shared.config import Settings


@functools.cache
def services() -> Services:
    """The backend AUTOSRE_BACKEND names: `aws` (the deployment's state) or `local`."""
    settings = Settings.from_env()
    if settings.backend == "aws":
        settings = resolve_secrets(settings)
        return for_aws(settings, notifier=SurfaceNotifier(settings))
    return for_local(settings, notifier=SurfaceNotifier(settings))


@functools.cache
def slack() -> SlackRequestHandler:
    """The bolt app behind Flask, as Cloud Functions hands us a flask.Request."""
    return SlackRequestHandler(build_app(services().settings, lambda: services().bus))


@functools.cache
def teams() -> TeamsEndpoint:
    """The Teams endpoint."""
    return TeamsEndpoint(services().settings, lambda: services().bus)


@functions_framework.http
def slack_events(request: flask.Request) -> Any:
    """POST /slack/events."""
    if (request.content_length or 0) > MAX_BODY_BYTES:  # refused unread
        return ({"error": "the body is too large"}, 413)
    refused = refusal(
        request.get_data(),
        timestamp=request.headers.get("X-Slack-Request-Timestamp"),
        content_type=request.headers.get("Content-Type"),
    )
    if refused:
        return ({"error": refused.error}, refused.status)
    try:
        return slack().handle(request)
    except ValueError:  # bolt parses the body before anything else: it is not a Slack payload
        return ("malformed request", 400)


@functions_framework.http
def teams_messages(request: flask.Request) -> Any:
    """POST /api/messages."""
    status, answer = teams().process(request.get_data(), request.headers.get("Authorization", ""))
    return (answer or {}, status)
