"""What every AWS handler shares: settings read once, services built at first use."""

from __future__ import annotations

import functools

from bots.delivery import SurfaceNotifier
from handlers.idempotency import PowertoolsGuard
from shared.bootstrap.aws import for_aws, resolve_secrets
from shared.bootstrap.wiring import Services
from shared.config import Settings


@functools.cache
def settings() -> Settings:
    """The environment, with SSM and Secrets Manager references resolved (once per container)."""
    return resolve_secrets(Settings.from_env())


@functools.cache
def guard() -> PowertoolsGuard:
    """Run-once for retried deliveries, in the app table."""
    return PowertoolsGuard(table=settings().table_name)


@functools.cache
def services() -> Services:
    """The AWS services; their clients are made when first used."""
    return for_aws(settings(), notifier=SurfaceNotifier(settings()), guard=guard())
