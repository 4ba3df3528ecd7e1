"""Logs of the terminal and the local server, as JSON lines in AUTOSRE_HOME/sre.log: a line break
in a logged value (a forged Slack body, a request path) stays inside its JSON string and cannot
start a line of its own; and request lines are logged without their query string, so an
investigation page's token never reaches the log."""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import queue
from collections.abc import Iterator
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from urllib.parse import urlsplit

LOG_FILE = "sre.log"
"""The log of `sre` and `sre serve` (warnings, errors with their traces; `sre serve`'s requests) in
AUTOSRE_HOME."""
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's extras, any trace."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


_HELD: list[logging.LogRecord] = []
"""Records logged before the log's file was known (reading the settings), for `to_file`."""


class _Holding(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _HELD.append(record)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold what is logged meanwhile (a setting's warning, read before the home folder and its
    log are known) for the log `to_file` sets up, rather than Python printing it on the screen;
    unless logging is set up already."""
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    holding = _Holding(logging.WARNING)
    root.addHandler(holding)
    try:
        yield
    finally:
        root.removeHandler(holding)


def to_file(path: Path, level: int = logging.WARNING, *, in_background: bool = False) -> None:
    """The terminal's log: records at `level` and above to `path` as JSON lines, not on the
    screen between the answers (where Python would print a failed command's traceback) or around
    `sre serve`'s start-up text; unless whoever runs us (a test harness, an embedding program)
    set up logging already. `in_background`: lines are formatted where they are logged and
    written by a thread of their own (flushed at exit), so a request never waits on the disk
    (or on another request's write) to log its line."""
    root = logging.getLogger()
    if root.handlers:
        while _HELD:
            root.handle(_HELD.pop(0))
        return
    file = logging.FileHandler(path, delay=True, encoding="utf-8")
    file.setFormatter(JsonLines())
    handler: logging.Handler = file
    if in_background:
        file.setFormatter(logging.Formatter("%(message)s"))  # formatted already, by the queue
        lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        writer = QueueListener(lines, file)
        writer.start()
        atexit.register(writer.stop)  # the lines still queued are written before the exit
        handler = QueueHandler(lines)
        handler.setFormatter(JsonLines())
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(min(root.level, level))
    logging.captureWarnings(True)  # a library's warning (matplotlib's, say) goes there too
    while _HELD:
        handler.handle(_HELD.pop(0))


def request_fields(request_line: str) -> dict[str, str]:
    """`GET /investigations/inv-1?token=… HTTP/1.1` as method and path, without the query."""
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0] if " " in rest else rest
    return {"method": method[:16], "path": urlsplit(target).path[:200]}
