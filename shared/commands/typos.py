"""What to say to words that are not a command: the closest command people are shown (never a
hidden alias), and the usage of that one command or of its topic, never the whole help."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from shared.commands.base import Command
from shared.commands.free_text import shown
from shared.commands.terminal import TERMINAL_ONLY
from shared.commands.usage import usage
from shared.errors import InvalidCommandError


class Phrasebook:
    """The phrases a command set understands, and how to answer a phrase it does not."""

    def __init__(
        self, by_words: Mapping[tuple[str, ...], type[Command]], models: Sequence[type[Command]]
    ) -> None:
        self._by_words = by_words
        self._models = models
        self._longest = max(len(words) for words in by_words)
        self._spoken = {
            " ".join(words): " ".join(words if _shown(words, model) else model.words)
            for words, model in by_words.items()
        }
        """Every phrase understood, to the phrase to suggest for it."""

    def topics(self) -> list[str]:
        """The first words of every command, in help order."""
        return list(dict.fromkeys(model.words[0] for model in self._models))

    def find(self, words: Sequence[str]) -> tuple[type[Command], int] | None:
        """The command the first words name (the longest phrase), and how many words it took."""
        for size in range(min(self._longest, len(words)), 0, -1):
            model = self._by_words.get(tuple(words[:size]))
            if model is not None:
                return model, size
        return None

    def topic_usage(self, topic: str) -> str:
        """The usage lines of one topic's commands, without their examples."""
        return "\n".join(usage(model) for model in self._models if model.words[0] == topic)

    def topic_list(self) -> str:
        """One line: how to ask for help, and the topics there are."""
        return "sre help [TOPIC]   topics: " + ", ".join([*self.topics(), *TERMINAL_ONLY])

    def unknown(self, words: list[str]) -> InvalidCommandError:
        """The answer to words that name no command: a guess, and the usage that goes with it."""
        lowered = [word.lower() for word in words]
        guess, after = _closest(lowered, self._spoken)
        kept = words[len(words) - len(after) :] if after else []  # as typed: ids keep their case
        suggestion = " ".join([guess, *kept]) if guess else None
        found = self.find(suggestion.split()) if suggestion else None
        topic = suggestion.split()[0] if suggestion else lowered[0]
        hint = f" Did you mean `sre {shown(suggestion)}`?" if suggestion else ""
        if found is not None:
            advice, lines = f" Try `sre help {found[0].words[0]}`.", usage(found[0])
        elif topic in self.topics():
            advice, lines = f" Try `sre help {topic}`.", self.topic_usage(topic)
        else:
            advice, lines = "", self.topic_list()
        return InvalidCommandError(
            f"`{shown(' '.join(lowered[:3]))}` is not a command.{hint}{advice}",
            usage=lines,
            suggestion=f"sre {suggestion}" if suggestion else None,
        )


def _shown(words: tuple[str, ...], model: type[Command]) -> bool:
    """Whether help shows a phrase: a command's words, or an alias its examples use. A hidden
    alias (`team ls`) still works; it is never put in anyone's mouth."""
    phrase = " ".join(words)
    return words == model.words or any(
        example == f"sre {phrase}" or example.startswith(f"sre {phrase} ")
        for example in model.examples
    )


def _closest(lowered: list[str], spoken: dict[str, str]) -> tuple[str | None, list[str]]:
    """The phrase to suggest for mistyped words, and the words typed after it: a verb of a
    known noun (longest first), else a noun."""
    noun, verbs = lowered[0], {}
    for phrase, said in spoken.items():
        if phrase.startswith(f"{noun} "):
            verbs[phrase.split(" ", 1)[1]] = said
    for size in range(max((len(v.split()) for v in verbs), default=0), 0, -1):
        typed = " ".join(lowered[1 : size + 1])
        same = [verb for verb in verbs if len(verb.split()) == size]
        found = difflib.get_close_matches(typed, same, n=1)
        if found:
            return verbs[found[0]], lowered[size + 1 :]
    if verbs:
        return None, []
    nouns = sorted({said.split()[0] for said in spoken.values()})
    found = difflib.get_close_matches(noun, nouns, n=1)
    if not found:
        return None, []
    if found[0] != noun and any(phrase.startswith(f"{found[0]} ") for phrase in spoken):
        verb, after = _closest([found[0], *lowered[1:]], spoken)
        return (verb, after) if verb else (found[0], [])  # `sre team` shows its commands
    return found[0], lowered[1:]
