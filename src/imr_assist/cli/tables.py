"""Rows for a terminal of any width: a table when every word fits its column, else a list.

Why: a rich table squeezed into 80 columns (the width of a pipe, a CI log, a small
terminal) folds words inside themselves ("no_func / tional_ / improve / ment"), which
can neither be read nor copied. Here a column is never narrower than its longest word,
so text wraps at spaces only; when those widths do not fit, each row becomes a short
block of `column: value` lines instead, wrapped at spaces under a hanging indent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

#: Per column: one space of padding either side and one border line.
_PER_COLUMN = 3


@dataclass
class Rows:
    """What to show: a title, column names, cells (Text: never parsed as markup), a caption."""

    title: Text
    columns: list[str]
    rows: list[list[Text]] = field(default_factory=list)
    caption: Text | None = None
    right: frozenset[str] = frozenset()  # columns aligned right (numbers)
    show_lines: bool = False

    def add(self, cells: Sequence[Text | str]) -> None:
        self.rows.append([c if isinstance(c, Text) else Text(c) for c in cells])


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def word_widths(rows: Rows) -> list[int]:
    """The narrowest each column can be without breaking a word (header included)."""
    widths = [_longest_word(c) for c in rows.columns]
    for row in rows.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _longest_word(cell.plain))
    return widths


def fits(rows: Rows, width: int) -> bool:
    return sum(word_widths(rows)) + _PER_COLUMN * len(rows.columns) + 1 <= width


def column_widths(rows: Rows, width: int) -> list[int]:
    """Each column's text width: at least its longest word, and the room left shared in
    proportion to what each column still lacks to show its longest cell on one line.
    Fixed here rather than by rich, whose shrinking can crop the last column instead."""
    least = word_widths(rows)
    want = [max(len(c), *(len(r[i].plain) for r in rows.rows)) if rows.rows else len(c)
            for i, c in enumerate(rows.columns)]  # fmt: skip
    widths = list(least)
    room = width - _PER_COLUMN * len(rows.columns) - 1 - sum(widths)
    gaps = [max(0, w - n) for w, n in zip(want, widths, strict=True)]
    total = sum(gaps)
    if room > 0 and total:
        shares = [min(g, room * g // total) for g in gaps]
        widths = [n + s for n, s in zip(widths, shares, strict=True)]
        room -= sum(shares)
        for i in sorted(range(len(widths)), key=lambda i: gaps[i] - shares[i], reverse=True):
            if room <= 0:
                break
            if widths[i] < want[i]:
                widths[i] += 1
                room -= 1
    return widths


def show(console: Console, rows: Rows) -> None:
    """Print `rows` as a table if it fits `console.width` without breaking words, else as a list."""
    if fits(rows, console.width):
        console.print(_table(rows, column_widths(rows, console.width)))
    else:
        _print_list(console, rows)


def _table(rows: Rows, widths: list[int]) -> Table:
    table = Table(title=rows.title, title_justify="left", show_lines=rows.show_lines)
    for name, width in zip(rows.columns, widths, strict=True):
        table.add_column(name, width=width, justify="right" if name in rows.right else "left")
    for row in rows.rows:
        table.add_row(*row)
    if rows.caption is not None:
        table.caption = rows.caption
        table.caption_justify = "left"
    return table


def _print_list(console: Console, rows: Rows) -> None:
    """One block per row: the first columns as a heading ("1. request"), then one
    `column: value` line per non-empty cell, indented so wrapped lines stay under it."""
    console.print(rows.title, soft_wrap=False)
    numbered = bool(rows.columns) and rows.columns[0] == "#"
    for row in rows.rows:
        head = Text.assemble(row[0], ". ", row[1]) if numbered and len(row) > 1 else row[0]
        console.print(Padding(head, (0, 0, 0, 2)))
        for name, cell in list(zip(rows.columns, row, strict=True))[2 if numbered else 1 :]:
            if cell.plain.strip():
                console.print(Padding(Text.assemble((f"{name}: ", "dim"), cell), (0, 0, 0, 6)))
    if rows.caption is not None:
        console.print(rows.caption)
