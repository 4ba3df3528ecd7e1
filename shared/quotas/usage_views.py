"""How `sre usage` answers: per team, each kind's count and estimated cost, and a total; the
same lines as CSV for chargeback."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from shared.quotas.prices import cost, price_of
from shared.quotas.usage import UsageKind, UsageLine
from shared.replies import Reply, Tone

CSV_COLUMNS = ("month", "team", "kind", "count", "usd_per", "unit", "estimated_usd")


def by_team(lines: list[UsageLine]) -> dict[str, list[UsageLine]]:
    """The lines grouped by team, teams in name order, kinds in the order `UsageKind` lists."""
    order = list(UsageKind)
    grouped: dict[str, list[UsageLine]] = defaultdict(list)
    for line in lines:
        grouped[line.team].append(line)
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
    total = sum((cost(line.kind, line.count, prices) for line in lines), Decimal(0))
    text = (
        f"Estimated cost ${total:,.2f} at the org's prices (`sre usage price set KIND VALUE`)."
        if fields
        else "Nothing was counted that month."
    )
    return Reply(tone=Tone.INFO, title=f"Usage of {whose} in {month}", text=text, fields=fields)


def _team_text(lines: list[UsageLine], prices: dict[str, Decimal]) -> str:
    parts = [
        f"{line.kind.value} {line.count:,} (${cost(line.kind, line.count, prices)})"
        for line in lines
    ]
    total = sum((cost(line.kind, line.count, prices) for line in lines), Decimal(0))
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
            row = (line.month, team, line.kind.value, line.count, price.usd, price.unit, estimated)
            writer.writerow(row)
    return out.getvalue().encode()
