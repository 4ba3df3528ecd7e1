"""What a command handler gets besides its command: who, for which team, where and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.commands.invocation import Invocation
from shared.identity.models import Principal
from shared.replies import Reply


@dataclass(frozen=True)
class Context:
    """The resolved circumstances of one command."""

    principal: Principal
    invocation: Invocation
    team: str | None
    """The team the command acts for (from `--team` or the channel's binding), if it has one."""
    now: datetime


Handler = Callable[[Any, Context], Reply]
"""Runs one kind of command; the bus has already parsed, authorized and audited it."""
