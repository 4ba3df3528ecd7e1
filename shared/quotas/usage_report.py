"""`sre usage` and `sre usage price set`: a month's usage as counted where the quotas count,
with its cost at the org's prices; a file for chargeback through the export store."""

from __future__ import annotations

from shared.commands.context import Context, Handled, Handlers
from shared.errors import InvalidCommandError
from shared.identity.models import OrgId
from shared.ports import ExportStore, where_told
from shared.quotas import usage_commands as c
from shared.quotas.models import PriceMark
from shared.quotas.ports import Quotas, UsageLedger
from shared.quotas.prices import dollars, known_kind, parsed_price, plain, price_of
from shared.quotas.usage import UsageLine, month_of
from shared.quotas.usage_views import prices_reply, usage_csv, usage_reply
from shared.replies import Reply, Tone, counted


class UsageReport:
    """Answers `sre usage` from the monthly usage records, and keeps the org's prices."""

    def __init__(self, *, usage: UsageLedger, quotas: Quotas, exports: ExportStore) -> None:
        self._usage = usage
        self._quotas = quotas
        self._exports = exports

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.ShowUsage, self.show)
            .add(c.ShowPrices, self.prices)
            .add(c.SetPrice, self.set_price, unchanged=self.priced_already)
        )

    def lines(self, org: OrgId, month: str, team: str | None) -> list[UsageLine]:
        """The month's usage records of `team` (None: every team's)."""
        found = self._usage.month(org, month)
        return [line for line in found if team is None or line.team == team]

    def show(self, command: c.ShowUsage, ctx: Context) -> Reply:
        """The month's usage of the acting team (every team's with --all), or its CSV file."""
        org = ctx.principal.actor.org
        month = command.month or month_of(ctx.now)
        if month > month_of(ctx.now):  # `YYYY-MM` sorts as the months do
            raise InvalidCommandError(
                f"--month {month} has not begun: nothing is counted before it does (this month "
                f"is {month_of(ctx.now)})"
            )
        team = None if command.all else ctx.team
        lines = self.lines(org, month, team)
        prices = self._quotas.book(org).prices
        whose = f"team {team}" if team else "every team"
        if not command.csv:
            return usage_reply(lines, prices, month=month, whose=whose)
        # `team-<name>` or `org`: a team named `all` or `org` never shares the org-wide file's name
        scope = f"team-{team}" if team else "org"
        name = f"usage-{org.replace(':', '-')}-{scope}-{month}.csv"
        where = self._exports.publish(name, usage_csv(lines, prices), "text/csv")
        return Reply(
            tone=Tone.OK,
            title=f"Exported the usage of {whose} in {month} ({counted(len(lines), 'row')})",
            fields=[("Format", "csv"), ("Where", where_told(where, ctx.principal.actor.platform))],
            ephemeral=True,
        )

    def prices(self, _: c.ShowPrices, ctx: Context) -> Reply:
        """The org's price table, defaults and its own prices, with who set each."""
        return prices_reply(self._quotas.book(ctx.principal.actor.org), now=ctx.now)

    def priced_already(self, command: c.SetPrice, ctx: Context) -> str | None:
        """The fact that the org set the kind at that price already (`3`, `$3` and `3.00` are
        one price; a default's price set as the org's own pins it, a change); a kind or value
        that is refused is said by the set itself."""
        try:
            kind, value = known_kind(command.kind), parsed_price(command.value)
        except InvalidCommandError:
            return None
        own = self._quotas.book(ctx.principal.actor.org).prices
        if own.get(kind.value) != value:
            return None
        unit = price_of(kind, own).unit
        return f"the org set `{kind.value}` at ${dollars(value)} per {unit} already"

    def set_price(self, command: c.SetPrice, ctx: Context) -> Handled:
        """Set the org's price of one kind (a concurrent change is refused, not lost)."""
        kind = known_kind(command.kind)
        value = parsed_price(command.value)
        org = ctx.principal.actor.org
        book = self._quotas.book(org)
        mark = PriceMark(by=ctx.principal.actor.user, at=ctx.now)
        prices = {**book.prices, kind.value: value}
        marks = {**book.priced_by, kind.value: mark}
        self._quotas.save_book(book.model_copy(update={"prices": prices, "priced_by": marks}))
        unit = price_of(kind, {}).unit
        return Handled(
            Reply(tone=Tone.OK, title=f"`{kind.value}` now costs ${dollars(value)} per {unit}."),
            details={"value": plain(value)},
        )
