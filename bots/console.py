"""What the terminal prints: lines that survive a reader who went away (`sre … | head`), and the
results of deferred work as the worker finishes them."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bots.chart_files import saved_charts
from bots.text import render_text
from shared.adapters.local.sqlite_worker import running_task
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone

EXIT_CODES = {Tone.USAGE: 2, Tone.DENIED: 3, Tone.ERROR: 1}
INTERRUPTED = 130
"""The status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it."""
TERMINAL_NEXT = "the next `sre` command (or `sre scheduler run-once`)"
SERVER_NEXT = "the next `sre serve`"


def emit(text: str, *, stream: TextIO | None = None) -> None:
    """Print `text` (on stdout unless told); once the reader has gone (`| head`), print nothing
    more and raise nothing: the command still finishes what it started."""
    stream = stream or sys.stdout
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        silence(stream)


def answered(reply: Reply) -> None:
    """Print a command's answer where `answer_stream` says."""
    emit(render_text(reply), stream=answer_stream(reply))


def answer_stream(reply: Reply) -> TextIO | None:
    """Where a command's answer goes: a usage error (a typo, a missing or bad argument) to
    stderr, as the terminal's own are (`--as`, a bad option); every other answer to stdout (None),
    a refusal or a failed check included (a tampered trail's report is the answer `> file`
    should keep; the exit status says it failed)."""
    return sys.stderr if reply.tone is Tone.USAGE else None


def silence(stream: TextIO) -> None:
    """Send what `stream` still has to write, and anything later, nowhere (its reader is gone)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def interrupted(left: Sequence[str], *, home: Path, next_one: str = TERMINAL_NEXT) -> str:
    """What Ctrl-C left unfinished, and who finishes it (`next_one`)."""
    if not left:
        return "sre: interrupted; no work was left unfinished"
    listed = "\n".join(f"  {command}" for command in left)
    return (
        f"sre: interrupted; not finished yet:\n{listed}\nIt is kept in {home}: {next_one} runs it "
        "and posts the result."
    )


def progress(message: str) -> None:
    """Progress of a long command, on stderr (so `sre … > file` keeps only the answer)."""
    emit(message, stream=sys.stderr)


class DeferredPrinter:
    """Prints deferred results as the worker finishes them, and remembers the worst (notices to a
    channel, such as an alert firing or a canary rolled back, are printed but are not the
    command's outcome). Charts that go inside a message (a canary's) are saved in `charts`, and
    their paths printed."""

    def __init__(self, charts: Path | None = None, *, counting: bool = True) -> None:
        """`counting`: whether results decide the status from the start (else from `hold`: what
        finishes before the command runs is another command's)."""
        self.status = 0
        self._charts = charts
        self._lock = threading.Lock()
        self._held: list[tuple[str, TextIO | None]] | None = None
        self._counting = counting
        self._others: set[str] = set()
        self._posted_by: dict[str, list[str]] = {}

    def not_ours(self, correlation_ids: Iterable[str]) -> None:
        """Results of these commands (another command's, taken over) are printed, but do not
        decide this command's status."""
        self._others.update(correlation_ids)

    def hold(self) -> None:
        """Keep what the worker finishes until `release`: a command's own answer ("Working
        on…") comes before its result, however fast the worker is."""
        with self._lock:
            self._held = []
            self._counting = True

    def release(self) -> None:
        """Print what was kept, and from now on print as it comes."""
        with self._lock:
            held, self._held = self._held or [], None
            for text, stream in held:
                emit(text, stream=stream)

    def settle(self) -> None:
        """Print what deferred work posted but never answered (its answer is posted elsewhere,
        or it stopped): nothing posted goes unseen."""
        with self._lock:
            left = [text for texts in self._posted_by.values() for text in texts]
            self._posted_by.clear()
        for text in left:
            self._print(text)

    def progress(self, message: str) -> None:
        """Progress of deferred work, on stderr as `progress`; kept while held too, so that
        `sre doctor 2>&1` shows "Working on…" before what the work is doing."""
        self._print(message, stream=sys.stderr)

    def _print(self, text: str, *, stream: TextIO | None = None) -> None:
        with self._lock:
            if self._held is None:
                emit(text, stream=stream)
            else:
                self._held.append((text, stream))

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Print `reply` (every target is this terminal); one answering `user` is the outcome of
        their deferred command, printed before the messages that command posted while it ran
        (the start of a canary, then its status card)."""
        shown, paths = saved_charts(reply, self._charts) if self._charts else (reply, [])
        text = "\n".join([render_text(shown), *(f"  (chart: {path})" for path in paths)])
        task = running_task()
        ref = task.invocation.correlation_id if task is not None else None
        if ref is not None and user is None:
            with self._lock:
                self._posted_by.setdefault(ref, []).append(text)
            return target
        with self._lock:
            posted = self._posted_by.pop(ref, []) if ref is not None else []
        # in one piece: no other task's lines between; an answer where `answer_stream` says
        stream = answer_stream(reply) if user is not None else None
        self._print("\n".join([text, *posted]), stream=stream)
        if user is None:
            return target
        if self._counting and reply.correlation_id not in self._others:
            self.status = max(self.status, EXIT_CODES.get(reply.tone, 0))
        return target

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Print the new version of a message."""
        self.post(target, reply)
