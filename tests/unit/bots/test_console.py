"""What the terminal prints of deferred work, and in which order."""

from __future__ import annotations

import pytest

from bots.console import DeferredPrinter
from shared.adapters.local.sqlite_worker import running
from shared.identity.models import Platform
from shared.invocation import DeferredCommand, ReplyTarget
from shared.replies import Reply, Tone
from tests.support import invocation

TERMINAL = ReplyTarget(platform=Platform.LOCAL, channel="local")


def _task(text: str) -> DeferredCommand:
    return DeferredCommand(invocation=invocation(text), command=f"sre {text}", team="payments")


def test_a_tasks_answer_comes_before_what_it_posted_while_it_ran(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a terminal printing the work of two tasks, each run as the worker runs it
    printer = DeferredPrinter()
    for name in ("first", "second"):
        with running(_task(f"canary start {name} --version 2")):
            # WHEN the task posts its status card, then its answer to the user
            printer.post(TERMINAL, Reply(tone=Tone.INFO, title=f"card of {name}"))
            printer.post(TERMINAL, Reply(tone=Tone.OK, title=f"{name} started"), user="dana")
    # THEN each answer is read first, then its card
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in out] == [
        "first started",
        "card of first",
        "second started",
        "card of second",
    ]


def test_what_a_task_posted_without_ever_answering_is_printed_when_the_command_settles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a task that posted a card, and whose answer was never posted here
    printer = DeferredPrinter()
    with running(_task("canary hold can-1")):
        printer.post(TERMINAL, Reply(tone=Tone.INFO, title="card"))
    assert capsys.readouterr().out == ""
    # WHEN the command settles (its work all done)
    printer.settle()
    # THEN nothing posted goes unseen
    assert "card" in capsys.readouterr().out
