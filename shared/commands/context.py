"""What a command handler gets besides its command: who, for which team, where and when."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from shared.commands.base import Command
from shared.identity.models import Principal, Team
from shared.identity.ports import Directory
from shared.identity.teams import known_team
from shared.invocation import Invocation
from shared.replies import Ref, Reply


@dataclass(frozen=True)
class Context:
    """The resolved circumstances of one command."""

    principal: Principal
    invocation: Invocation
    team: str | None
    """The team the command acts for (from `--team` or the channel's binding), if it has one."""
    now: datetime
    team_record: Team | None = None
    """That team as the bus read it before authorizing (None if it does not exist): handlers
    use it rather than reading it again."""


def acting_team(ctx: Context, directory: Directory) -> Team:
    """The team the command acts for, as the bus read it (read here only for a context the bus
    did not make); NotFoundError, suggesting the closest, if it does not exist."""
    record = ctx.team_record
    if record is not None and record.name == ctx.team:
        return record
    return known_team(directory, ctx.principal, ctx.team or "")


@dataclass(frozen=True)
class Handled:
    """What a handler did: its reply, and the follow-ups it wants run after it (invocations the
    bus then handles in order, each parsed, authorized and audited as its own command)."""

    reply: Reply
    follow_ups: tuple[Invocation, ...] = ()
    then: str = ""
    """The line the reply ends with once every follow-up was done (a step not done is named
    instead), e.g. `Service web removed from team demo.`"""
    details: Mapping[str, str] = field(default_factory=dict)
    """What the command's own outcome entry records besides its name (`planned`: the steps a
    command only asked for, so the trail does not read its entry as the steps' result)."""
    failed: bool = False
    """Whether the command ran but did not do all it was asked (a seal that refused a broken
    trail): its outcome entry then says `failed`, with the details, and the reply is kept."""


Handler = Callable[[Any, Context], Reply | Handled]
"""Runs one kind of command; the bus has already parsed, authorized and audited it."""


@dataclass(frozen=True)
class NothingToChange:
    """Why a command would change nothing, with the people and channels the sentence names
    (as `@id`, `#id`), so each surface mentions them as it does in any reply."""

    reason: str
    refs: tuple[Ref, ...] = ()


Said = str | NothingToChange | None
Unchanged = Callable[[Any, Context], Said]
"""Whether a changing command would change nothing: the words that say so (it is then answered
with them, neither run nor audited: nothing happened), or None to run it."""

Check = Callable[[Any, Context], object]
"""Whether a slow command can run at all, asked before it is queued: raises (NotFoundError,
InvalidCommandError…) when it cannot; what it returns is not used."""

C = TypeVar("C", bound=Command)


class Handlers:
    """The commands a feature runs, each with its handler: `add` is typed, so mypy checks that a
    handler takes the command it is registered for."""

    def __init__(self) -> None:
        self._by_model: dict[type[Command], Handler] = {}
        self._unchanged: dict[type[Command], Unchanged] = {}
        self._checks: dict[type[Command], Check] = {}
        self._loaders: list[Callable[[], Handlers]] = []

    def add(
        self,
        model: type[C],
        handler: Callable[[C, Context], Reply | Handled],
        *,
        unchanged: Callable[[C, Context], Said] | None = None,
        check: Callable[[C, Context], object] | None = None,
    ) -> Handlers:
        """Register `handler` for `model` (and the check that it would change nothing, which a
        model declaring `may_change_nothing` has, and no other; and the check before it is
        queued, which a model declaring `checked_before_queueing` has, and no other); a model
        registered twice is a wiring mistake."""
        if (unchanged is not None) != model.may_change_nothing:
            raise ValueError(f"{model.__name__}: a no-change check iff it may change nothing")
        if (check is not None) != model.checked_before_queueing:
            raise ValueError(f"{model.__name__}: a check iff it is checked before queueing")
        self._register(model, handler)
        if unchanged is not None:
            self._unchanged[model] = unchanged
        if check is not None:
            self._checks[model] = check
        return self

    def _register(self, model: type[Command], handler: Handler) -> None:
        if model in self._by_model:
            raise ValueError(f"{model.__name__} has two handlers")
        self._by_model[model] = handler

    def lazy(self, models: Sequence[type[Command]], load: Callable[[], Handlers]) -> Handlers:
        """Register `models` now and build their handlers at the first of them that runs (a
        feature's code is imported only when one of its commands is used: a cold start that
        answers `help` loads none). `load` must register exactly `models`."""
        loaded: list[Handlers] = []
        lock = threading.Lock()

        def built() -> Handlers:
            with lock:  # two first requests at once build the feature once
                if not loaded:
                    handlers = load()
                    if set(handlers.models()) != set(models):
                        raise ValueError(f"{load!r} registers other commands than it declared")
                    loaded.append(handlers)
            return loaded[0]

        def run(command: Command, ctx: Context) -> Handled:
            return built().run(command, ctx)

        def unchanged(command: Command, ctx: Context) -> Said:
            return built().unchanged(command, ctx)

        def check(command: Command, ctx: Context) -> None:
            built().check(command, ctx)

        for model in models:  # a command with no check queues without building the feature
            self._register(model, run)
            if model.may_change_nothing:
                self._unchanged[model] = unchanged
            if model.checked_before_queueing:
                self._checks[model] = check
        self._loaders.append(built)
        return self

    def load_all(self) -> Handlers:
        """Build every lazily registered feature now (each once), so a loader that registers
        other commands than it declared fails here rather than at its first command."""
        for built in self._loaders:
            built().load_all()
        return self

    def include(self, other: Handlers) -> Handlers:
        """Register every handler of `other` too."""
        for model, handler in other._by_model.items():
            self._register(model, handler)
        self._unchanged.update(other._unchanged)
        self._checks.update(other._checks)
        self._loaders.extend(other._loaders)
        return self

    def models(self) -> tuple[type[Command], ...]:
        """Every command with a handler, in the order they were added."""
        return tuple(self._by_model)

    def unchanged(self, command: Command, ctx: Context) -> Said:
        """Why `command` would change nothing, if its feature can tell before it runs; else None."""
        check = self._unchanged.get(type(command))
        return check(command, ctx) if check else None

    def check(self, command: Command, ctx: Context) -> None:
        """Raise why a slow `command` cannot run, if its feature can tell before it is queued."""
        checked = self._checks.get(type(command))
        if checked:
            checked(command, ctx)

    def run(self, command: Command, ctx: Context) -> Handled:
        """Run `command`'s handler: its reply and the follow-ups it returned (if any)."""
        done = self._by_model[type(command)](command, ctx)
        return done if isinstance(done, Handled) else Handled(done)
