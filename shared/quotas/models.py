"""Quotas: the limits an org sets (defaults for its teams, overrides per team), their windows,
and what taking units from one answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.identity.models import OrgId


class Window(StrEnum):
    """How long a limit's count lasts: a day, an hour or a month (UTC), or while the things
    counted run or exist (`running`: never reset, units are given back)."""

    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    RUNNING = "running"

    def key(self, at: datetime) -> str:
        """The window `at` falls in, as a counter's key: `2026-11-30T15`, `2026-11-30`,
        `2026-11`, `now`."""
        at = at.astimezone(UTC)
        formats = {Window.HOUR: "%Y-%m-%dT%H", Window.DAY: "%Y-%m-%d", Window.MONTH: "%Y-%m"}
        return at.strftime(formats[self]) if self in formats else "now"

    def resets(self, at: datetime) -> datetime | None:
        """When the window `at` falls in ends (None: a running count never resets)."""
        at = at.astimezone(UTC)
        if self is Window.HOUR:
            return at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if self is Window.DAY:
            return at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        if self is Window.MONTH:
            first = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            return (first + timedelta(days=32)).replace(day=1)
        return None


class Limit(StrEnum):
    """What an org can limit, as `sre quota set` names it."""

    INVESTIGATIONS_PER_DAY = "investigations-per-day"
    PROVIDER_CALLS_PER_HOUR = "provider-calls-per-hour"
    MODEL_TOKENS_PER_DAY = "model-tokens-per-day"
    MODEL_TOKENS_PER_MONTH = "model-tokens-per-month"
    CANARIES = "canaries"
    CHAOS_EXPERIMENTS = "chaos-experiments"
    ALERT_POLICIES = "alert-policies"

    @property
    def window(self) -> Window:
        """The window its count lasts."""
        return _WINDOWS.get(self, Window.RUNNING)

    @property
    def unit(self) -> str:
        """What it counts, in words (`investigations`, `running canaries`)."""
        return _UNITS[self]


_WINDOWS = {
    Limit.INVESTIGATIONS_PER_DAY: Window.DAY,
    Limit.PROVIDER_CALLS_PER_HOUR: Window.HOUR,
    Limit.MODEL_TOKENS_PER_DAY: Window.DAY,
    Limit.MODEL_TOKENS_PER_MONTH: Window.MONTH,
}
_UNITS = {
    Limit.INVESTIGATIONS_PER_DAY: "investigations today",
    Limit.PROVIDER_CALLS_PER_HOUR: "provider calls this hour",
    Limit.MODEL_TOKENS_PER_DAY: "model tokens today",
    Limit.MODEL_TOKENS_PER_MONTH: "model tokens this month",
    Limit.CANARIES: "running canaries",
    Limit.CHAOS_EXPERIMENTS: "running chaos experiments",
    Limit.ALERT_POLICIES: "alert policies",
}

ORG_WIDE = "(org-wide)"
"""How the spend of no one team is named (team ""): an org-wide prompt experiment's gate, whose
model tokens count against the org's default quotas."""


def spender(team: str) -> str:
    """How usage and quota answers name `team`'s spend: the team, or the org's own."""
    return team or ORG_WIDE


Cap = int | None
"""A limit's value: at most this many (None: unlimited, written `unlimited`)."""

MAX_CAP = 1_000_000_000
"""The largest value `sre quota set` accepts (a larger one is a typo; `unlimited` says it)."""

DEFAULTS: dict[Limit, Cap] = {
    Limit.INVESTIGATIONS_PER_DAY: 200,
    Limit.PROVIDER_CALLS_PER_HOUR: 20_000,
    Limit.MODEL_TOKENS_PER_DAY: 2_000_000,
    Limit.MODEL_TOKENS_PER_MONTH: 40_000_000,
    Limit.CANARIES: 10,
    Limit.CHAOS_EXPERIMENTS: 5,
    Limit.ALERT_POLICIES: 200,
}
"""The limits of an org that set none: generous, so a team notices them only when runaway."""


class PriceMark(BaseModel):
    """Who set one of the org's own prices, and when."""

    model_config = ConfigDict(frozen=True)

    by: str
    at: datetime


class QuotaBook(BaseModel):
    """An org's limits: its defaults (over `DEFAULTS`) and each team's overrides."""

    model_config = ConfigDict(frozen=True)

    org: OrgId
    defaults: dict[Limit, Cap] = Field(default_factory=dict)
    teams: dict[str, dict[Limit, Cap]] = Field(default_factory=dict)
    prices: dict[str, Decimal] = Field(default_factory=dict)
    """The org's own prices for `sre usage`, by usage kind (over the defaults of `prices.py`)."""
    priced_by: dict[str, PriceMark] = Field(default_factory=dict)
    """Who set each of the org's own prices and when, by usage kind."""
    version: int = 0

    def cap(self, team: str, limit: Limit) -> Cap:
        """The team's limit: its override, else the org's default, else the built-in one."""
        own = self.teams.get(team, {})
        if limit in own:
            return own[limit]
        return self.defaults[limit] if limit in self.defaults else DEFAULTS[limit]

    def source(self, team: str, limit: Limit) -> str:
        """Where the team's limit comes from: `team`, `org` or `default`."""
        if limit in self.teams.get(team, {}):
            return "team"
        return "org" if limit in self.defaults else "default"

    def without_cap(self, team: str | None, limit: Limit) -> QuotaBook:
        """The book with `team`'s own `limit` removed, so it follows the org's default (None:
        the org's default removed, so every team without its own follows the built-in one)."""
        if team is None:
            return self.model_copy(
                update={"defaults": {k: v for k, v in self.defaults.items() if k is not limit}}
            )
        own = {k: v for k, v in self.teams.get(team, {}).items() if k is not limit}
        return self.model_copy(update={"teams": {**self.teams, team: own}})

    def with_cap(self, team: str | None, limit: Limit, cap: Cap) -> QuotaBook:
        """The book with `limit` set to `cap` for `team` (None: the org's default)."""
        if team is None:
            return self.model_copy(update={"defaults": {**self.defaults, limit: cap}})
        teams = {**self.teams, team: {**self.teams.get(team, {}), limit: cap}}
        return self.model_copy(update={"teams": teams})


class Taken(BaseModel):
    """Units taken: how many are now used of the cap."""

    model_config = ConfigDict(frozen=True)

    limit: Limit
    used: int
    cap: Cap


class Refused(BaseModel):
    """Units refused: the cap would be passed; how many are used and when the window resets."""

    model_config = ConfigDict(frozen=True)

    limit: Limit
    used: int
    cap: int
    resets: datetime | None


def counted(limit: Limit, used: int, cap: Cap, *, taken: bool, at: datetime) -> Taken | Refused:
    """What a take answers: Taken with the count after it, or Refused with the count as it is."""
    if taken or cap is None:
        return Taken(limit=limit, used=used, cap=cap)
    return Refused(limit=limit, used=used, cap=cap, resets=limit.window.resets(at))


def room(cap: Cap, amount: int) -> int | None:
    """The largest count a take of `amount` may start from (None: any; negative: none)."""
    return None if cap is None else cap - amount
