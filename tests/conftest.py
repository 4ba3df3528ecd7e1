"""Shared fixtures. moto is imported and fake AWS credentials set before any client is made."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "AutoSRE",
        "POWERTOOLS_SERVICE_NAME": "autosre",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)

import moto  # noqa: F401  (clients made after this import are mockable)
import pytest
from hypothesis import settings

from shared.adapters.memory import FixedClock
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from tests.support import NOW

# CI's gate draws the same examples every run (`.ci/run` sets HYPOTHESIS_PROFILE=ci): a change
# lands or not on its own merits, never on one unlucky draw; a developer's `make test` draws new
# ones each run, and what they find becomes a test of its own
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def services(clock: FixedClock) -> Services:
    """In-memory services where user `root` of Slack workspace `T1` is the configured org admin."""
    return for_memory(Settings(org_admins=("slack:T1:root",)), clock=clock)
