"""One scrubber for every output channel: credentials never reach stderr, stdout, log
files, records or reports.

Two ways to recognise a credential:
- by value: the key this run is configured with (`register_secret`, called where a key is
  found: `model.keys.find_key`), in every form it may be echoed in (as is, URL-encoded,
  JSON-escaped, base64 as in Basic auth). An endpoint answering "Received API Key = ..."
  gets nothing back, whatever the key looks like;
- by shape (`SECRET_SHAPES`): OpenAI/Anthropic-style `sk-...` keys (`sk-test...` too),
  Google `AIza...`, AWS access key ids, GitHub/Slack/Hugging Face tokens, JWTs, bearer
  tokens, and the values of Authorization, api-key (Azure), x-api-key, x-goog-api-key,
  cookie and key=... parameters.

`scrub` applies both (logs, terminal, error lines). `scrub_record` applies the values and
the distinctive token shapes only: records and reports quote letter text, where "Request
for Authorization: ..." is not a header. `tests/secrets_scan.py` (the cassette scanner)
reads the same shapes.
"""

from __future__ import annotations

import base64
import io
import json
import re
from typing import IO, Any
from urllib.parse import quote

SECRET = "[secret]"

#: (kind, pattern, distinctive): the group `v` is the secret; a distinctive shape cannot be
#: ordinary letter text and is scrubbed from records too.
SECRET_SHAPES: list[tuple[str, re.Pattern[str], bool]] = [
    ("openai-style key", re.compile(r"\b(?P<v>sk-[A-Za-z0-9_\-]{8,})"), True),
    ("google api key", re.compile(r"\b(?P<v>AIza[0-9A-Za-z_\-]{30,})"), True),
    ("aws access key id", re.compile(r"\b(?P<v>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})\b"), True),
    ("github token", re.compile(r"\b(?P<v>gh[pousr]_[A-Za-z0-9]{30,})"), True),
    ("slack token", re.compile(r"\b(?P<v>xox[abposr]-[A-Za-z0-9\-]{10,})"), True),
    ("hugging face token", re.compile(r"\b(?P<v>hf_[A-Za-z0-9]{30,})"), True),
    ("openai org id", re.compile(r"\b(?P<v>org-[A-Za-z0-9]{12,})"), True),
    ("jwt", re.compile(r"\b(?P<v>eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,})"), True),
    ("bearer token", re.compile(r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=\-]{8,})"), True),
    (
        "authorization header",
        re.compile(
            r"(?i)(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*(?:\n[ \t]*-[ \t]*)?[\[ \t\"']*"
            r"(?P<v>(?:(?:bearer|basic|token)[ \t]+)?[^\s\"'\],}]+)"
        ),
        False,
    ),
    (
        "api key header or parameter",
        re.compile(
            r"(?i)(?:x-goog-api-key|x-api-key|api[_-]?key|apikey|access[_-]?token|client[_-]?secret"
            r"|aws[_-]?secret[_-]?access[_-]?key|[?&]key|[?&]token)[\"']?[ \t]*[:=][ \t]*"
            r"(?:\n[ \t]*-[ \t]*)?[\[ \t\"']*"
            r"(?P<v>[A-Za-z0-9._~+/=\-]{6,})"
        ),
        False,
    ),
    (
        "cookie",
        re.compile(r"(?i)\b(?:set-)?cookie[\"']?[ \t]*[:=][ \t]*(?:\n[ \t]*-[ \t]*)?[\[ \t\"']*(?P<v>[^\n\"'\]]+)"),
        False,
    ),
]

_values: set[str] = set()
_value_rx: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Scrub `value` (a configured key) from every output from now on, in the forms an
    endpoint or a library may echo it in. Short values are not keys and are ignored."""
    global _value_rx
    if not value or len(value.strip()) < 8:
        return
    v = value.strip()
    forms = {v, quote(v, safe=""), json.dumps(v)[1:-1]}
    for user in ("", "apikey", "api_key", "user"):
        forms.add(base64.b64encode(f"{user}:{v}".encode()).decode().rstrip("="))
    new = {f for f in forms if len(f) >= 8} - _values
    if new:
        _values.update(new)
        _value_rx = re.compile("|".join(re.escape(f) for f in sorted(_values, key=len, reverse=True)))


def _by_value(text: str) -> str:
    return _value_rx.sub(SECRET, text) if _value_rx is not None else text


def _by_shape(text: str, distinctive_only: bool) -> str:
    for _kind, rx, distinctive in SECRET_SHAPES:
        if distinctive_only and not distinctive:
            continue
        text = rx.sub(_hide_value, text)
    return text


def _hide_value(m: re.Match[str]) -> str:
    """The match with its group `v` (the secret) replaced, the label around it kept."""
    whole, start = m.group(0), m.start()
    return whole[: m.start("v") - start] + SECRET + whole[m.end("v") - start :]


def scrub(text: str) -> str:
    """`text` with every configured key and every credential-shaped value replaced."""
    return _by_shape(_by_value(text), distinctive_only=False)


def scrub_record(text: str) -> str:
    """For records and reports (letter text inside): configured keys and distinctive shapes only."""
    return _by_shape(_by_value(text), distinctive_only=True)


def scrub_data(value: Any) -> Any:
    """A JSON-like value with `scrub_record` applied to every string in it."""
    if isinstance(value, str):
        return scrub_record(value)
    if isinstance(value, dict):
        return {k: scrub_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_data(v) for v in value]
    return value


class ScrubbingStream(io.TextIOBase):
    """A text stream that scrubs what is written to it, line by line, before passing it on
    (stdout and stderr of a command: `cli._Group.invoke`). Partial lines are held until
    their newline (or a flush), so a key split across two writes is still caught."""

    def __init__(self, inner: IO[str], records: bool = False) -> None:
        self.inner = inner
        self._scrub = scrub_record if records else scrub
        self._pending = ""

    def write(self, s: str) -> int:
        text = self._pending + s
        cut = text.rfind("\n") + 1
        self._pending = text[cut:]
        if cut:
            self.inner.write(self._scrub(text[:cut]))
        return len(s)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(self._scrub(self._pending))
            self._pending = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    def writable(self) -> bool:
        return True
