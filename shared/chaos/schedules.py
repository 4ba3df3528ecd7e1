"""Game days: an experiment's plan kept with a period (`--every 7d`) and a weekly window
(`--window "Tue 10:00-12:00"`, UTC), started by the scheduler's tick inside the window at most
once per period. Pure: the window, when a game day is due, the experiment it starts."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta

from pydantic import Field

from shared.chaos.models import ChaosStep, Experiment, ExperimentState, Fault
from shared.identity.models import Platform
from shared.records import Frozen
from shared.telemetry.models import ResourceKind
from shared.times import span_of_day

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WINDOW_USAGE = "use a day and two times, e.g. Tue 10:00-12:00 (UTC)"
_WINDOW = re.compile(r"^([A-Za-z]{3})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\Z", re.ASCII)


class Window(Frozen):
    """A weekly window in UTC: a day and two times on it."""

    weekday: int
    """0 for Monday."""
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> Window:
        """`Tue 10:00-12:00`; ValueError with the usage otherwise."""
        found = _WINDOW.match(text.strip())
        day = found[1].capitalize() if found else ""
        if found is None or day not in DAYS:
            raise ValueError(f"`{text[:40]}` is not a window: {WINDOW_USAGE}")
        hours = (int(found[2]), int(found[4]))
        minutes = (int(found[3]), int(found[5]))
        if max(hours) > 23 or max(minutes) > 59:
            raise ValueError(f"`{text[:40]}` has no such time: {WINDOW_USAGE}")
        start, end = time(hours[0], minutes[0]), time(hours[1], minutes[1])
        if end <= start:
            raise ValueError(f"`{text[:40]}` ends before it starts: {WINDOW_USAGE}")
        return cls(weekday=DAYS.index(day), start=start, end=end)

    @property
    def written(self) -> str:
        """`Tue 10:00-12:00 UTC`."""
        return f"{DAYS[self.weekday]} {span_of_day(self.start, self.end)} UTC"

    def opened(self, now: datetime) -> datetime | None:
        """When the window `now` is in opened (None outside every window)."""
        if now.weekday() != self.weekday or not self.start <= now.time() < self.end:
            return None
        return now.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)


class GameDay(Frozen):
    """An experiment's plan run on a schedule; versioned (every change a conditional write)."""

    id: str
    """`chs-<hex>`."""
    org: str
    team: str
    service: str
    kind: ResourceKind
    fault: Fault
    percents: list[int]
    step_duration: timedelta
    expectations: list[str]
    valid_for: timedelta
    every: timedelta
    window: Window
    created_by: str
    """Who scheduled it: its experiments' starter (the first operator of a production one)."""
    created_at: datetime
    platform: Platform = Platform.SLACK
    service_key: str = ""
    """The resource its service named when it was scheduled (`Experiment.service_key`): a run
    never faults another resource registered later under the same name; empty on one kept
    before it was recorded."""
    started_window: datetime | None = None
    """When the window it last started in opened."""
    skipped_window: datetime | None = None
    """When the window whose skip was last said opened (a skip is said once per window)."""
    experiments: list[str] = Field(default_factory=list)
    version: int = 0

    @property
    def said(self) -> str:
        """`error on checkout-api every 7 days, Tue 10:00-12:00 UTC`."""
        days = self.every.days
        return (
            f"{self.fault.written} on {self.service} every {days} day{'s' if days != 1 else ''}, "
            f"{self.window.written}"
        )


def due(game_day: GameDay, now: datetime) -> datetime | None:
    """When its window opened, if it should start now: inside the window, not started in this
    period yet."""
    opened = game_day.window.opened(now)
    if opened is None:
        return None
    last = game_day.started_window
    if last is not None and opened - last < game_day.every:
        return None
    return opened


def new_id() -> str:
    """A new game day's id."""
    return f"chs-{uuid.uuid4().hex[:8]}"


def experiment_of(game_day: GameDay, now: datetime) -> Experiment:
    """The experiment a game day starts now, its creator the starter."""
    return Experiment(
        id=f"chx-{uuid.uuid4().hex[:8]}",
        org=game_day.org,
        team=game_day.team,
        service=game_day.service,
        kind=game_day.kind,
        service_key=game_day.service_key,
        fault=game_day.fault,
        percents=list(game_day.percents),
        step_duration=game_day.step_duration,
        expectations=list(game_day.expectations),
        valid_for=game_day.valid_for,
        state=ExperimentState.STARTING,
        step_started_at=now,
        started_by=game_day.created_by,
        started_at=now,
        platform=game_day.platform,
        history=[
            ChaosStep(
                at=now,
                percent=0,
                what="planned",
                reason=f"game day {game_day.id} scheduled by @{game_day.created_by}",
            )
        ],
    )
