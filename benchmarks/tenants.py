"""Many orgs on one deployment (issue 17, Scale), seeded, figures printed, nothing asserted on time.

(a) 100 orgs x 5 teams x 20 alert policies (4 Lambda functions a team, 5 thresholds each) on
    CloudWatch on moto, one scheduler tick: GetMetricData calls per org against the minimum
    ceil(the org's distinct queries / 500), the tick's wall time, the slowest org's read and its
    share of the tick.
(b) The same tick while one org's provider does not answer: the other orgs' policies are judged
    within the per-org read bound, the slow org's are carried to the next tick (said in the log).
(b2) The same tick while one org's channel takes no notice: the other orgs are told, the silent
    org's part goes on past its per-org bound and its next tick is carried (said in the report).
(c) `sre serve` in OAuth mode (installations in its SQLite file) with 100 workspaces installed
    through the install page and redirect, then signed `/sre whoami` at 200 requests/s spread over
    them (every tenth an `@autosre whoami` mention, answered by a post with the workspace's token):
    p50/p99 latency, errors, answers naming the asking workspace's org, and every call the
    loopback Slack Web API received carrying the token of the workspace it was for.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from shared.adapters.aws.cloudwatch_metrics import MAX_QUERIES, CloudWatchMetricsSource
from shared.adapters.memory import FixedClock, InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.models import AlertPolicy
from shared.alerts.scheduler import ORG_SECONDS, AlertScheduler
from shared.alerts.ticks import TickReport
from shared.audit.seal import SigningKey
from shared.bootstrap.memory import memory_adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import ChannelBinding, ChannelId, OrgId, Team, UserId
from shared.invocation import ReplyTarget
from shared.judging.condition import parse
from shared.ports import Notifier
from shared.quotas.service import QuotaService
from shared.replies import Reply
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import Points
from shared.telemetry.queries import queries_for

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FUNCTIONS = 4
"""Lambda functions a team alerts on (5 thresholds each: 20 policies a team)."""
SLOW_BOUND = 5.0
"""The per-org read bound of run (b) (READ_TIMEOUT, 20 s, in production)."""


@dataclass(frozen=True)
class Sizes:
    """How big a run is (the smoke test runs a tiny one)."""

    orgs: int = 100
    teams: int = 5
    thresholds: int = 5
    rate: int = 200
    seconds: int = 30
    slow_bound: float = SLOW_BOUND


def _fn(org: int, team: int, fn: int) -> str:
    return f"o{org:03}-t{team}-fn{fn}"


def _org_of(queries: Sequence[MetricQuery]) -> str:
    """The org whose functions a read asks for (each function's name starts with its org)."""
    return next(iter(queries[0].dimensions.values())).split("-")[0]


class TimedByOrg:
    """The CloudWatch source as the tick reads it: each read timed by its org; `slow`'s reads
    do not answer until `released` is set."""

    def __init__(self, source: CloudWatchMetricsSource, slow: str = "") -> None:
        self._source = source
        self._slow = slow
        self.released = threading.Event()
        self.seconds: dict[str, float] = {}

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """The source's answer (or, for the slow org, none until released), timed."""
        org, began = _org_of(queries), time.perf_counter()
        if org == self._slow:
            self.released.wait()
            return [[] for _ in queries]
        answer = self._source.read(queries, start=start, end=end, step=step)
        self.seconds[org] = self.seconds.get(org, 0.0) + time.perf_counter() - began
        return answer

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """The source's deploy events."""
        return self._source.events(service, start=start, end=end)


class SilentOrg:
    """The deployment's notifier, except that `org`'s channels take nothing until released."""

    def __init__(self, notifier: Notifier, org: str) -> None:
        self._notifier = notifier
        self._org = org
        self.released = threading.Event()

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post, or for the silent org wait until released first."""
        if target.org == self._org:
            self.released.wait()
        return self._notifier.post(target, reply, user=user)

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Update, or for the silent org wait until released first."""
        if target.org == self._org:
            self.released.wait()
        self._notifier.update(target, reply)


def _put_metrics(client: Any, sizes: Sizes) -> None:
    """The last minute's Invocations of every function (1,000 points per call)."""
    points = [
        {
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "FunctionName", "Value": _fn(o, t, f)}],
            "Timestamp": NOW - timedelta(minutes=1),
            "Value": float((o + t + f) % 100),
        }
        for o in range(sizes.orgs)
        for t in range(sizes.teams)
        for f in range(FUNCTIONS)
    ]
    for at in range(0, len(points), 1000):
        client.put_metric_data(Namespace="AWS/Lambda", MetricData=points[at : at + 1000])


def _seed(services: Services, store: InMemoryAlertStore, sizes: Sizes) -> None:
    """Every org's teams (each bound to its channel), their functions as services, and 5
    thresholds on each's traffic."""
    for o in range(sizes.orgs):
        org = OrgId(f"slack:T{o:03}")
        for t in range(sizes.teams):
            name = f"team-{t}"
            services.directory.save_team(_team(org, name, [_fn(o, t, f) for f in range(FUNCTIONS)]))
            services.directory.bind(
                ChannelBinding(
                    org=org,
                    channel=ChannelId(f"C{o:03}{t}"),
                    team=name,
                    bound_by=UserId("bench"),
                    bound_at=NOW,
                )
            )
            for f in range(FUNCTIONS):
                for k in range(sizes.thresholds):
                    store.save(
                        AlertPolicy(
                            org=org,
                            team=name,
                            name=f"busy-{f}-{k}",
                            service=f"fn{f}",
                            condition=parse(f"traffic > {k * 20}"),
                            created_by="bench",
                            created_at=NOW,
                        )
                    )


def _team(org: OrgId, name: str, functions: list[str]) -> Team:
    kind = ResourceKind.AWS_LAMBDA
    return Team(
        org=org,
        name=name,
        created_at=NOW,
        created_by=UserId("bench"),
        services={
            f"fn{i}": Service(
                name=f"fn{i}",
                kind=kind,
                resource=fn,
                queries=queries_for(kind, fn),
                registered_by="bench",
                registered_at=NOW,
            )
            for i, fn in enumerate(functions)
        },
    )


def _calls_by_org(client: Any) -> Counter[str]:
    """GetMetricData calls by the org whose functions each asks for (botocore's events)."""
    calls: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        first = params["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]
        calls[first["Value"].split("-")[0]] += 1

    client.meta.events.register("before-parameter-build.cloudwatch.GetMetricData", count)
    return calls


@dataclass
class Ticked:
    """One tick's wall time, what it said, the timed source, the policies and the notices after."""

    seconds: float
    report: TickReport
    source: TimedByOrg
    store: InMemoryAlertStore
    told: set[str]
    """Orgs whose channels were told something by the end of the tick."""


def _tick(client: Any, sizes: Sizes, slow: str = "", silent: str = "") -> Ticked:
    """One tick over fresh policies (`slow`'s reads and `silent`'s notices not answering)."""
    source = TimedByOrg(CloudWatchMetricsSource(client=client), slow)
    store = InMemoryAlertStore()
    sources = {ResourceKind.AWS_LAMBDA: source}
    adapters = memory_adapters(
        FixedClock(NOW), SigningKey(secret=b"bench"), metrics=sources, alerts=store
    )
    services = build(Settings(), adapters)
    _seed(services, store, sizes)
    bound = sizes.slow_bound if slow else READ_TIMEOUT
    notifier = SilentOrg(adapters.notifier, silent)
    scheduler = AlertScheduler(
        store=store,
        evaluator=AlertEvaluator(  # with the meter, as the deployed wiring builds it
            directory=services.directory,
            sources=sources,
            timeout=bound,
            meter=QuotaService(quotas=adapters.quotas, usage=adapters.usage).meter,
        ),
        directory=services.directory,
        audit=services.audit,
        notifier=notifier,
        org_seconds=sizes.slow_bound if silent else ORG_SECONDS,
    )
    started = time.perf_counter()
    report = scheduler.tick(NOW, trigger="bench")
    seconds = time.perf_counter() - started
    told = {str(where.org) for where, _ in getattr(adapters.notifier, "posted", [])}
    source.released.set()
    notifier.released.set()
    return Ticked(seconds, report, source, store, told)


def _alert_ticks(sizes: Sizes) -> None:
    """Runs (a) and (b) on moto, printing their figures."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        _put_metrics(client, sizes)
        calls = _calls_by_org(client)
        first = _tick(client, sizes)
        seconds, source = first.seconds, first.source
        per_org = dict(calls)
        calls.clear()
        slow = _tick(client, sizes, slow="o000")
        slow_seconds, after = slow.seconds, slow.store
        silent = _tick(client, sizes, silent="slack:T000")
    unjudged = Counter(p.org for p in after.every() if p.status.problem)
    judged = {p.org for p in after.every()} - set(unjudged)
    policies = sizes.orgs * sizes.teams * FUNCTIONS * sizes.thresholds
    minimum = math.ceil(sizes.teams * FUNCTIONS / MAX_QUERIES)
    at_minimum = sum(1 for n in per_org.values() if n == minimum)
    reads = sorted(source.seconds.values())
    print(
        f"Many orgs, one alert tick: {sizes.orgs} orgs x {sizes.teams} teams x "
        f"{FUNCTIONS * sizes.thresholds} policies = {policies:,} policies on CloudWatch (moto)"
    )
    print(
        f"  GetMetricData calls per org: {sorted(Counter(per_org.values()).items())} "
        f"(calls, orgs); minimum {minimum} per org ({sizes.teams * FUNCTIONS} distinct queries, "
        f"500 a call): {at_minimum} of {sizes.orgs} orgs at the minimum"
    )
    print(
        f"  wall time {seconds:.2f} s; an org's read: median {statistics.median(reads):.2f} s, "
        f"slowest {reads[-1]:.2f} s = {reads[-1] / seconds:.0%} of the tick (reads run at once)"
    )
    print(
        f"  one org's provider not answering (bound {sizes.slow_bound:g} s a read here, "
        f"{READ_TIMEOUT:g} s deployed): tick {slow_seconds:.2f} s, "
        f"{len(judged)} of {sizes.orgs - 1} other orgs judged in full; not judged, carried to "
        f"the next tick: {dict(unjudged)} (policies by org)"
    )
    carried = [p for p in silent.report.problems if p.startswith("org ")]
    print(
        f"  one org's channel taking no notice (bound {sizes.slow_bound:g} s an org here, "
        f"{ORG_SECONDS:g} s deployed): tick {silent.seconds:.2f} s, "
        f"{len(silent.told - {'slack:T000'})} of {sizes.orgs - 1} other orgs told; said: {carried}"
    )


@contextmanager
def _oauth_env() -> Iterator[None]:
    """OAuth mode for the `sre serve` this process starts (bolt's names), undone after."""
    from tests.support.slack_oauth import CLIENT_ID

    chosen = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "bench-secret"}
    before = {name: os.environ.get(name) for name in chosen}
    os.environ.update(chosen)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _install(url: str, api: Any, n: int) -> None:
    """Workspace T<n> installed through the install page and the redirect, as a browser would."""
    from tests.support.slack_oauth import STATE_COOKIE, install_answer

    api.install(f"code-{n}", install_answer(f"T{n:03}", f"xoxb-ws-{n:03}"))
    with urllib.request.urlopen(f"{url}/slack/install") as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = STATE_COOKIE.search(cookie)
    assert state is not None, cookie
    query = urlencode({"code": f"code-{n}", "state": state.group(1)})
    back = urllib.request.Request(f"{url}/slack/oauth_redirect?{query}", headers={"Cookie": cookie})
    with urllib.request.urlopen(back) as done:
        assert done.status == 200, done.status


MENTION_EVERY = 10
"""Every tenth request of (c) is a mention, answered by a post carrying the workspace's token."""


def _mention(n: int, number: int) -> str:
    """`@autosre whoami` in channel C<n> of workspace T<n>, as the Events API sends it."""
    event = {"type": "app_mention", "user": "W111", "channel": f"C{n:03}", "ts": f"{number}.1"}
    return json.dumps(
        {
            "team_id": f"T{n:03}",
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": f"Ev-soak-{number}",
            "event_time": 1700000000,
            "event": {**event, "text": "<@U0BOT> whoami", "event_ts": event["ts"]},
        }
    )


def _raw(port: int, number: int, workspaces: int, hooks: str) -> bytes:
    """One signed `/sre whoami` (or mention) from workspace number % workspaces, as the bytes
    on the wire."""
    from tests.support.payloads import signed_headers, slash_command_body

    n = number % workspaces
    body = slash_command_body(
        "whoami",
        team_id=f"T{n:03}",
        channel_id=f"C{n:03}",
        enterprise_id="",
        enterprise_name="",
        trigger_id=f"soak.{number}",
        response_url=f"{hooks}hooks/{number}",
    )
    headers = signed_headers(body)
    if number % MENTION_EVERY == MENTION_EVERY - 1:
        body = _mention(n, number)
        headers = signed_headers(body, content_type="application/json")
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def _timed(port: int, request: bytes, due: float, org: bytes) -> tuple[float, str]:
    """Seconds from the scheduled send to the whole answer; the error, if any."""
    await asyncio.sleep(max(0.0, due - time.perf_counter()))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        answer = await reader.read()
        writer.close()
    except OSError as refused:
        return time.perf_counter() - due, repr(refused)
    took = time.perf_counter() - due
    status = answer.split(b" ", 2)[1:2]
    wrong = "" if status == [b"200"] and org in answer else f"answer {answer[:80]!r}"
    return took, wrong


async def _soak_all(port: int, sizes: Sizes, hooks: str) -> tuple[list[float], list[str], float]:
    total = sizes.rate * sizes.seconds
    requests = [_raw(port, n, sizes.orgs, hooks) for n in range(total)]
    start = time.perf_counter() + 0.5
    sends = [
        _timed(port, r, start + n / sizes.rate, _answer_names(n, sizes.orgs))
        for n, r in enumerate(requests)
    ]
    results = await asyncio.gather(*sends)
    return [r[0] for r in results], [r[1] for r in results if r[1]], time.perf_counter() - start


def _answer_names(number: int, workspaces: int) -> bytes:
    """What the HTTP answer to request `number` must contain: its org (a mention's answer is
    empty: its reply is the post the token check covers)."""
    if number % MENTION_EVERY == MENTION_EVERY - 1:
        return b""
    return f"org slack:T{number % workspaces:03})".encode()


def _cross_org(api: Any) -> tuple[int, int]:
    """Web API calls made with a workspace's token, and those whose token is another
    workspace's than the one the call was for (its team_id or channel)."""
    checked = crossed = 0
    for call in api.calls:
        owner = (api.teams.get(call.token) or {}).get("team_id")
        wanted = call.fields.get("team_id") or "T" + str(call.fields.get("channel", "C"))[1:]
        if owner is None or call.method == "oauth.v2.access":
            continue
        checked += 1
        crossed += owner != wanted
    return checked, crossed


def _serve_soak(sizes: Sizes) -> None:
    """Runs (c), printing its figures."""
    from tests.fakes.slack_api import slack_api
    from tests.serve_process import start_serve

    with tempfile.TemporaryDirectory() as folder, slack_api() as api, _oauth_env():
        server = start_serve(Path(folder), slack_api=api.url)
        try:
            for n in range(sizes.orgs):
                _install(server.url, api, n)
            api.calls.clear()  # the installs' own calls: what follows is the soak's
            port = int(server.url.rsplit(":", 1)[1])
            latencies, errors, elapsed = asyncio.run(_soak_all(port, sizes, api.url))
        finally:
            server.stop()
        checked, crossed = _cross_org(api)
        unknown = [c for c in api.calls if c.token and c.token not in api.teams]
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"sre serve, OAuth mode: {sizes.orgs} workspaces installed by the install page and "
        f"redirect (SQLite store), {sizes.rate} signed /sre whoami a second for {sizes.seconds} s "
        f"spread over them, every {MENTION_EVERY}th a mention (loopback, one process)"
    )
    print(
        f"  p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms (goal <= 150 ms); "
        f"max {max(latencies) * 1000:.0f} ms; {len(latencies) / elapsed:.0f} requests/s achieved"
    )
    print(
        f"  errors or answers not naming the asking workspace's org: {len(errors)} of "
        f"{len(latencies):,} (goal 0)"
    )
    print(
        f"  Slack Web API calls after install checked by token: {checked}, with another "
        f"workspace's token: {crossed} (goal 0), with an unknown token: {len(unknown)}"
    )
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared)")
    for error in sorted(set(errors))[:3]:
        print(f"  e.g. {error}")


def main(sizes: Sizes | None = None) -> None:
    """Print the figures of (a), (b) and (c)."""
    chosen = sizes or Sizes()
    _alert_ticks(chosen)
    _serve_soak(chosen)


if __name__ == "__main__":
    main()
