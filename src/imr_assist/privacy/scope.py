"""What of a letter a model question about one item may carry: the item's heading,
guideline lines and rationale, never the closing matter that follows the last item.

Why: the layout parser ends the last item's block at the end of the letter, so a letter
with a signature, a cc list or an address block after the last rationale would send all
of it with the last item. Masking would catch most of it; not sending it catches all of
it. The item's window ends at the first line that starts closing matter: "cc:",
"Sincerely", "Enclosure", a signature line, or an address block (the lines above a
city-state-ZIP line).
"""

from __future__ import annotations

import re

_CLOSING = re.compile(
    r"(?im)^[ \t]*(?:cc|c\.c\.|bcc|copy[ \t]+to|copies[ \t]+to|enclosures?|encl\.|sincerely"
    r"|respectfully(?:[ \t]+submitted)?|(?:best[ \t]+|kind[ \t]+)?regards|electronically[ \t]+signed|signed[ \t]+by"
    r"|signature)\b[ \t]*[:,]?"
)
_CITY_LINE = re.compile(r"(?m)^[ \t]*[^\W\d_][^\n]*?,?[ \t]+(?:[A-Z]{2}|California)\.?[ \t]+\d{5}(?:-\d{4})?[ \t]*$")


def model_window(text: str, start: int, end: int) -> tuple[int, int]:
    """`[start, end)` of an item's block, ended before any closing matter it runs into.
    The first line (the heading) is always kept."""
    first_break = text.find("\n", start, end)
    if first_break < 0:
        return start, end
    cut = end
    m = _CLOSING.search(text, first_break, end)
    if m:
        cut = m.start()
    c = _CITY_LINE.search(text, first_break, cut)
    if c:
        cut = min(cut, _block_start(text, c.start(), first_break))
    return start, max(first_break, cut)


def _block_start(text: str, line_start: int, floor: int) -> int:
    """The start of the address block ending on the line at `line_start`: up to three
    non-blank lines above it that do not end a sentence."""
    pos = line_start
    for _ in range(3):
        prev_end = pos - 1
        if prev_end <= floor:
            break
        prev_start = max(floor, text.rfind("\n", floor, prev_end) + 1)
        line = text[prev_start:prev_end].strip()
        if not line or line.endswith((".", ":")):
            break
        pos = prev_start
    return pos
