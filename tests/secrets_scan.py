"""Find things that look like credentials in files (recorded cassettes, logs, reports).

Why: HTTP cassettes are recorded against real endpoints and committed; one unfiltered
`Authorization` header publishes a key. `tests/test_secrets.py` runs `scan_paths` over
`cassettes/` on every CI run. The shapes are the product scrubber's (`imr_assist.scrub`):
sk-... keys (sk-test... included), Azure api-key, x-goog-api-key, AWS and Google keys,
tokens, cookies, Authorization headers. Whole placeholder values that recording filters
write ("DUMMY", "<redacted>", "REDACTED") are allowed on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imr_assist.scrub import SECRET_SHAPES

#: The shapes the product's own output scrubber removes (one table: `imr_assist.scrub`).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, rx) for kind, rx, _distinctive in SECRET_SHAPES]

#: Whole values that recording filters put in place of a real secret. A value that merely
#: starts with "test" or "sk-test" is a key (test-mode keys are real credentials).
_PLACEHOLDER = re.compile(
    r"(?i)^(?:(?:bearer|basic|token)\s+)?(?:dummy|redacted|<redacted>|\[secret\]|secret|filtered|x{3,}|\*{3,}|test|fake"
    r"|none|null|sk-(?:dummy|fake|redacted|replay|no-key))$"
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
