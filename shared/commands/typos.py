"""What to say to words that are not a command: the closest command people are shown (never a
hidden alias), and the usage of that one command or of its topic, never the whole help."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence

from shared.commands.base import Command
from shared.commands.free_text import shown
from shared.commands.grammar import quote
from shared.commands.terminal import TERMINAL_ONLY
from shared.commands.usage import usage
from shared.errors import InvalidCommandError

DESTRUCTIVE = frozenset({"remove", "delete", "revoke", "unbind", "rollback", "expire"})
"""Verbs suggested only to someone who typed (nearly) that verb: a typo never leads to a loss."""


SYNONYMS = {
    "abort": ("rollback", "halt"),
    "cancel": ("rollback", "halt"),
    "stop": ("halt", "rollback"),
    "kill": ("halt",),
    "close": ("resolve",),
    "show": ("status",),
    "status": ("show",),
    "info": ("show", "status"),
}
"""A verb people reach for that a noun calls otherwise (`canary abort` is `canary rollback`,
`chaos stop` is `chaos halt`): what was meant, never the nearest spelling (`abort` is closest to
`start`, the opposite, in the middle of an incident)."""


ELSEWHERE = {
    "alert unsilence": "silence expire",
    "alert unmute": "silence expire",
    "alert mute": "alert silence",
}
"""A phrase people type for what another noun's command does: `alert unsilence` is `silence
expire` (by the silence's id: no word typed after it is carried over), never `alert silence`,
its opposite and closest spelling."""


SUGGESTED_MAX = 300
"""The longest suggested line shown whole: a typed command with its options and quotes."""


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
        return "sre help [TOPIC] [COMMAND]   topics: " + ", ".join([*self.topics(), *TERMINAL_ONLY])

    def unknown(self, words: list[str]) -> InvalidCommandError:
        """The answer to words that name no command: a guess, and the usage that goes with it."""
        lowered = [word.lower() for word in words]
        begun = self.begun(lowered)
        if begun:
            return begun
        guess, after = _closest(
            lowered, self._spoken, lambda said: self._fits(said, lowered), self._harmless
        )
        kept = words[len(words) - len(after) :] if after else []  # as typed: ids keep their case
        model = self._by_words.get(tuple(guess.split())) if guess else None
        kept = _rephrased(model, kept) if model else kept
        # each word quoted as it must be to be read back as one (`--when "error_rate > 2%"`)
        suggestion = " ".join([guess, *(quote(word) for word in kept)]) if guess else None
        found = self.find(suggestion.split()) if suggestion else None
        topic = suggestion.split()[0] if suggestion else lowered[0]
        # the whole line meant, to copy and run (cut short, it would stop inside a quote)
        hint = (
            f" Did you mean `sre {shown(suggestion, limit=SUGGESTED_MAX)}`?" if suggestion else ""
        )
        if found is not None:
            advice, lines = f" Try `sre help {found[0].words[0]}`.", usage(found[0])
        elif topic in self.topics():
            advice, lines = f" Try `sre help {topic}`.", self.topic_usage(topic)
        else:
            advice, lines = "", self.topic_list()
        return InvalidCommandError(
            f"`{shown(' '.join(self._command_words(lowered, guess, after)))}` is not a command."
            f"{hint}{advice}",
            usage=lines,
            suggestion=f"sre {suggestion}" if suggestion else None,
        )

    def begun(self, lowered: list[str]) -> InvalidCommandError | None:
        """The answer to a noun of two words with no verb (`team member`): the commands it
        begins, not a guess at one of them (which would be a change, `team member add`)."""
        begun = [
            model
            for model in self._models
            if len(model.words) > len(lowered) > 1 and list(model.words[: len(lowered)]) == lowered
        ]
        if not begun:
            return None
        verbs = list(dict.fromkeys(model.words[len(lowered)] for model in begun))
        said = ", ".join(f"`{verb}`" for verb in verbs[:-1]) + f" or `{verbs[-1]}`"
        harmless = next((model for model in begun if not model.mutates), None)
        return InvalidCommandError(
            f"`{' '.join(lowered)}` needs one more word: {said}.",
            usage="\n".join(usage(model) for model in begun),
            suggestion=f"sre {harmless.phrase()}" if harmless else None,
        )

    def _command_words(
        self, lowered: list[str], guess: str | None, after: Sequence[str]
    ) -> list[str]:
        """The words typed as the command, never its arguments (`alert silenc`, not `alert
        silenc e`): those the guess stood for; unguessed, a known noun and the word after it."""
        if guess:
            return lowered[: min(len(lowered) - len(after), len(guess.split()))] or lowered[:1]
        return lowered[:2] if lowered[0] in self.topics() else lowered[:1]

    def _harmless(self, said: str) -> bool:
        """Whether the command a phrase names changes nothing (`canary status`)."""
        model = self._by_words.get(tuple(said.split()))
        return model is not None and not model.mutates

    def _fits(self, said: str, lowered: list[str]) -> bool:
        """Whether a command may be suggested for the typed words: it takes every option typed
        (`--role` as an option or in its place), and it removes nothing unless that was typed."""
        model = self._by_words.get(tuple(said.split()))
        fields = model.model_fields if model else {}
        typed = {word[2:].replace("-", "_") for word in lowered if word.startswith("--")}
        undone = {word.removeprefix("un") for word in lowered[1:2] if word.startswith("un")}
        if undone & set(said.split()[1:]):  # `canary unpromote` is not `canary promote`
            return False
        return typed <= set(fields) and all(
            any(difflib.SequenceMatcher(None, verb, word).ratio() >= 0.8 for word in lowered)
            for verb in DESTRUCTIVE.intersection(said.split())
        )


def _rephrased(model: type[Command], kept: list[str]) -> list[str]:
    """The typed words, with an option the suggested command takes in its place put there
    (`operator --role responder` for `team role set USER ROLE`: `operator responder`)."""
    placed, rest, index = [], [], 0
    while index < len(kept):
        name = kept[index][2:].replace("-", "_") if kept[index].startswith("--") else ""
        if name in model.positional and index + 1 < len(kept):
            placed.append((model.positional.index(name), kept[index + 1]))
            index += 2
            continue
        rest.append(kept[index])
        index += 1
    for position, value in sorted(placed):
        rest.insert(position, value)
    return rest


def _shown(words: tuple[str, ...], model: type[Command]) -> bool:
    """Whether help shows a phrase: a command's words, or an alias its examples use. A hidden
    alias (`team ls`) still works; it is never put in anyone's mouth."""
    phrase = " ".join(words)
    return words == model.words or any(
        example == f"sre {phrase}" or example.startswith(f"sre {phrase} ")
        for example in model.examples
    )


def _headed(typed: list[str], verbs: Sequence[str]) -> tuple[list[str], list[str]]:
    """The verbs led by a later typed word that leads one, and the words from it (`team member
    role` is about a role: `role set`), else all verbs and every typed word."""
    for index in range(len(typed) - 1, 0, -1):
        led = [verb for verb in verbs if verb.split()[0] == typed[index]]
        if led:
            return led, typed[index:]
    return list(verbs), typed


def _abbreviated(
    heard: list[str], verbs: Sequence[str], said: Mapping[str, str], harmless: Callable[[str], bool]
) -> list[str]:
    """The verb the typed words cut short (`stat` is `status`): a word cut short says what was
    meant better than letters in common, which would make it `start`. Cut short from several
    (`st`: `start`, `status`), the one that changes nothing, if one alone does; else none."""
    begun = [
        verb
        for verb in verbs
        if len(verb.split()) == len(heard)  # a later word led (`member role`): none cut short
        and all(word.startswith(part) for part, word in zip(heard, verb.split(), strict=True))
    ]
    for chosen in (begun, [verb for verb in begun if harmless(said[verb])]):
        if len({said[verb] for verb in chosen}) == 1:
            return chosen[:1]
    return []


def _closest(
    lowered: list[str],
    spoken: dict[str, str],
    fits: Callable[[str], bool],
    harmless: Callable[[str], bool],
) -> tuple[str | None, list[str]]:
    """The phrase to suggest for mistyped words, and the words typed after it: a verb of a
    known noun that fits what was typed (longest first; one the words cut short first), else a
    noun."""
    elsewhere = ELSEWHERE.get(" ".join(lowered[:2]))
    if elsewhere in spoken.values():
        return elsewhere, []
    noun, verbs = lowered[0], {}
    for phrase, said in spoken.items():
        if phrase.startswith(f"{noun} "):
            verbs[phrase.split(" ", 1)[1]] = said
    meant = [v for v in SYNONYMS.get(lowered[1] if len(lowered) > 1 else "", ()) if v in verbs]
    if meant:
        return verbs[meant[0]], lowered[2:]
    fitting = [verb for verb in verbs if fits(verbs[verb])]
    for size in range(max((len(v.split()) for v in verbs), default=0), 0, -1):
        typed = lowered[1 : size + 1]
        same, heard = _headed(typed, [verb for verb in fitting if len(verb.split()) == size])
        cutoff = 0.6 if heard == typed else 0.0  # a later word led: its verbs are all that fit
        found = _abbreviated(heard, same, verbs, harmless) or difflib.get_close_matches(
            " ".join(heard), same, n=1, cutoff=cutoff
        )
        if found:
            return verbs[found[0]], lowered[size + 1 :]
    if verbs:
        return None, []
    nouns = sorted({said.split()[0] for said in spoken.values()})
    found = difflib.get_close_matches(noun, nouns, n=1)
    if not found:
        return None, []
    if found[0] != noun and any(phrase.startswith(f"{found[0]} ") for phrase in spoken):
        verb, after = _closest([found[0], *lowered[1:]], spoken, fits, harmless)
        return (verb, after) if verb else (found[0], [])  # `sre team` shows its commands
    return found[0], lowered[1:]
