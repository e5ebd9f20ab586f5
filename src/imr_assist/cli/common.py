"""Helpers shared by commands: expanding PATH arguments, consoles, one-line failures."""

from __future__ import annotations

import glob
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import InputError

LETTER_SUFFIXES = {".txt", ".pdf", ".text"}

console = Console()
err_console = Console(stderr=True)


#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional-text controls
#: (embeddings, overrides, isolates, marks) that can make a terminal show text reordered.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """`text` for a terminal: control and bidi characters from a letter or a file name are
    shown as visible escapes (`\\x1b`, `<U+202E>`) instead of acting on the terminal."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_visible, text)


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return an Exit to raise."""
    err_console.print(f"[red]error:[/red] {escape(safe_text(message))}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def expand_paths(args: Iterable[str]) -> list[str]:
    """Files, folders (letters inside, sorted) and globs -> a list of paths; '-' is stdin.

    A path that does not exist is kept so the reader reports it as a bad input.
    """
    out: list[str] = []
    for arg in args:
        if arg == "-":
            out.append(arg)
            continue
        p = Path(arg)
        if p.is_dir():
            out.extend(
                str(f) for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in LETTER_SUFFIXES
            )
        elif any(ch in arg for ch in "*?[") and not p.exists():
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise InputError(f"{arg}: no files match")
            out.extend(m for m in matches if Path(m).is_file())
        else:
            out.append(arg)
    return out


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
