"""Each org's part of an alert tick, bounded by `shared.bounds.each_within`: `OrgParts` keeps
which orgs' parts run in this process and what late ones leave for a later tick."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from shared.alerts.ticks import TickReport, WantedInvestigation
from shared.bounds import LateError, each_within

log = logging.getLogger("autosre.alerts")


class OrgParts:
    """The orgs whose parts of a tick run in this process, and the investigations parts leave
    for a tick: a part past its bound goes on, its org is carried by the ticks meanwhile, and
    what it asks for is handed to a later tick of its org, once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._running: set[str] = set()
        """Orgs a tick has reserved, from before its reads until their part ends."""
        self._wanted: list[WantedInvestigation] = []
        """Investigations parts asked for, not yet handed to a tick."""
        self._lock = threading.Lock()

    def reserve(self, orgs: set[str], report: TickReport) -> set[str]:
        """Those of `orgs` no other tick holds, now held by this one in the same locked step
        that finds them free (two ticks at once never share one); the others said carried."""
        with self._lock:
            busy = orgs & self._running
            self._running |= orgs - busy
        for name in sorted(busy):
            log.warning("org %s: its part of an earlier tick still runs; carried again", name)
            report.problems.append(f"org {name}: an earlier tick still runs; carried to the next")
        return orgs - busy

    def release(self, orgs: set[str]) -> None:
        """Free reserved orgs that have nothing to do."""
        with self._lock:
            self._running -= orgs

    def end(self, org: str, part: TickReport) -> None:
        """An org's part has ended (in time or late): its investigations wait for a tick, and
        its org is free."""
        with self._lock:
            self._wanted += part.investigations
            part.investigations = []
            self._running.discard(org)

    def run(
        self, parts: Mapping[str, Callable[[], TickReport]], report: TickReport, org: str | None
    ) -> None:
        """Run the parts (each calls `end`), counting each in `report`, then hand it the
        investigations waiting for `org` (None: every org), late parts' included."""
        for name, part in each_within(parts, seconds=self.seconds).items():
            self._count(name, part, report)
        with self._lock:
            kept = [w for w in self._wanted if org not in (None, w.policy.org)]
            report.investigations += [w for w in self._wanted if org in (None, w.policy.org)]
            self._wanted = kept

    def _count(self, org: str, part: TickReport | Exception, report: TickReport) -> None:
        """One org's part in the tick's report; past its bound or failed, said and logged."""
        if isinstance(part, TickReport):
            report.add(part)
            return
        if isinstance(part, LateError):
            log.warning(
                "org %s: its alert notices took over %g s; they go on, its next tick is carried",
                org,
                self.seconds,
            )
            report.problems.append(f"org {org}: over {self.seconds:g} s, finishing on its own")
        else:
            log.error("org %s: its part of the tick stopped", org, exc_info=part)
            report.problems.append(f"org {org}: its part of the tick stopped ({part})")
