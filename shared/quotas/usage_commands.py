"""`sre usage`, `sre usage price show` and `sre usage price set`: a month's usage and its
estimated cost, the prices it is estimated at, and an org admin setting the price of one kind."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import StringConstraints, model_validator

from shared.commands.base import Command, OptionalTeam
from shared.identity.rbac import Permission

Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
"""A month as `YYYY-MM`."""
KindName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,60}$")]
"""A usage kind as typed (checked by the handler, which lists them)."""
PriceText = Annotated[str, StringConstraints(pattern=r"^[^\s]{1,30}$")]
"""A price as typed: US dollars per the kind's unit."""


class ShowUsage(Command):
    words = ("usage", "show")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("usage",),)
    permission = Permission.TEAM_READ
    target_kind = "team"
    purpose = (
        "A month's usage and its estimated cost: a team's own, or every team's with --all (an "
        "org admin or auditor); --csv writes it as a file for chargeback."
    )
    examples = ("sre usage", "sre usage --team payments --month 2026-10", "sre usage --all --csv")
    team: OptionalTeam = None
    month: Month | None = None
    all: bool = False
    csv: bool = False

    @model_validator(mode="after")
    def _one_scope(self) -> ShowUsage:
        if self.all and self.team:
            raise ValueError("--all is every team's usage: give --all or --team TEAM, not both")
        return self

    def required(self) -> Permission:
        """Every team's usage is an org admin's or auditor's; one team's, its members'."""
        return Permission.USAGE_ORG_READ if self.all else Permission.TEAM_READ

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """Every team's usage is read from the org's trail's point of view (`org`)."""
        return "org" if self.all else super().audit_target(channel, team=team)


class SetPrice(Command):
    may_change_nothing = True
    words = ("usage", "price", "set")
    positional = ("kind", "value")
    permission = Permission.ORG_ADMIN
    target_kind = "org"
    mutates = True
    purpose = (
        "Set the org's price of one kind of usage, in US dollars per its unit, as a plain "
        "decimal with a point (0.05; no commas or exponents)."
    )
    examples = (
        "sre usage price set model-tokens 3",
        "sre usage price set cloudwatch-metrics-requested 0.01",
    )
    kind: KindName
    value: PriceText


class ShowPrices(Command):
    words = ("usage", "price", "show")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("usage", "prices"),)
    permission = Permission.ORG_MEMBER
    target_kind = "org"
    purpose = (
        "The prices `sre usage` estimates its cost at: each kind's price, unit and where it "
        "comes from (the provider's public price and its date, or who in the org set it)."
    )
    examples = ("sre usage price show",)


USAGE_COMMANDS: tuple[type[Command], ...] = (ShowUsage, ShowPrices, SetPrice)
