"""Quotas: each team's limits (its override, else the org's default, else the built-in one),
taken before the work they limit, shown and set by `sre quota`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from shared.commands.context import Context, Handled, Handlers
from shared.identity.models import OrgId
from shared.quotas import commands as c
from shared.quotas.metering import ProviderMeter
from shared.quotas.models import Limit, Refused, Taken
from shared.quotas.ports import Quotas, UsageLedger
from shared.quotas.refusal import QuotaExceededError, refusal
from shared.quotas.usage import UsageKind, started_by
from shared.quotas.views import (
    DEFAULT,
    back_to_default,
    limits_reply,
    parsed_cap,
    said,
    unchanged_said,
)
from shared.telemetry.ports import LogSource, MetricsSource

log = logging.getLogger("autosre.quotas")


class QuotaService:
    """Takes units of a team's quotas and answers `sre quota show|set`."""

    def __init__(self, *, quotas: Quotas, usage: UsageLedger) -> None:
        self._quotas = quotas
        self._usage = usage
        self.meter = ProviderMeter(quotas=quotas, usage=usage)
        """Counts provider calls to the teams that made them (the alert scheduler's too)."""

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.ShowQuotas, self.show)
            .add(c.SetQuota, self.set, unchanged=self.set_unchanged)
        )

    def take(
        self, org: OrgId, team: str, limit: Limit, amount: int = 1, *, at: datetime
    ) -> Taken | Refused:
        """Take `amount` units of the team's `limit` if it stays within it (atomic)."""
        cap = self._quotas.book(org).cap(team, limit)
        taken = self._quotas.take(org, team, limit, amount, at=at, cap=cap)
        if isinstance(taken, Taken):
            self._count(org, team, limit, amount, at=at)
        return taken

    def require(
        self, org: OrgId, team: str, limit: Limit, amount: int = 1, *, at: datetime
    ) -> Taken:
        """Take the units or raise the refusal that says what was used, when it resets and
        who can raise it (QuotaExceededError)."""
        taken = self.take(org, team, limit, amount, at=at)
        if isinstance(taken, Refused):
            raise refusal(taken, team, now=at)
        return taken

    def take_model_tokens(self, org: OrgId, team: str, tokens: int, *, at: datetime) -> Taken:
        """Count `tokens` model tokens against the day's and the month's limits, both or
        neither (QuotaExceededError naming the one reached): for the AI investigator."""
        day = self.require(org, team, Limit.MODEL_TOKENS_PER_DAY, tokens, at=at)
        try:
            self.require(org, team, Limit.MODEL_TOKENS_PER_MONTH, tokens, at=at)
        except QuotaExceededError:
            self.give_back(org, team, Limit.MODEL_TOKENS_PER_DAY, tokens, at=at, unused=True)
            raise
        return day

    def count_model_tokens(
        self, org: OrgId, team: str, *, input_tokens: int, output_tokens: int, at: datetime
    ) -> None:
        """Add the tokens a model answer reported, in and out, to the month's usage (each
        priced by its own row; the quotas count their total through `take_model_tokens`)."""
        for kind, amount in (
            (UsageKind.MODEL_INPUT_TOKENS, input_tokens),
            (UsageKind.MODEL_OUTPUT_TOKENS, output_tokens),
        ):
            self._add(org, team, kind, amount, at=at)

    def metered(
        self,
        source: MetricsSource,
        logs: LogSource | None,
        org: OrgId,
        team: str,
        *,
        at: datetime,
        starting: Limit | None = None,
    ) -> tuple[MetricsSource, LogSource | None]:
        """The team's sources for one piece of work, their calls counted to it. Before any call
        the work reserves one call of the team's hour within its limit (atomic: racing pieces of
        work never pass it together), else QuotaExceededError; its first read trues that up to
        the calls it made (counted even past the limit: a read under way is never cut).
        `starting`: a unit of another limit the work takes too (both or neither)."""
        self._reserve_call(org, team, at=at)
        if starting is not None:
            try:
                self.require(org, team, starting, at=at)
            except Exception:  # refused, or its store failed: the work never starts
                self.meter.release(org, team, at=at)
                raise
        bill = self.meter.bill({(org, team): 1}, at=at, reserved=(org, team))
        return bill.metrics(source), bill.logs(logs) if logs is not None else None

    @contextmanager
    def call_held(self, org: OrgId, team: str, *, at: datetime) -> Iterator[None]:
        """One call of the team's hour held while a person's read on demand runs (`sre alert
        test`, whose sources the meter counts as they read): refused before any call when none
        is left, as an investigation is (QuotaExceededError; atomic, so racing reads pass only
        as many as the calls left), and given back once the read is done, so the hour counts
        the calls the read made."""
        self._reserve_call(org, team, at=at)
        try:
            yield
        finally:
            self.meter.release(org, team, at=at)

    def _reserve_call(self, org: OrgId, team: str, *, at: datetime) -> None:
        """One call of the team's hour taken within its limit, else QuotaExceededError."""
        cap = self._quotas.book(org).cap(team, Limit.PROVIDER_CALLS_PER_HOUR)
        reserved = self.meter.reserve(org, team, at=at, cap=cap)
        if isinstance(reserved, Refused):
            raise refusal(reserved, team, now=at)

    def spent(
        self, org: OrgId, team: str, limit: Limit, *, at: datetime
    ) -> QuotaExceededError | None:
        """The refusal a take of one unit would meet now (nothing taken), or None while the
        team has units left: for checks made before the work that takes them."""
        cap = self._quotas.book(org).cap(team, limit)
        used = self._quotas.used(org, team, limit, at=at)
        if cap is None or used < cap:
            return None
        refused = Refused(limit=limit, used=used, cap=cap, resets=limit.window.resets(at))
        return refusal(refused, team, now=at)

    def said_once(
        self, refused: QuotaExceededError, org: OrgId, team: str, *, at: datetime
    ) -> None:
        """Mark `refused` (of scheduled work) already told, so its answer is not posted again,
        if the team was told this limit is spent earlier in the same window."""
        limit = refused.refused.limit
        refused.already_told = not self._quotas.tell_once(org, team, limit, at=at)

    def give_back(
        self,
        org: OrgId,
        team: str,
        limit: Limit,
        amount: int = 1,
        *,
        at: datetime,
        unused: bool = False,
    ) -> None:
        """Return units of a running limit (a canary ended); `unused`: units the work never used
        (a record that failed), which its month's usage no longer counts."""
        self._quotas.give_back(org, team, limit, amount, at=at)
        if unused:
            self._count(org, team, limit, -amount, at=at)

    def _count(self, org: OrgId, team: str, limit: Limit, amount: int, *, at: datetime) -> None:
        """Add `amount` to the month's usage the limit counts (never fails the work)."""
        kind = started_by(limit)
        if kind is not None:
            self._add(org, team, kind, amount, at=at)

    def _add(self, org: OrgId, team: str, kind: UsageKind, amount: int, *, at: datetime) -> None:
        """Add `amount` of `kind` to the month's usage (never fails the work)."""
        if not amount:
            return
        try:
            self._usage.add(org, team, kind, amount, at=at)
        except Exception:  # the work is done or refused on the quota: usage must not change it
            log.exception("could not count %d %s of %s/%s", amount, kind, org, team)

    def show(self, _: c.ShowQuotas, ctx: Context) -> Handled:
        """The acting team's limits, where each comes from, and what is used of each now."""
        org, team = ctx.principal.actor.org, ctx.team or ""
        book = self._quotas.book(org)
        used = {limit: self._quotas.used(org, team, limit, at=ctx.now) for limit in Limit}
        return Handled(limits_reply(book, team, used, now=ctx.now))

    def set_unchanged(self, command: c.SetQuota, ctx: Context) -> str | None:
        """A set that would leave the book as it is: said, neither run nor audited."""
        limit = c.known_limit(command.limit)
        book = self._quotas.book(ctx.principal.actor.org)
        return unchanged_said(book, limit, command.value, command.team)

    def set(self, command: c.SetQuota, ctx: Context) -> Handled:
        """Set one limit for a team (or the org's default for every team without its own)."""
        limit = c.known_limit(command.limit)
        org = ctx.principal.actor.org
        if command.value.lower() == DEFAULT:
            book = self._quotas.book(org)
            book = self._quotas.save_book(book.without_cap(command.team, limit))
            return Handled(back_to_default(book, limit, command.team), details={"value": DEFAULT})
        cap = parsed_cap(command.value)
        book = self._quotas.book(org)  # a concurrent set is refused (ConflictError), not lost
        self._quotas.save_book(book.with_cap(command.team, limit, cap))
        return Handled(said(limit, cap, command.team), details={"value": command.value})
