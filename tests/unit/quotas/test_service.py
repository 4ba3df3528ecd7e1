"""The quota service: model tokens taken per day and month together, limits resolved, windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from shared.adapters.memory_quotas import InMemoryQuotas
from shared.adapters.memory_usage import InMemoryUsageLedger
from shared.identity.models import OrgId
from shared.quotas.models import Limit, QuotaBook, Window
from shared.quotas.refusal import QuotaExceededError
from shared.quotas.service import QuotaService
from shared.telemetry import provider_calls
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.ports import Points

ORG = OrgId("slack:T1")
AT = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
HOURLY = Limit.PROVIDER_CALLS_PER_HOUR


def _service(**caps: int) -> tuple[QuotaService, InMemoryQuotas]:
    quotas = InMemoryQuotas()
    book = QuotaBook(org=ORG)
    for name, cap in caps.items():
        book = book.with_cap("payments", Limit(name.replace("_", "-")), cap)
    quotas.save_book(book)
    return QuotaService(quotas=quotas, usage=InMemoryUsageLedger()), quotas


def test_model_tokens_are_counted_per_day_and_month_both_or_neither() -> None:
    service, quotas = _service(model_tokens_per_day=1000, model_tokens_per_month=1500)
    service.take_model_tokens(ORG, "payments", 900, at=AT)
    with pytest.raises(QuotaExceededError) as day:
        service.take_model_tokens(ORG, "payments", 200, at=AT)
    assert "used 900 of its 1,000 model tokens today" in str(day.value)
    tomorrow = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    service.take_model_tokens(ORG, "payments", 900, at=tomorrow)  # a new month too
    quotas.take(ORG, "payments", Limit.MODEL_TOKENS_PER_MONTH, 500, at=AT, cap=None)
    with pytest.raises(QuotaExceededError) as month:
        service.take_model_tokens(ORG, "payments", 200, at=AT.replace(day=30))
    assert "model tokens this month" in str(month.value)
    assert "it resets at Fri 1 Jan 2027 00:00 UTC" in str(month.value)
    # the day's units of a take the month refused are given back
    assert quotas.used(ORG, "payments", Limit.MODEL_TOKENS_PER_DAY, at=AT.replace(day=30)) == 0


def test_a_team_without_its_own_limit_has_the_orgs_then_the_built_in_one() -> None:
    book = (
        QuotaBook(org=ORG).with_cap(None, Limit.CANARIES, 4).with_cap("payments", Limit.CANARIES, 1)
    )
    assert book.cap("payments", Limit.CANARIES) == 1
    assert book.cap("search", Limit.CANARIES) == 4
    assert book.cap("search", Limit.CHAOS_EXPERIMENTS) == 5


@pytest.mark.parametrize(
    ("window", "key", "resets"),
    [
        (Window.HOUR, "2026-12-31T23", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.DAY, "2026-12-31", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.MONTH, "2026-12", datetime(2027, 1, 1, tzinfo=UTC)),
        (Window.RUNNING, "now", None),
    ],
)
def test_each_window_ends_at_the_next_utc_hour_day_or_month(
    window: Window, key: str, resets: datetime | None
) -> None:
    assert window.key(AT) == key
    assert window.resets(AT) == resets


class _Provider:
    """A provider adapter that says each call it makes (`per_read` calls a read) and notes, as
    each read begins, what payments' hour counter holds."""

    def __init__(self, quotas: InMemoryQuotas, per_read: int) -> None:
        self._quotas = quotas
        self.per_read = per_read
        self.calls = 0
        self.counter_at_reads: list[int] = []

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.counter_at_reads.append(self._quotas.used(ORG, "payments", HOURLY, at=AT))
        self.calls += self.per_read
        provider_calls.made(self.per_read)
        return [[] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


class _Counted:
    """A quota service on memory stores, payments allowed `cap` provider calls an hour."""

    def __init__(self, cap: int) -> None:
        self.quotas, self.usage = InMemoryQuotas(), InMemoryUsageLedger()
        self.quotas.save_book(QuotaBook(org=ORG).with_cap("payments", HOURLY, cap))
        self.service = QuotaService(quotas=self.quotas, usage=self.usage)

    def provider(self, per_read: int) -> _Provider:
        """A provider making `per_read` calls a read."""
        return _Provider(self.quotas, per_read)

    def read(self, provider: _Provider, reads: int = 1) -> None:
        """One piece of work of payments making `reads` reads of `provider`."""
        source, _ = self.service.metered(provider, None, ORG, "payments", at=AT)
        for _ in range(reads):
            source.read([], start=AT, end=AT, step=60)

    def counted(self) -> tuple[int, int]:
        """Payments' provider calls in this hour's counter, and in its month's usage."""
        month = sum(line.count for line in self.usage.month(ORG, "2026-12"))
        return self.quotas.used(ORG, "payments", HOURLY, at=AT), month


def test_a_piece_of_work_reserves_a_call_then_counts_exactly_the_calls_its_reads_made() -> None:
    counted = _Counted(cap=2)
    provider = counted.provider(3)
    # WHEN a piece of work reads twice, three calls each, with two calls left this hour
    counted.read(provider, reads=2)
    # THEN its call was reserved before the first read, trued up once by that read
    assert provider.counter_at_reads == [1, 3]
    # AND the hour and the month count the six calls made (a read under way is never cut)
    assert counted.counted() == (6, 6)
    # AND the next piece of work is refused before any call
    nothing = counted.provider(3)
    with pytest.raises(QuotaExceededError) as refused:
        counted.read(nothing)
    assert "used 6 of its 2 provider calls this hour" in str(refused.value)
    assert nothing.calls == 0


def test_a_call_reserved_but_not_made_is_given_back() -> None:
    counted = _Counted(cap=1)
    provider = counted.provider(0)
    # WHEN a piece of work's read makes no provider call (nothing to ask)
    counted.read(provider)
    # THEN the call it reserved is given back: the hour's one call is still there
    assert provider.counter_at_reads == [1]
    assert counted.counted() == (0, 0)
    counted.read(counted.provider(1))
    assert counted.counted() == (1, 1)


def test_work_refused_by_its_other_limit_gives_its_reserved_call_back() -> None:
    counted = _Counted(cap=1)
    book = counted.quotas.book(ORG).with_cap("payments", Limit.INVESTIGATIONS_PER_DAY, 0)
    counted.quotas.save_book(book)
    provider = counted.provider(1)
    # WHEN an investigation is refused for the day after reserving its call
    with pytest.raises(QuotaExceededError) as refused:
        counted.service.metered(
            provider, None, ORG, "payments", at=AT, starting=Limit.INVESTIGATIONS_PER_DAY
        )
    # THEN the refusal names the day's limit and the hour's call is still there
    assert "investigations today" in str(refused.value)
    assert counted.counted() == (0, 0)
    counted.read(provider)
    assert counted.counted() == (1, 1)
