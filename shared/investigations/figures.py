"""An investigation's figures as a narrative may write them: its moments, ratios, values and
counts, and the rounding by which a written number is one of them (the groundedness checker's)."""

from __future__ import annotations

from datetime import datetime
from itertools import combinations

from shared.investigations.models import Investigation
from shared.records import Frozen
from shared.telemetry.wording import fmt, times

NUMBER = r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?"
"""A number as written: `4`, `4.23`, `4,000`, `1.2e+09`."""


class Figures(Frozen):
    """Every moment and number an investigation holds."""

    moments: tuple[datetime, ...]
    ratios: tuple[float, ...]
    values: tuple[float, ...]
    counts: tuple[float, ...]

    @classmethod
    def of(cls, investigation: Investigation) -> Figures:
        """The figures of `investigation`."""
        return cls(
            moments=tuple(_moments(investigation)),
            ratios=tuple(_ratios(investigation)),
            values=tuple(_values(investigation)),
            counts=tuple(
                float(n) for log in investigation.logs for n in (log.window, log.baseline)
            ),
        )

    def number(self, number: str) -> bool:
        """Whether a bare number (`508`, `+50.15`, `3,000`) is a ratio, a value or a count."""
        plain = number.lstrip("+-\N{MINUS SIGN}")
        among = self.ratios + self.values + self.counts
        return any(rounds_to(plain, abs(v)) for v in among)

    def minutes(self) -> set[int]:
        """The whole minutes between any two moments."""
        return {round(abs((a - b).total_seconds()) / 60) for a, b in combinations(self.moments, 2)}


def _ratios(investigation: Investigation) -> list[float]:
    """Each finding's ratio (its peak's for a transient one), its typical value's and those of
    its other changes, where a ratio means something (a positive baseline)."""
    found: list[float] = []
    for f in investigation.findings:
        if f.baseline > 0 and f.current >= 0:
            extremes = [o.extreme for o in f.others] + ([f.level] if f.level is not None else [])
            found += [f.ratio, *(v / f.baseline for v in extremes if v >= 0)]
    return found


def _moments(investigation: Investigation) -> list[datetime]:
    found = [investigation.start, investigation.end, investigation.opened_at]
    for finding in investigation.findings:
        found += [finding.onset] + ([finding.end] if finding.end else [])
        found += [finding.near.time] if finding.near else []
        found += [t for o in finding.others for t in (o.start, o.end) if t is not None]
    found += [e.time for e in investigation.events]
    found += [log.first for log in investigation.logs if log.first]
    return found


def _values(investigation: Investigation) -> list[float]:
    found: list[float] = []
    for finding in investigation.findings:
        found += [finding.baseline, finding.current, abs(finding.current - finding.baseline)]
        found += [finding.level] if finding.level is not None else []
        found += [o.extreme for o in finding.others]
    return found


def _renders(value: float) -> set[str]:
    """How a number may be written rounded: 4.23 as 4.23, 4.2 or 4 (and `fmt`, `times`)."""
    shown = {fmt(value), times(value), f"{value:.3g}"}
    shown |= {f"{value:.{places}f}" for places in range(3)}
    return {plain(s) for s in shown}


def plain(number: str) -> str:
    """A written number without its thousands separators and trailing zeros."""
    number = number.replace(",", "")
    return number.rstrip("0").rstrip(".") if "." in number and "e" not in number else number


def rounds_to(number: str, value: float) -> bool:
    """Whether `number` is `value` as the rule-based narrative may round it."""
    return plain(number) in _renders(value)


def percent_of(number: str, ratios: tuple[float, ...]) -> bool:
    """`420%`, `down to 62%` or `fell 38%`: a ratio as a percentage (of the ratio, of it
    rounded, or of the change)."""
    candidates = [r * 100 for r in ratios] + [round(r, 1) * 100 for r in ratios]
    candidates += [abs(r - 1) * 100 for r in ratios]
    return any(rounds_to(number, c) for c in candidates)
