"""How long the chaos guard's AWS calls wait (FIS, CloudWatch alarms, Lambda): bounded, so one
call that hangs holds an org's part of a tick for seconds, not botocore's minutes (60 s to
connect, 60 s to read, each retried), and the experiments after it are halted in that tick."""

from __future__ import annotations

from botocore.config import Config

GUARD_CALLS = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "total_max_attempts": 2},
)
"""At most about 14 s a call (two attempts of 2 s to connect and 5 s to read), within the
tick's 20 s bound for one org (`AUTOSRE_TICK_ORG_SECONDS`)."""
