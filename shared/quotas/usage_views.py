"""How `sre usage` answers: per team, each kind's count and estimated cost, and a total; the
same lines as CSV for chargeback; and the price table those costs are estimated at."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from shared.quotas.models import QuotaBook, spender
from shared.quotas.prices import cost, dollars, exact_cost, plain, price_of
from shared.quotas.usage import UsageKind, UsageLine
from shared.replies import Reply, Tone, user_ref
from shared.times import moment

CSV_COLUMNS = ("month", "team", "kind", "count", "usd_per", "unit", "estimated_usd")


def by_team(lines: list[UsageLine]) -> dict[str, list[UsageLine]]:
    """The lines grouped by team, teams in name order, kinds in the order `UsageKind` lists."""
    order = list(UsageKind)
    grouped: dict[str, list[UsageLine]] = defaultdict(list)
    for line in lines:
        grouped[spender(line.team)].append(line)
    return {
        team: sorted(grouped[team], key=lambda line: order.index(line.kind))
        for team in sorted(grouped)
    }


def usage_reply(
    lines: list[UsageLine], prices: dict[str, Decimal], *, month: str, whose: str
) -> Reply:
    """The month's usage of `whose` (`team payments`, `every team`), a field per team."""
    teams = by_team([line for line in lines if line.count])
    fields = [(team, _team_text(own, prices)) for team, own in teams.items()]
    total = sum((exact_cost(line.kind, line.count, prices) for line in lines), Decimal(0))
    text = (
        f"Estimated cost ${total:,.2f} at the org's prices (`sre usage price set KIND VALUE`)."
        if fields
        else "Nothing was counted that month."
    )
    return Reply(tone=Tone.INFO, title=f"Usage of {whose} in {month}", text=text, fields=fields)


def _team_text(lines: list[UsageLine], prices: dict[str, Decimal]) -> str:
    parts = [
        f"{line.kind.value} {line.count:,} (${cost(line.kind, line.count, prices):,.2f})"
        for line in lines
    ]
    total = sum((exact_cost(line.kind, line.count, prices) for line in lines), Decimal(0))
    return "; ".join(parts) + f"; total ${total:,.2f}"


def usage_csv(lines: list[UsageLine], prices: dict[str, Decimal]) -> bytes:
    """The lines as CSV, one row per team and kind, with the price used and the cost."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for team, own in by_team(lines).items():
        for line in own:
            price = price_of(line.kind, prices)
            estimated = cost(line.kind, line.count, prices)
            usd = plain(price.usd)
            row = (line.month, team, line.kind.value, line.count, usd, price.unit, estimated)
            writer.writerow(row)
    return out.getvalue().encode()


def prices_reply(book: QuotaBook, *, now: datetime) -> Reply:
    """The org's price table: per kind, its price and unit and where it comes from (a default's
    source and date, or who in the org set it and when)."""
    fields = []
    for kind in UsageKind:
        price = price_of(kind, book.prices)
        mark = book.priced_by.get(kind.value) if kind.value in book.prices else None
        source = f"set by @{mark.by} {moment(mark.at, today=now)}" if mark else price.source
        fields.append((kind.value, f"${dollars(price.usd)} per {price.unit} ({source})"))
    setters = sorted({book.priced_by[k].by for k in book.prices if k in book.priced_by})
    return Reply(
        tone=Tone.INFO,
        title="Usage prices of the org",
        text="An org admin sets one: `sre usage price set KIND VALUE` (US dollars per its unit).",
        fields=fields,
        refs=tuple(user_ref(user) for user in setters),
    )
