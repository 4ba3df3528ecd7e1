"""What every AWS handler shares: settings read once, services built at first use, and the
invocation in progress (its context reaches the run-once guard through the handler's call)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bots.delivery import SurfaceNotifier
from handlers.idempotency import PowertoolsGuard
from shared.bootstrap.aws import for_aws, resolve_secrets
from shared.bootstrap.wiring import Services
from shared.config import Settings

R = TypeVar("R")
_INVOCATION: dict[str, Any] = {}
"""The context of the invocation this container runs (Lambda runs one at a time)."""
_ENTRY_POINTS: list[Callable[..., Any]] = []
"""Every function `lambda_handler` wrapped (checked against serverless.yml by the tests)."""


def lambda_handler(handler: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """A Lambda entry point: its invocation's context reaches the run-once guard for the
    duration of the call (Powertools locks a running delivery for the time the invocation has
    left, so a retry after a timeout is not refused for an hour)."""

    @functools.wraps(handler)
    def invoked(event: Any, context: Any) -> R:
        _INVOCATION["context"] = context
        try:
            return handler(event, context)
        finally:
            _INVOCATION.pop("context", None)

    _ENTRY_POINTS.append(invoked)
    return invoked


def binds_lambda_context(function: Callable[..., Any]) -> bool:
    """Whether `function`, or one it decorates, is wrapped by `lambda_handler`."""
    current: Callable[..., Any] | None = function
    while current is not None:
        if any(current is wrapped for wrapped in _ENTRY_POINTS):
            return True
        current = getattr(current, "__wrapped__", None)
    return False


def lambda_context() -> Any:
    """The context of the invocation in progress; outside one (a handler not wrapped by
    `lambda_handler`), an error, so a forgotten wrapper fails in the handler's tests."""
    try:
        return _INVOCATION["context"]
    except KeyError:
        raise RuntimeError(
            "the run-once guard was used outside a Lambda invocation: wrap the handler with "
            "@aws_runtime.lambda_handler"
        ) from None


SECRET_RETRY_SECONDS = 60.0
"""How long a container keeps a Slack signing secret that resolved to nothing before it reads the
reference again: a secret stored after the deploy is found within a minute, and a flood of
refused requests reads SSM once a minute, not once a request."""


class ResolvedSettings:
    """The environment, with SSM and Secrets Manager references resolved once per container; in
    the Slack function, again at most once a minute while the Slack signing secret a reference
    names is missing (it may be stored after the deploy, and without it every Slack request is
    refused). The other functions read it once: the worker's `sre doctor` only reports it, and
    on a deployment without Slack it is missing for good."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.serves_slack = False
        """Set by the Slack function (`handlers.aws_slack`), the one that looks again."""
        self._resolved: Settings | None = None
        self._read_at = 0.0
        self._missing = False

    def __call__(self) -> Settings:
        """The settings; read again if the signing secret was missing a minute ago or more."""
        due = self._missing and self.clock() - self._read_at >= SECRET_RETRY_SECONDS
        if self._resolved is None or due:
            self._read_at = self.clock()
            environment = Settings.from_env()
            resolved = resolve_secrets(environment)
            referred = environment.slack_signing_secret.startswith(("ssm:", "secretsmanager:"))
            self._missing = self.serves_slack and referred and not resolved.slack_signing_secret
            if self._resolved is not None and resolved != self._resolved:
                services.cache_clear()  # built from the settings before: build them again
                guard.cache_clear()
            self._resolved = resolved
        return self._resolved

    def cache_clear(self) -> None:
        """Forget the settings: the next call reads the environment (tests, a new invocation)."""
        self._resolved = None
        self._missing = False


settings = ResolvedSettings()


@functools.cache
def guard() -> PowertoolsGuard:
    """Run-once for retried deliveries, in the app table."""
    return PowertoolsGuard(table=settings().table_name, context=lambda_context)


@functools.cache
def services() -> Services:
    """The AWS services; their clients are made when first used."""
    return for_aws(settings(), notifier=SurfaceNotifier(settings()), guard=guard())
