"""Jinja environments and the Markdown -> txt / HTML conversion.

Drafts are written once, as Markdown templates (`prompts/*.md.j2`); checks run on that
Markdown. Plain text strips the markup; HTML goes through `prompts/draft_document.html.j2`
with autoescape on, so letter text can never inject markup into the printed page.
Only the small Markdown subset the templates use is supported: headings, bullets,
task boxes, numbered lists, block quotes, pipe tables, paragraphs and **bold**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from jinja2 import Environment, StrictUndefined

from ..assets import template_loader
from .text import long_date, long_date_es, oneline

Format = Literal["md", "txt", "html"]
FORMATS: tuple[str, ...] = ("md", "txt", "html")


@lru_cache(maxsize=2)
def environment(html: bool = False) -> Environment:
    env = Environment(
        loader=template_loader(),
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.filters["long_date_es"] = long_date_es
    env.filters["oneline"] = oneline
    return env


def render_markdown(template: str, **context: Any) -> str:
    """Render a Markdown template; collapse runs of blank lines the loops leave behind."""
    text = environment(False).get_template(template).render(**context)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


@dataclass
class Block:
    kind: str  # heading | para | list | olist | tasks | quote | table
    level: int = 0
    lines: list[list[tuple[str, bool]]] = field(default_factory=list)
    rows: list[list[list[tuple[str, bool]]]] = field(default_factory=list)  # tables: row -> cells


def _inline(text: str) -> list[tuple[str, bool]]:
    """Split on **bold** markers into (text, is_bold) runs; strips `code` ticks."""
    text = text.replace("`", "")
    parts = re.split(r"\*\*(.+?)\*\*", text)
    return [(p, i % 2 == 1) for i, p in enumerate(parts) if p]


_LINE = [
    ("heading", re.compile(r"^(#{1,6})\s+(.*)$")),
    ("tasks", re.compile(r"^- \[[ xX]\]\s+(.*)$")),
    ("list", re.compile(r"^[-*]\s+(.*)$")),
    ("olist", re.compile(r"^\d+\.\s+(.*)$")),
    ("quote", re.compile(r"^>\s?(.*)$")),
    ("table", re.compile(r"^(\|.*\|)\s*$")),
]
_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")


def table_cells(row: str) -> list[str]:
    """The cells of one pipe-table row ("| a | b |" -> ["a", "b"])."""
    return [c.strip() for c in row.strip().strip("|").split("|")]


def markdown_blocks(md: str) -> list[Block]:
    blocks: list[Block] = []
    for raw in md.splitlines():
        line = raw.rstrip()
        if not line.strip():
            blocks.append(Block("break"))
            continue
        if _TABLE_RULE.match(line.strip()):
            continue  # the header rule carries no text
        kind, body, level = "para", line.strip(), 0
        for name, rx in _LINE:
            m = rx.match(line)
            if m:
                kind = name
                if name == "heading":
                    level, body = len(m.group(1)), m.group(2)
                else:
                    body = m.group(1)
                break
        prev = blocks[-1] if blocks else None
        lines = [_inline(cell) for cell in table_cells(body)] if kind == "table" else [_inline(body)]
        if kind == "table":
            if prev is not None and prev.kind == "table":
                prev.rows.append(lines)
            else:
                blocks.append(Block(kind, level, [], [lines]))
        elif kind != "heading" and prev is not None and prev.kind == kind:
            prev.lines.append(lines[0])
        else:
            blocks.append(Block(kind, level, lines))
    return [b for b in blocks if b.kind != "break"]


def to_html(md: str, title: str) -> str:
    return environment(True).get_template("draft_document.html.j2").render(title=title, blocks=markdown_blocks(md))


def to_txt(md: str) -> str:
    out: list[str] = []
    for raw in md.splitlines():
        line = raw.replace("**", "").replace("`", "")
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            text = m.group(2)
            under = "=" if len(m.group(1)) == 1 else "-" if len(m.group(1)) == 2 else ""
            out.append(text.upper() if len(m.group(1)) <= 2 else text)
            if under:
                out.append(under * min(len(text), 78))
            continue
        if line.startswith(">"):
            line = "    " + line[1:].lstrip()
        out.append(line)
    return "\n".join(out).strip() + "\n"


def convert(md: str, fmt: str, title: str) -> str:
    if fmt == "md":
        return md
    if fmt == "txt":
        return to_txt(md)
    if fmt == "html":
        return to_html(md, title)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
