"""The terminal's own options (`sre --as`, `sre serve --port`): parsed by argparse, and answered as
every other usage error is (`? what is wrong`, a suggestion when one is close, then `Usage:`)."""

from __future__ import annotations

import argparse
import difflib
import re
from typing import Any, NoReturn

from shared.commands.terminal import terminal_help


class OptionError(Exception):
    """A terminal option typed wrong (`--channel ""`), said in the product's usage style."""


class _Once(argparse.Action):
    """Store an option's value, refusing it a second time (argparse keeps the last one: `--as
    alice --as root` acted as root)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: set[str] = namespace.__dict__.setdefault("_given", set())
        if self.dest in given:
            parser.error(f"argument {option_string}: given twice: give it once")
        given.add(self.dest)
        setattr(namespace, self.dest, values)


class TerminalParser(argparse.ArgumentParser):
    """argparse, whose own errors read as every other usage error: `? …` then `Usage:`; `topic`
    is where `sre help` says more (`sre help serve`; none: the whole help)."""

    def __init__(self, *, prog: str, usage: str, topic: str = "", description: str = "") -> None:
        self._options: list[str] = []  # before argparse adds --help
        # no abbreviations (`--a` for `--as`): a command's own options take none either
        super().__init__(prog=prog, usage=usage, description=description, allow_abbrev=False)
        self.usage_line = usage
        self._topic = topic

    def add_argument(self, *name_or_flags: str, **kwargs: Any) -> argparse.Action:
        """argparse's, remembering the long options (to suggest one for a typo)."""
        self._options += [name for name in name_or_flags if name.startswith("--")]
        if name_or_flags[0].startswith("--") and kwargs.get("action") in (None, "store"):
            kwargs["action"] = _Once  # a one-value option given twice is refused, as a command's
        return super().add_argument(*name_or_flags, **kwargs)

    def format_help(self) -> str:
        """`-h` of a terminal command: its help as `sre help TOPIC` gives it (usage, purpose,
        example), not argparse's bare list of options."""
        if not self._topic:
            return super().format_help()
        return terminal_help(self._topic) + "\n"

    def error(self, message: str) -> NoReturn:
        """Raise argparse's `message` in the product's words."""
        raise OptionError(self.problem(message))

    def refusal(self, problem: str) -> OptionError:
        """A value this parser took but that is not allowed (`problem` says why and what is)."""
        return OptionError(self._answer(problem))

    def problem(self, message: str) -> str:
        """argparse's `argument --backend: invalid choice: 'foo' (…)` in the product's words."""
        extra = re.fullmatch(r"unrecognized arguments: (.*)", message)
        if extra:
            return self._unexpected(extra.group(1).split())
        missing = re.fullmatch(r"the following arguments are required: (.*)", message)
        if missing:
            return self._answer(f"`{self.prog}` needs {missing.group(1)}")
        said = re.fullmatch(r"argument (\S+): (.*)", message)
        if said is None:
            return self._answer(f"{message[:1].upper()}{message[1:]}")
        option, problem = said.groups()
        choice = re.fullmatch(r"invalid choice: '?([^' ]*)'? \(choose from (.*)\)", problem)
        if choice:
            allowed = " or ".join(choice.group(2).replace("'", "").split(", "))
            problem = f"`{option} {choice.group(1)}` is not an option: use {allowed}"
        elif problem == "expected one argument":
            problem = f"`{option}` needs a value"
        else:
            problem = f"`{option}` {problem}"
        return self._answer(problem)

    def _unexpected(self, words: list[str]) -> str:
        """The first word nobody expected: an option with the closest one it may be a typo of,
        or a word out of place."""
        first = words[0]
        if not first.startswith("-"):
            return f"? I did not expect `{first}` here.\nUsage:\n{self.usage_line}"
        guess = difflib.get_close_matches(first.split("=", 1)[0], self._options, n=1)
        hint = f" Did you mean `{guess[0]}`?" if guess else ""
        return f"? `{self.prog}` has no option `{first}`.{hint}\nUsage:\n{self.usage_line}"

    def _answer(self, problem: str) -> str:
        where = f"sre help {self._topic}" if self._topic else "sre help"
        return f"? {problem}. Try `{where}`.\nUsage:\n{self.usage_line}"
