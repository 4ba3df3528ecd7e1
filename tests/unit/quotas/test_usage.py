"""Monthly usage counted at the quotas' take points: what a take counts, what a give-back
uncounts, and what a month of it costs at the org's prices."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import FixedClock
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.adapters.memory_usage import InMemoryUsageLedger
from shared.errors import InvalidCommandError
from shared.identity.models import OrgId
from shared.quotas.models import Limit, QuotaBook
from shared.quotas.prices import cost, parsed_price
from shared.quotas.refusal import QuotaExceededError
from shared.quotas.running import first_recorded
from shared.quotas.service import QuotaService
from shared.quotas.usage import UsageKind, UsageLine, provider_kind
from shared.quotas.usage_views import usage_csv

ORG = OrgId("slack:T1")
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _service(**caps: int) -> tuple[QuotaService, InMemoryUsageLedger]:
    quotas, usage = InMemoryQuotas(), InMemoryUsageLedger()
    book = QuotaBook(org=ORG)
    for name, cap in caps.items():
        book = book.with_cap("payments", Limit(name.replace("_", "-")), cap)
    quotas.save_book(book)
    return QuotaService(quotas=quotas, usage=usage), usage


def _month(usage: InMemoryUsageLedger) -> dict[UsageKind, int]:
    return {line.kind: line.count for line in usage.month(ORG, "2026-11")}


def test_model_tokens_count_what_was_used_in_and_out_once_not_the_bound_taken() -> None:
    service, usage = _service(model_tokens_per_month=1000)
    # WHEN the investigator takes a bound of 900, the model reports 380 in and 120 out, and the
    # 400 not used go back
    service.take_model_tokens(ORG, "payments", 900, at=AT)
    service.count_model_tokens(ORG, "payments", input_tokens=380, output_tokens=120, at=AT)
    for limit in (Limit.MODEL_TOKENS_PER_DAY, Limit.MODEL_TOKENS_PER_MONTH):
        service.give_back(ORG, "payments", limit, 400, at=AT)
    # AND a second take is refused by the month's limit (on the total: 500 used of 1000)
    with pytest.raises(QuotaExceededError):
        service.take_model_tokens(ORG, "payments", 600, at=AT)
    # THEN the month's usage holds the tokens in and out as reported, once
    assert _month(usage) == {
        UsageKind.MODEL_INPUT_TOKENS: 380,
        UsageKind.MODEL_OUTPUT_TOKENS: 120,
    }


def test_tokens_in_and_out_are_priced_each_by_its_own_row_and_old_totals_by_theirs() -> None:
    prices = {"model-input-tokens": Decimal(3), "model-output-tokens": Decimal(15)}
    assert cost(UsageKind.MODEL_INPUT_TOKENS, 2_000_000, prices) == Decimal("6.00")
    assert cost(UsageKind.MODEL_OUTPUT_TOKENS, 100_000, prices) == Decimal("1.50")
    assert cost(UsageKind.MODEL_OUTPUT_TOKENS, 100_000, {}) == Decimal(0)  # no default: set yours
    # a month counted before the split keeps its one figure, priced by `model-tokens`
    assert cost(UsageKind.MODEL_TOKENS, 1_000_000, {"model-tokens": Decimal(4)}) == Decimal("4.00")


def test_a_refused_investigation_is_not_usage() -> None:
    service, usage = _service(investigations_per_day=1)
    service.require(ORG, "payments", Limit.INVESTIGATIONS_PER_DAY, at=AT)
    with pytest.raises(QuotaExceededError):
        service.require(ORG, "payments", Limit.INVESTIGATIONS_PER_DAY, at=AT)
    assert _month(usage) == {UsageKind.INVESTIGATIONS: 1}


def test_a_canary_that_ends_stays_started_but_one_never_recorded_is_not() -> None:
    service, usage = _service()
    service.require(ORG, "payments", Limit.CANARIES, at=AT)
    service.give_back(ORG, "payments", Limit.CANARIES, at=AT)  # it was promoted

    def fails(_: object) -> object:
        raise RuntimeError("the store is down")

    class Planned:
        org, team, id, version = ORG, "payments", "c-2", 0

    with pytest.raises(RuntimeError):
        first_recorded(fails, Planned(), quotas=service, limit=Limit.CANARIES, now=AT)  # type: ignore[arg-type]
    assert _month(usage) == {UsageKind.CANARIES_STARTED: 1}


def test_provider_calls_are_named_by_the_adapter_that_made_them() -> None:
    assert provider_kind(SampleMetricsSource(clock=FixedClock(AT))) is UsageKind.SAMPLE_READS
    assert provider_kind(object()) is UsageKind.OTHER_PROVIDER_CALLS


def test_cost_is_at_the_orgs_price_else_the_default() -> None:
    metrics = UsageKind.CLOUDWATCH_METRICS_REQUESTED
    assert cost(metrics, 12_000, {}) == Decimal("0.12")  # $0.01 per 1,000 metrics requested
    assert cost(metrics, 12_000, {metrics.value: Decimal("0.02")}) == Decimal("0.24")
    assert cost(UsageKind.CLOUDWATCH_GET_METRIC_DATA, 12_000, {}) == Decimal(0)  # billed by metric
    assert cost(UsageKind.MODEL_TOKENS, 2_000_000, {}) == Decimal(0)  # no default: set yours
    assert cost(UsageKind.MODEL_TOKENS, 2_500_000, {"model-tokens": Decimal(3)}) == Decimal("7.50")


@pytest.mark.parametrize("typed", ["abc", "-1", "NaN", "Infinity", "1e9", ""])
def test_a_price_that_is_not_dollars_from_0_to_a_million_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCommandError, match="is not a price"):
        parsed_price(typed)


def test_a_price_may_be_written_with_a_dollar_sign() -> None:
    assert parsed_price("$0.01") == Decimal("0.01")


@pytest.mark.parametrize(
    ("typed", "dollars"),
    [("0.05", "0.05"), ("3", "3"), (".5", "0.5"), ("2.", "2"), ("1000000", "1000000")],
)
def test_a_plain_decimal_price_is_read_as_written(typed: str, dollars: str) -> None:
    assert parsed_price(typed) == Decimal(dollars)


@pytest.mark.parametrize(
    "typed",
    # a decimal comma, thousands and other separators, exponents, signs, other scripts' digits
    [
        "0,05",
        "1,0",
        "1,000",
        "1__0",
        "1_0",
        "1e3",
        "1E-2",
        "+1",
        "1.2.3",
        "$",
        ".",
        "\u0661\u0660",
        "\u0660\u066b\u0660\u0665",
        "\uff11",
    ],
)
def test_a_price_in_any_other_notation_is_refused_saying_what_one_looks_like(typed: str) -> None:
    with pytest.raises(InvalidCommandError, match=r"a plain decimal.*`0\.05`") as refused:
        parsed_price(typed)
    assert "e.g. 0.05" in refused.value.usage


def test_the_csv_has_a_row_for_tokens_in_and_out_each_at_its_own_price() -> None:
    lines = [
        UsageLine(team="payments", month="2026-11", kind=UsageKind.MODEL_OUTPUT_TOKENS, count=20),
        UsageLine(team="payments", month="2026-11", kind=UsageKind.MODEL_INPUT_TOKENS, count=100),
    ]
    prices = {"model-input-tokens": Decimal(3), "model-output-tokens": Decimal(15)}
    rows = list(csv.DictReader(io.StringIO(usage_csv(lines, prices).decode())))
    assert [(r["kind"], r["count"], r["usd_per"], r["unit"]) for r in rows] == [
        ("model-input-tokens", "100", "3", "million tokens"),
        ("model-output-tokens", "20", "15", "million tokens"),
    ]
