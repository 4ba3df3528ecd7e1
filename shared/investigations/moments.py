"""Times and dates a narrative writes (`14:05`, `14:05:00 UTC`, `2026-01-05 14:05`, `Mon 5 Jan
14:05`, `Mon 5 Jan 2026`), each the same moment as one of its investigation's, as the
groundedness checker reads them. A time in another form is not read here (it fails closed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from shared.investigations.figures import Figures
from shared.times import day

_DAY = (
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?: \d{4})?"
)
_TIME = re.compile(
    rf"(?:\b(\d{{4}}-\d{{2}}-\d{{2}}|{_DAY})[ T])?\b(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?\b"
    r"(?:\s*UTC)?"
)
_DATE = re.compile(rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|{_DAY})\b")


def written_times(
    text: str, figures: Figures, taken: list[tuple[int, int]]
) -> Iterator[tuple[int, str, bool]]:
    """Each time (with its date, if written), then each date written alone: where it starts, as
    written, whether it is one of the investigation's moments; each taken."""
    for match in _TIME.finditer(text):
        taken.append(match.span())
        yield (match.start(), match.group().strip(), _same_moment(match, figures))
    for match in _DATE.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            taken.append(match.span())
            same = any(_same_date(match.group(1), m) for m in figures.moments)
            yield (match.start(), match.group(), same)


def _same_date(said: str, moment: datetime) -> bool:
    """`2026-01-05` or `Mon 5 Jan` (`Mon 5 Jan 2026`) is the date of `moment`."""
    return said in (moment.date().isoformat(), day(moment), f"{day(moment)} {moment.year}")


def _same_moment(match: re.Match[str], figures: Figures) -> bool:
    date, hour, minute, second = match.groups()
    return any(
        (m.hour, m.minute) == (int(hour), int(minute))
        and (second is None or m.second == int(second))
        and (not date or _same_date(date, m))
        for m in figures.moments
    )
