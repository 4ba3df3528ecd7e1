"""What each kind of usage costs: the providers' public list prices as defaults (each with its
source and the day it was read), over which an org admin sets the org's own."""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shared.errors import InvalidCommandError, did_you_mean
from shared.quotas.usage import UsageKind

PRICE_USAGE = (
    "sre usage price set KIND VALUE   (VALUE: US dollars per the kind's unit, a plain decimal "
    "with a point, e.g. 0.05)"
)
MAX_PRICE = Decimal(1_000_000)
"""The largest price accepted (a larger one is a typo): a million, as the refusal says."""
_PLAIN = re.compile(r"\$?([0-9]+\.?[0-9]*|\.[0-9]+)")
"""A price as a plain decimal: ASCII digits and at most one point. A comma is refused, never
guessed at: `0,05` is five cents to some and 5 to others, and `1,000` 1 or 1000."""


class Price(BaseModel):
    """A kind's price: `usd` per `per` units, and where the default comes from."""

    model_config = ConfigDict(frozen=True)

    usd: Decimal
    per: int
    unit: str
    source: str


def _calls(usd: str, source: str) -> Price:
    return Price(usd=Decimal(usd), per=1000, unit="1,000 calls", source=source)


_SET_YOUR_OWN = "no verified public price: 0 until an org admin sets one"
_OURS = "our own work, no provider charge: set one to charge teams for it"


def _tokens() -> Price:
    return Price(usd=Decimal(0), per=1_000_000, unit="million tokens", source=_SET_YOUR_OWN)


DEFAULT_PRICES: dict[UsageKind, Price] = {
    # aws.amazon.com/cloudwatch/pricing, read 2026-11-30: GetMetricData $0.01 per 1,000 metrics
    # requested, not per call (a call requests up to 500): the calls are counted free, their
    # metrics priced.
    UsageKind.CLOUDWATCH_GET_METRIC_DATA: _calls(
        "0", "billed by the metrics requested: see cloudwatch-metrics-requested"
    ),
    UsageKind.CLOUDWATCH_METRICS_REQUESTED: Price(
        usd=Decimal("0.01"),
        per=1000,
        unit="1,000 metrics",
        source="aws.amazon.com/cloudwatch/pricing (2026-11-30), GetMetricData per metric requested",
    ),
    # Azure Monitor's prices for metrics queries (API calls past a free tier) and log queries
    # (by data scanned, or included in ingestion) were not in the sources we could read.
    UsageKind.AZURE_MONITOR_METRICS_QUERIES: _calls("0", _SET_YOUR_OWN),
    UsageKind.AZURE_MONITOR_LOG_QUERIES: _calls("0", _SET_YOUR_OWN),
    # cloud.google.com/stackdriver/pricing as archived on 2023-06-05 (the newest copy of its
    # Monitoring table we could read): "Monitoring API calls: $0.01/1,000 Read API calls (Write
    # API calls are free)". A call counted here is one read call, so no conversion; the free
    # allotment is not subtracted. Google may since price reads by time series returned.
    UsageKind.CLOUD_MONITORING_TIME_SERIES_READS: _calls(
        "0.01",
        "cloud.google.com/stackdriver/pricing (2023-06-05, archived copy), per read API call; "
        "may be out of date",
    ),
    UsageKind.SAMPLE_READS: _calls("0", "the sample provider is free"),
    UsageKind.OTHER_PROVIDER_CALLS: _calls("0", _SET_YOUR_OWN),
    # Model tokens: the price depends on the configured model (Bedrock's differ by model and
    # region, a self-hosted one's are yours), and no dated price was verified: set your own.
    UsageKind.MODEL_INPUT_TOKENS: _tokens(),
    UsageKind.MODEL_OUTPUT_TOKENS: _tokens(),
    UsageKind.MODEL_TOKENS: _tokens(),
    UsageKind.INVESTIGATIONS: Price(usd=Decimal(0), per=1, unit="investigation", source=_OURS),
    UsageKind.CANARIES_STARTED: Price(usd=Decimal(0), per=1, unit="canary", source=_OURS),
    UsageKind.CHAOS_EXPERIMENTS_STARTED: Price(
        usd=Decimal(0), per=1, unit="experiment", source=_OURS
    ),
}


def price_of(kind: UsageKind, own: dict[str, Decimal]) -> Price:
    """The kind's price: the org's own when it set one, else the default."""
    default = DEFAULT_PRICES[kind]
    if kind.value in own:
        return default.model_copy(update={"usd": own[kind.value], "source": "set by the org"})
    return default


def cost(kind: UsageKind, count: int, own: dict[str, Decimal]) -> Decimal:
    """What `count` of `kind` cost, in US dollars (to the cent)."""
    return exact_cost(kind, count, own).quantize(Decimal("0.01"))


def exact_cost(kind: UsageKind, count: int, own: dict[str, Decimal]) -> Decimal:
    """What `count` of `kind` cost, in US dollars, unrounded (a total is rounded once, not
    summed from rounded lines: 4 lines of $0.004 are $0.02, not $0.00)."""
    price = price_of(kind, own)
    return price.usd * count / price.per


def known_kind(typed: str) -> UsageKind:
    """The usage kind named `typed`; InvalidCommandError listing them when there is none."""
    names = [kind.value for kind in UsageKind]
    if typed.lower() in names:
        return UsageKind(typed.lower())
    guess = did_you_mean(typed.lower(), names)
    raise InvalidCommandError(
        f"There is no usage kind `{typed}`.{guess or ' The kinds: ' + ', '.join(names) + '.'}",
        usage=PRICE_USAGE,
    )


def dollars(usd: Decimal) -> str:
    """A price as a plain decimal with grouped thousands, no exponent: `1,000`, `0.0000001`."""
    return f"{usd.normalize():,f}"


def plain(usd: Decimal) -> str:
    """A price as a plain decimal for a CSV cell (no exponent, no grouping): `1000`."""
    return f"{usd.normalize():f}"


def parsed_price(typed: str) -> Decimal:
    """A price as typed (`0.01`, `$3`): US dollars from 0 to a million as a plain decimal;
    InvalidCommandError with the usage for any other notation (a decimal comma, separators, an
    exponent, a sign, other scripts' digits), which is never read as another number."""
    if _PLAIN.fullmatch(typed) is None or Decimal(typed.removeprefix("$")) > MAX_PRICE:
        raise InvalidCommandError(
            f"`{typed}` is not a price: give US dollars per the kind's unit, from 0 to a "
            "million, as a plain decimal: the digits 0-9 and at most one decimal point, as in "
            "`0.05` or `1000` (no commas, separators, exponents or signs).",
            usage=PRICE_USAGE,
        )
    return Decimal(typed.removeprefix("$"))
