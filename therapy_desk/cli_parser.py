"""argparse for `therapy-desk`, made safe for a secret typed in the wrong place.

Two changes to argparse's behaviour. No abbreviations: `--passphrase hunter2` must not be taken for
`--passphrase-stdin`. And no error repeats what was typed: argparse's own messages quote unrecognised
arguments, invalid choices and invalid numbers, and any of them may be a passphrase or a client's name
that would then sit in the terminal's scrollback or a log. Errors here name the option or the position
that was wrong, from the parser's own definitions, and how to get help; one line, exit 2 as argparse does.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any, NoReturn

EXIT_OK, EXIT_PROBLEMS, EXIT_USER_ERROR = 0, 1, 2  # every `therapy-desk` command's exit codes
NOT_REPEATED = "what was typed is not repeated here, in case it was a secret"
_ARGUMENT_ERROR = re.compile(r"argument (?P<name>.+?): (?P<detail>.+)", re.DOTALL)
_REQUIRED = "the following arguments are required: "
_NOT_ALLOWED = "not allowed with argument "
_KINDS = {int: "a whole number", float: "a number"}


class CommandParser(argparse.ArgumentParser):
    """An `ArgumentParser` without abbreviations whose errors never quote the command line.

    Its subparsers are of the same class (argparse's default), so the rules hold at every level.
    Parse with `parse_command_line`, which also refuses unrecognised words by position only.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_command_line(self, argv: Sequence[str]) -> argparse.Namespace:
        """Parse `argv` (without the program name); unknown words end it with one line and exit 2."""
        words = list(argv)
        args, extras = self.parse_known_args(words)
        if extras:
            prog = getattr(args, "help_prog", None) or self.prog
            where, many = _positions(words, extras)
            verb = "are not words" if many else "is not a word"
            hint = ""
            if getattr(args, "secret_flag", None) and any(word.startswith("-") for word in extras):
                hint = f" Secrets are never given as arguments: type them at the prompt, or use {args.secret_flag}."
            self._fail(f"{where} of the command line {verb} `{prog}` takes ({NOT_REPEATED}).{hint}", prog)
        return args

    def error(self, message: str) -> NoReturn:
        """argparse's error hook: rebuild the sentence from our own definitions, never from `message`."""
        self._fail(self._sentence(message), self.prog)

    def _fail(self, sentence: str, prog: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"therapy-desk: {sentence[:1].upper()}{sentence[1:]} See `{prog} --help`.\n")

    def _sentence(self, message: str) -> str:
        # Only the shape of argparse's message is read (its wording is stable across versions, and a
        # translated or new one falls through to the general sentence); its quoted values never are.
        if message.startswith(_REQUIRED):
            names = [self._required(name) for name in message[len(_REQUIRED) :].split(", ")]
            if all(names):
                return f"`{self.prog}` needs {_and(names)}."
            return f"`{self.prog}` is missing something it needs."
        match = _ARGUMENT_ERROR.fullmatch(message)
        action = self._action_named(match["name"]) if match else None
        if match is None or action is None:
            return f"The command line was not understood ({NOT_REPEATED})."
        label, detail = self._label(match["name"]), match["detail"]
        if detail.startswith("invalid choice"):
            choices = [str(choice) for choice in action.choices or ()]
            return f"{label} must be one of {_or(choices)} ({NOT_REPEATED})."
        if detail.startswith("invalid") and " value" in detail:
            kind = _KINDS.get(action.type, "another kind of value") if isinstance(action.type, type) else "another"
            return f"{label} needs {kind} ({NOT_REPEATED})."
        if detail.startswith("expected"):
            return f"{label} needs a value after it."
        if detail.startswith("ignored explicit argument"):
            return f"{label} takes no value ({NOT_REPEATED})."
        if detail.startswith(_NOT_ALLOWED):
            other = self._label(detail[len(_NOT_ALLOWED) :])
            return f"{label} cannot be used together with {other}." if other else f"{label} cannot be used here."
        return f"{label} was given something it cannot use ({NOT_REPEATED})."

    def _action_named(self, name: str) -> argparse.Action | None:
        """The action argparse calls `name`, if this parser defines one; anything else is not trusted."""
        for action in self._actions:
            if _action_name(action) == name:
                return action
        return None

    def _required(self, name: str) -> str:
        label, action = self._label(name), self._action_named(name.strip())
        if label and action is not None and isinstance(action.choices, dict):  # a command or an action
            return f"{label} ({_or([str(choice) for choice in action.choices])})"
        return label

    def _label(self, name: str) -> str:
        """How a sentence names an argument: an option as spelt, a positional in words; '' if unknown."""
        name = name.strip()
        action = self._action_named(name)
        if action is None:
            return ""
        if action.option_strings:
            return name
        return f"the {name.lower()}" if name.isupper() else name.upper()


def _action_name(action: argparse.Action) -> str | None:
    # As argparse names an action in its messages (argparse._get_action_name, which is private).
    if action.option_strings:
        return "/".join(action.option_strings)
    if action.metavar not in (None, argparse.SUPPRESS):
        return str(action.metavar)
    if action.dest not in (None, argparse.SUPPRESS):
        return str(action.dest)
    return None


def _positions(words: list[str], extras: list[str]) -> tuple[str, bool]:
    """('Word 4', False) or ('Words 3 and 4', True): where the unrecognised words are, after the program's name."""
    taken: set[int] = set()
    found: list[int] = []
    for extra in extras:
        index = next((i for i, w in enumerate(words) if i not in taken and w is extra), None)
        if index is None:
            index = next((i for i, w in enumerate(words) if i not in taken and w == extra), None)
        if index is not None:
            taken.add(index)
            found.append(index + 1)
    if not found:
        return "A word", False
    numbers = [str(n) for n in sorted(found)]
    return (f"Word {numbers[0]}", False) if len(numbers) == 1 else (f"Words {_and(numbers)}", True)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _or(items: list[str]) -> str:
    if not items:
        return "the listed choices"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
