"""`sre serve` as a real process: bursts are answered, and a SIGKILL loses no acknowledged work."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.audit.models import AuditRecord, Outcome, StreamKey
from shared.identity.models import OrgId
from tests.fakes.http_capture import CaptureServer
from tests.serve_process import ServeProcess, post_command, start_serve
from tests.support import records

pytestmark = pytest.mark.slow

ORG = OrgId("slack:T111")
BURST = 200


@pytest.fixture
def serving(tmp_path: Path, slack_api: CaptureServer) -> Iterator[ServeProcess]:
    server = start_serve(tmp_path, slack_api=slack_api.url)
    yield server
    server.stop()


def _burst(
    url: str, texts: list[str], prefix: str, answered: list[tuple[int, str]], hooks: str = ""
) -> None:
    """Send every text at once (one connection each); append (status, body) as answers come."""
    start = threading.Barrier(len(texts))

    def send(number: int, text: str) -> None:
        start.wait()
        try:
            answered.append(post_command(url, text, trigger=f"{prefix}.{number}", hooks=hooks))
        except OSError as error:  # reset, refused, or the server killed
            answered.append((0, repr(error)))

    threads = [
        threading.Thread(target=send, args=(n, text), daemon=True) for n, text in enumerate(texts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)


def test_200_simultaneous_slash_commands_are_all_answered(
    serving: ServeProcess, slack_api: CaptureServer
) -> None:
    # WHEN 200 signed slash commands arrive on 200 connections at once
    answered: list[tuple[int, str]] = []
    _burst(serving.url, ["whoami"] * BURST, "burst", answered, slack_api.url)
    # THEN every one gets its answer: none is reset (Slack does not retry a slash command)
    failures = [body for status, body in answered if status != 200]
    assert failures == []
    assert len(answered) == BURST
    assert all("W111" in body for _, body in answered)


def _setup(url: str, hooks: str) -> None:
    for number, text in enumerate(
        [
            "team create payments",
            "team member add W111 --role admin --team payments",
            "org grant W111 auditor",
            "team bind C111 --team payments",
            "service register checkout-api --sample checkout --team payments",
        ]
    ):
        status, body = post_command(url, text, trigger=f"setup.{number}", hooks=hooks)
        assert status == 200, body


def _by_correlation(entries: list[AuditRecord]) -> dict[str, Counter[Outcome]]:
    outcomes: dict[str, Counter[Outcome]] = {}
    for entry in entries:
        outcomes.setdefault(entry.correlation_id, Counter())[entry.outcome] += 1
    return outcomes


def _finished(home: Path) -> set[int]:
    """Numbers of the `requested` entries in the payments trail that have an outcome."""
    entries = records(FolderAuditLog(home / "audit"), StreamKey(org=ORG, team="payments"))
    outcomes = _by_correlation(entries)
    return {
        e.seq
        for e in entries
        if e.outcome is Outcome.REQUESTED and sum(outcomes[e.correlation_id].values()) > 1
    }


def _settled(home: Path, timeout: float = 120.0) -> list[AuditRecord]:
    """The payments trail once every `requested` entry in it has an outcome (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = records(FolderAuditLog(home / "audit"), StreamKey(org=ORG, team="payments"))
        outcomes = _by_correlation(entries)
        waiting = [
            e
            for e in entries
            if e.outcome is Outcome.REQUESTED and sum(outcomes[e.correlation_id].values()) < 2
        ]
        if not waiting or time.monotonic() > deadline:
            return entries
        time.sleep(0.5)


def test_sre_serve_killed_mid_burst_loses_no_acknowledged_command(
    tmp_path: Path, slack_api: CaptureServer
) -> None:
    # GIVEN `sre serve` with team payments and its sample service
    server = start_serve(tmp_path, slack_api=slack_api.url)
    _setup(server.url, slack_api.url)
    # WHEN a burst of investigations (deferred) and member changes is cut by a SIGKILL
    texts = [
        text
        for n in range(12)
        for text in (
            "investigate checkout-api --team payments",
            f"team member add U{n:04d} --role viewer --team payments",
        )
    ]
    answered: list[tuple[int, str]] = []
    sender = threading.Thread(
        target=_burst, args=(server.url, texts, "kill", answered, slack_api.url), daemon=True
    )
    sender.start()
    while not any("Working on" in body for _, body in answered):  # killed at the first queued
        time.sleep(0.005)
    server.kill()
    sender.join(60)
    acknowledged = [body for status, body in answered if status == 200]
    receipts = [
        int(re.findall(r"audit [\w-]+#(\d+)", body)[0])
        for body in acknowledged
        if "Working on" in body
    ]
    unfinished = [n for n in receipts if n not in _finished(tmp_path)]
    assert unfinished, "every acknowledged investigation finished before the kill: kill sooner"
    # AND Auto SRE starts again on the same home
    server = start_serve(tmp_path, slack_api=slack_api.url)
    try:
        entries = _settled(tmp_path)
        # THEN every acknowledged investigation ran once, or was reported failed
        by_number = {entry.seq: entry for entry in entries}
        outcomes = _by_correlation(entries)
        assert receipts, "no investigation was acknowledged before the kill"
        for number in receipts:
            counted = outcomes[by_number[number].correlation_id]
            assert counted[Outcome.REQUESTED] == 1
            assert counted[Outcome.SUCCEEDED] + counted[Outcome.FAILED] == 1, counted
        # AND every acknowledged change happened once
        added = [re.findall(r"U\d{4}", body)[0] for body in acknowledged if "U0" in body]
        for user in added:
            done = [
                e for e in entries if e.target == f"user:{user}" and e.outcome is Outcome.SUCCEEDED
            ]
            assert len(done) == 1, user
        # AND no entry is left `requested` without an outcome, acknowledged or not
        assert [
            (e.seq, e.command)
            for e in entries
            if e.outcome is Outcome.REQUESTED and sum(outcomes[e.correlation_id].values()) < 2
        ] == []
        # AND nothing ran twice
        assert all(
            counted[Outcome.SUCCEEDED] + counted[Outcome.FAILED] <= 1
            for counted in outcomes.values()
        )
        # AND every trail of the org verifies
        status, body = post_command(
            server.url, "audit verify --all", trigger="verify-all", hooks=slack_api.url
        )
        assert status == 200, body
        _verified(slack_api, count=1)
    finally:
        server.stop()


def _verified(slack_api: CaptureServer, *, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reports = [
            str(r.body["text"])
            for r in slack_api.requests
            if str(r.body.get("text", "")).startswith("Audit trail")
        ]
        if len(reports) >= count:
            assert all("intact" in report.lower() for report in reports), reports
            return
        time.sleep(0.5)
    raise AssertionError(f"no verification reports: {[r.body for r in slack_api.requests][-5:]}")
