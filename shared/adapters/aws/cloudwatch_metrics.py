"""The MetricsSource port on CloudWatch: every signal of a service in one GetMetricData call.

Rates (errors / invocations) are fetched as their two series and divided here, point by point,
so the same queries work on every CloudWatch (and on moto, which has no metric math).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import UnavailableError
from shared.telemetry import provider_calls
from shared.telemetry.limits import MAX_POINTS, READ_TIMEOUT, count_points
from shared.telemetry.models import Event, MetricQuery, Service
from shared.telemetry.omitted import COUNTS, with_zeros
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import GetMetricDataOutputTypeDef

log = logging.getLogger("autosre.cloudwatch")

MAX_QUERIES = 500
"""GetMetricData's limit per call."""
TIMEOUTS = Config(
    connect_timeout=5,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": 3},
)
"""No GetMetricData call waits on CloudWatch for ever (botocore's default read timeout is 60 s)."""


def _stat(query: MetricQuery, step: int) -> dict[str, Any]:
    return {
        "Metric": {
            "Namespace": query.namespace,
            "MetricName": query.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in query.dimensions.items()],
        },
        "Period": step,
        "Stat": query.statistic,
    }


class CloudWatchMetricsSource:
    """Batches every query of a window into GetMetricData calls of at most 500 queries."""

    def __init__(
        self, *, client: CloudWatchClient | None = None, max_points: int = MAX_POINTS
    ) -> None:
        self._given = client
        self._max_points = max_points
        self._elsewhere: dict[str, CloudWatchClient] = {}
        self.calls = 0

    @cached_property
    def _client(self) -> CloudWatchClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("cloudwatch", config=TIMEOUTS)

    def _client_in(self, region: str) -> CloudWatchClient:
        """The client of `region` (its own, or ours when none is named)."""
        if not region or region == self._client.meta.region_name:
            return self._client
        if region not in self._elsewhere:
            self._elsewhere[region] = boto3.client(
                "cloudwatch", region_name=region, config=TIMEOUTS
            )
        return self._elsewhere[region]

    @cached_property
    def _account(self) -> str:
        """This deployment's own account, asked once, when a query names an account; "" when
        STS cannot say (no STS endpoint in its VPC, say): each query is then read here, as a
        same-account one is, rather than the read failing."""
        sts = boto3.client("sts", region_name=self._client.meta.region_name, config=TIMEOUTS)
        try:
            return str(sts.get_caller_identity()["Account"])
        except (ClientError, BotoCoreError) as error:
            log.warning("STS could not say this deployment's account: %s", type(error).__name__)
            return ""

    def _entry(self, key: str, query: MetricQuery, step: int) -> dict[str, Any]:
        """One MetricDataQuery; another account's metric read from its account."""
        entry = {"Id": key, "MetricStat": _stat(query, step), "ReturnData": True}
        if query.account and self._account and query.account != self._account:
            entry["AccountId"] = query.account
        return entry

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        unique: dict[str, MetricQuery] = {}
        for query in queries:
            for part in query.parts:
                unique.setdefault(_key(part), part)
        ids = {key: f"q{i}" for i, key in enumerate(unique)}
        regions: dict[str, list[dict[str, Any]]] = {}
        for key, part in unique.items():  # one batched read per Region named
            regions.setdefault(part.region, []).append(self._entry(ids[key], part, step))
        data: dict[str, Points] = {}
        for region, entries in regions.items():
            data |= self._get(self._client_in(region), entries, start, end)
        for key, part in unique.items():
            if part.statistic in COUNTS:  # a period with nothing in it is left out, not 0
                data[ids[key]] = with_zeros(
                    data.get(ids[key], []), start=start, end=end, step=step, stamped_at_start=True
                )
        return [signal_values(query, lambda q: data.get(ids[_key(q)], [])) for query in queries]

    def _get(
        self,
        client: CloudWatchClient,
        queries: list[dict[str, Any]],
        start: datetime,
        end: datetime,
    ) -> dict[str, Points]:
        found: dict[str, Points] = {}
        for batch in range(0, len(queries), MAX_QUERIES):
            token: dict[str, Any] = {}
            asked = queries[batch : batch + MAX_QUERIES]
            while True:
                self.calls += 1
                provider_calls.made(by=self, metrics=len(asked))  # billed per metric requested
                request: dict[str, Any] = {
                    "MetricDataQueries": asked,
                    "StartTime": start,
                    "EndTime": end,
                    "ScanBy": "TimestampAscending",
                    **token,
                }
                page = _answered(functools.partial(_page, client, request))
                for result in page["MetricDataResults"]:
                    _complete(result)
                    pairs = zip(result["Timestamps"], result["Values"], strict=False)
                    found.setdefault(result["Id"], []).extend(pairs)
                count_points(
                    sum(map(len, found.values())), limit=self._max_points, provider="CloudWatch"
                )
                if not page.get("NextToken"):
                    break
                token = {"NextToken": page["NextToken"]}
        return {k: sorted(v) for k, v in found.items()}

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        del service, start, end  # deploys come from the platform's own records, not CloudWatch
        return []


def _page(client: CloudWatchClient, request: dict[str, Any]) -> GetMetricDataOutputTypeDef:
    return client.get_metric_data(**request)


def _answered(call: Callable[[], GetMetricDataOutputTypeDef]) -> GetMetricDataOutputTypeDef:
    """CloudWatch's answer; its refusal (throttled, access denied, unreachable) as what the
    person asking can act on, never an internal error."""
    try:
        return call()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "an error")
        hint = _HINTS.get(code, "")
        raise UnavailableError(f"CloudWatch refused to read the metrics ({code}){hint}.") from error
    except BotoCoreError as error:
        raise UnavailableError(
            f"CloudWatch could not be reached ({type(error).__name__}): try again in a minute."
        ) from error


_HINTS = {
    "AccessDenied": ": the deployment's role needs cloudwatch:GetMetricData",
    "AccessDeniedException": ": the deployment's role needs cloudwatch:GetMetricData",
    "Throttling": ": try again in a minute",
    "ThrottlingException": ": try again in a minute",
}


def _complete(result: Any) -> None:
    """UnavailableError when CloudWatch could not answer one query (`StatusCode` InternalError
    or Forbidden): its series is unknown, not empty (PartialData: more pages follow)."""
    status = result.get("StatusCode", "Complete")
    if status not in ("Complete", "PartialData"):
        said = "; ".join(m.get("Value", "") for m in result.get("Messages", []))[:200]
        raise UnavailableError(
            f"CloudWatch could not read a metric ({status}{': ' + said if said else ''})."
        )


def _key(query: MetricQuery) -> str:
    """One query's identity, whichever signal asks for it (the divisor of a rate is shared)."""
    return query.model_dump_json(exclude={"signal", "plus", "divide_by", "scale"})
