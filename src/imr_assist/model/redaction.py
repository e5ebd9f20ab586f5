"""The gateway's redaction step: what of a question may leave the machine, and the way back.

`Model.ask` masks every non-system message with one `Redactor` before the request is built
(system messages are our own templates) and gives the validators a `restore` function in
their context (quotes come back with placeholders and must be found in the original
letter); the validated answer's strings are then restored. The step is pluggable: a
better de-identifier is one class with `mask_messages`, passed to `open_model`.

The redactor is told which letter the question is about (`Model.session(name, letter=...)`):
the letter's own identifiers (header values, address and cc blocks) are learned from the
whole letter once and masked wherever they recur in what is sent, even where the text
sent has no label beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..privacy.redact import Profile, redact_text

Messages = list[dict[str, str]]
#: Messages are masked as one text, so one identifier gets one placeholder in all of them.
#: NUL never occurs in letter text and no identifier pattern can match across it.
_SEPARATOR = "\n\x00\n"


@dataclass(frozen=True)
class MaskedQuestion:
    """The messages as sent, and the function that puts the original values back."""

    messages: Messages
    restore: Callable[[str], str]
    #: original value -> its placeholder (what must not leave, `model.outbound`)
    masked: dict[str, str] = field(default_factory=dict)


class Redactor(Protocol):
    """Masks the messages of one question; `restore` undoes it on the answer's strings."""

    def mask_messages(self, messages: Messages, letter: str | None = None) -> MaskedQuestion: ...


def _identity(text: str) -> str:
    return text


class NoRedaction:
    """Sends the messages as they are (a local endpoint, or `--no-redact`)."""

    def mask_messages(self, messages: Messages, letter: str | None = None) -> MaskedQuestion:
        return MaskedQuestion(messages, _identity)


class IdentifierRedactor:
    """Names, claim/case numbers, phones, emails, addresses, birth dates and SSNs become
    placeholders such as `[NAME_1]` (`privacy.redact`); the map back stays in memory."""

    def __init__(self) -> None:
        self._last: tuple[str, Profile] | None = None

    def profile(self, letter: str) -> Profile:
        """What `letter` says about itself, learned once per letter (asked per item)."""
        if self._last is None or self._last[0] is not letter:
            self._last = (letter, Profile.of(letter))
        return self._last[1]

    def mask_messages(self, messages: Messages, letter: str | None = None) -> MaskedQuestion:
        to_mask = [i for i, m in enumerate(messages) if m.get("role") != "system"]
        if not to_mask:
            return MaskedQuestion(messages, _identity)
        text = _SEPARATOR.join(messages[i]["content"] for i in to_mask)
        redaction = redact_text(text, self.profile(letter) if letter else None)
        parts = redaction.text.split(_SEPARATOR)
        masked = [dict(m) for m in messages]
        for i, text in zip(to_mask, parts, strict=True):
            masked[i]["content"] = text
        return MaskedQuestion(masked, redaction.restore, {v: p for p, v in redaction.mapping.items()})


def redactor_for(redact: bool) -> Redactor:
    return IdentifierRedactor() if redact else NoRedaction()
