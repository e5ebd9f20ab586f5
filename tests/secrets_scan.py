"""Find things that look like credentials in files (recorded cassettes, logs, reports).

Why: HTTP cassettes are recorded against real endpoints and committed; one unfiltered
`Authorization` header publishes a key. `tests/test_secrets.py` runs `scan_paths` over
`cassettes/` on every CI run. Placeholders that recording filters write ("DUMMY",
"<redacted>", "sk-test...", "REDACTED") are allowed on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "authorization header",
        re.compile(
            r"(?i)(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*(?:\n[ \t]*-[ \t]*)?[\[ \t\"']*"
            r"(?P<v>(?:bearer[ \t]+)?[^\s\"'\],}]+)"
        ),
    ),
    ("bearer token", re.compile(r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=\-]{8,})")),
    ("openai-style key", re.compile(r"\b(?P<v>sk-(?:proj-|ant-|or-)?[A-Za-z0-9_\-]{16,})")),
    ("openai org id", re.compile(r"\b(?P<v>org-[A-Za-z0-9]{16,})")),
    (
        "api key parameter",
        re.compile(
            r"(?i)(?:api[_-]?key|x-api-key|access[_-]?token|[?&]key)[\"']?\s*[:=]\s*[\"']?(?P<v>[A-Za-z0-9._\-]{12,})"
        ),
    ),
]

#: Values that recording filters put in place of a real secret.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:bearer\s+)?(?:dummy|redacted|<redacted>|secret$|filtered|xxx+|test|fake|none|null|\*+)"
    r"|^sk-(?:test|dummy|fake|redacted)"
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:  # never includes the value itself
        return f"{self.path}:{self.line}: looks like a {self.kind}"


def scan_text(text: str, path: str = "<text>") -> list[Finding]:
    """Every credential-looking value in `text` (placeholders excepted)."""
    out: list[Finding] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            value = m.group("v").strip("\"'[] ")
            if not value or _PLACEHOLDER.search(value):
                continue
            out.append(Finding(path, text.count("\n", 0, m.start()) + 1, kind))
    return sorted(set(out), key=lambda f: (f.path, f.line, f.kind))


def scan_paths(paths: Iterable[Path]) -> list[Finding]:
    """Scan files and folders (recursively, every file, any extension)."""
    out: list[Finding] = []
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            text = f.read_bytes().decode("utf-8", errors="replace")
            out.extend(scan_text(text, str(f)))
    return out
