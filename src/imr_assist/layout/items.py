"""Segment the disputed items: where each item's heading, decision, guideline lines and
rationale are, as spans of the letter. One segmenter per item style:

- `decision_headings`: "Request text: Upheld" headings (the DWC final determination
  layout), headings spanning lines and blank lines, colons inside requests, modified
  requests ("X was the original request. ... The remaining IMR eligible portion of the
  original request, Z is: Upheld").
- `numbered_items`: "1. X is not medically necessary and appropriate." or "1) Regarding
  the request for X:" (the MAXIMUS IMR layouts).
- `issue_at_dispute`: "ISSUE AT DISPUTE:" blocks (the medical professional review layout).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .text import (
    Region,
    loose,
    lower_keeping_offsets,
    lowered,
    one_of,
    search_squeezed,
    sentence_spans,
    squeezed_pattern,
)

Span = tuple[int, int]


@dataclass
class ItemBlock:
    """Where one item's parts are in the letter (original offsets)."""

    block: Span
    heading: Span
    request: str
    request_span: Span
    decision: str | None
    decision_span: Span | None
    original_request: tuple[str, Span] | None = None
    authorized_portion: tuple[str, Span] | None = None
    ca_guideline: Span | None = None
    reviewer_guideline: Span | None = None
    rationale: Span | None = None
    notes: list[str] = field(default_factory=list)


# Lines that page breaks repeat inside the items section, never part of an item
# (matched on the lower-cased text).
NOISE = one_of(
    [
        r"IMR ISSUES,? DECISIONS,? AND RATIONALES?",
        r"IMR DECISIONS?\(?S?\)? AND RATIONALES?\(?S?\)?",
        r"The Final Determination was based on decisions for the disputed items\s*/\s*services set forth below:?",
        r"\bPage \d+ of \d+\b",
    ]
)
_NOISE_HINTS = ("imr ", "final determination", "page ")


def strip_noise(s: str, repl: str | Callable[[re.Match[str]], str] = "") -> str:
    """Remove page-break repeats; the substring pre-check skips the regex on most texts."""
    low = lower_keeping_offsets(s)
    if not any(h in low for h in _NOISE_HINTS):
        return s
    parts, last = [], 0
    for m in NOISE.finditer(low):
        parts += [s[last : m.start()], repl(m) if callable(repl) else repl]
        last = m.end()
    return "".join(parts) + s[last:] if parts else s


_PREFIX = re.compile(r"^\s*(?:Associated\s+Surgical\s+Services?|Associated\s+Services?)\s*:\s*", re.IGNORECASE)
_LABEL_PATTERNS = {
    "ca": (
        r"Claims\s+Administrator\s+guidelines?\s*:"
        r"|Medical Treatment Guidelines?\(?s?\)? Relied Upon by the Claims Administrator\s*:?"
        r"|The Claims Administrator (?=based (?:its|their|his|her|his/her) decision)"
        r"|The Claims Administrator (?=did not (?:cite|base))"
    ),
    "rev": (
        r"MAXIMUS\s+guidelines?\s*:"
        r"|Medical Treatment Guidelines?\(?s?\)? Relied Upon by the"
        r" (?:Expert|Physician|Professional) Reviewer\s*:?"
        r"|The (?:Expert|Physician|Professional|Medical) Reviewer (?=based (?:its|their|his|her|his/her) decision)"
        r"|The (?:Expert|Physician|Professional|Medical) Reviewer"
        r" (?=(?:did not (?:cite|base)|found that the guideline))"
    ),
    "rat": (
        r"Decision\s+rationale\s*:"
        r"|The (?:Expert|Physician|Professional|Medical) Reviewer'?s decision rationale\s*:"
        r"|Rationale for the Decision\s*:"
        r"|RATIONALE FOR WHY THE REQUESTED TREATMENT\s*/?\s*SERVICE IS\s*/?\s*(?:WAS\s*)?(?:NOT\s*)?"
        r"MEDICALLY NECESSARY\s*:?"
    ),
}
_LABELS = {key: loose(p) for key, p in _LABEL_PATTERNS.items()}
#: The same labels with words that text extraction broke ("MAXIM US guideline:").
_BROKEN_LABELS = {key: squeezed_pattern(p) for key, p in _LABEL_PATTERNS.items()}


def label_spans(region: Region, block: Span) -> dict[str, Span | None]:
    """Within a block (original offsets), the spans of the CA guideline, reviewer
    guideline and rationale texts, each running to the next label or the block end."""
    text = region.text
    low = lowered(text)
    found: list[tuple[int, int, str]] = []
    for key, pattern in _LABELS.items():
        m = pattern.search(low, *block)
        at = (m.start(), m.end()) if m else search_squeezed(_BROKEN_LABELS[key], text, *block)
        if at:
            found.append((*at, key))
    found.sort()
    out: dict[str, Span | None] = {"ca": None, "rev": None, "rat": None}
    for i, (_a, b, key) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) and key != "rat" else block[1]
        while b < end and text[b].isspace():
            b += 1
        while end > b and text[end - 1].isspace():
            end -= 1
        out[key] = (b, end) if end > b else None
    return out


# ------------------------------------------------------------------ DWC layout

#: After a decision word: only spaces or a period to the line end.
_DECISION_TAIL = re.compile(r"\b[ \t.]*(?=\n|$)")
_BEFORE_DECISION = re.compile(r"(?:\s+is)?\s*:\s*$")


@dataclass
class _Mark:
    """A decision heading's end: where its ': Upheld' starts and the decision word."""

    start_: int
    end_: int
    d: tuple[int, int]
    word: str

    def start(self) -> int:
        return self.start_

    def end(self) -> int:
        return self.end_


def _decision_marks(text: str, a: int, b: int) -> list[_Mark]:
    """Decision words alone at a line end, preceded by a colon (and maybe 'is')."""
    marks = []
    low = lowered(text)
    for start, word in _decision_words(low, a, b):
        if start > 0 and low[start - 1].isalpha() and low[start - 1].isascii():
            continue
        tail = _DECISION_TAIL.match(low, start + len(word), b)
        if not tail:
            continue
        before = _BEFORE_DECISION.search(low, max(a, start - 40), start)
        if before and text[before.start() : start].strip().endswith(":"):
            marks.append(_Mark(before.start(), tail.end(), (start, start + len(word)), word))
    return marks


def _decision_words(low: str, a: int, b: int) -> list[tuple[int, str]]:
    """Where 'upheld' and 'overturned' occur in `low[a:b]`, in order (`str.find` scans
    for the two words far faster than a regex trying every 'u' and 'o')."""
    found = []
    for word in ("upheld", "overturned"):
        i = low.find(word, a, b)
        while i >= 0:
            found.append((i, word))
            i = low.find(word, i + len(word), b)
    return sorted(found)


_INTRO = re.compile(r"set forth below\s*:")
_MODIFIED = re.compile(
    r"^(?P<orig>.+?)\s+was\s+the\s+original\s+request\.?\s*"
    r"(?:(?P<auth1>.+?)\s+was\s+authorized\s+by\s+the\s+Claims\s+Administrator\.?"
    r"|The\s+Claims\s+Administrator\s+authorized\s+(?P<auth2>.+?),?\s+leaving\s+the\s+original\s+request\s+IMR\s+eligible\.?)?"
    r"\s*(?:The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|The\s+original\s+request)"
    r",?\s*(?P<req>.+?)\s*$",
    re.IGNORECASE,
)


def decision_headings(region: Region) -> list[ItemBlock]:
    """Items whose heading ends in ': Upheld' / ': Overturned' on its own line."""
    text = region.text
    marks = _decision_marks(text, region.start, region.end)
    if not marks:
        return []
    intro = _INTRO.search(lowered(text), region.start, marks[0].start())
    anchor = intro.end() if intro else region.start
    blocks: list[ItemBlock] = []
    starts: list[int] = []
    for m in marks:
        head = _heading(region, anchor, m)
        if head is None:
            continue
        blocks.append(head)
        starts.append(head.heading[0])
        anchor = m.end()
    for i, b in enumerate(blocks):
        end = starts[i + 1] if i + 1 < len(starts) else region.end
        b.block = (b.heading[0], end)
        labels = label_spans(region, (b.heading[1], end))
        b.ca_guideline, b.reviewer_guideline, b.rationale = labels["ca"], labels["rev"], labels["rat"]
    return blocks


def _heading(region: Region, anchor: int, m: _Mark) -> ItemBlock | None:
    """Find where the heading that ends at match `m` starts: after the last sentence end
    before it (or, for a modified request, at the sentence with 'was the original request')."""
    anchor = max(anchor, _line_start(region.text, m.start() - _HEADING_WINDOW))
    pre = Region(region.text, anchor, m.start())
    s = pre.clean
    s_no_noise = strip_noise(s, lambda x: "." + " " * (len(x.group(0)) - 1))
    spans = sentence_spans(s_no_noise)
    if not spans:
        return None
    h_start = spans[-1][0]
    head = s[h_start:]
    head_low = head.lower()
    if ("original request" in head_low or "imr eligible" in head_low) and "was the original request" not in head_low:
        k = pre.low.rfind("was the original request")
        if k >= 0:
            for a, b in spans:
                if a <= k < b:
                    h_start = a
                    break
    head = s[h_start:].strip()
    if not head:
        return None
    decision = m.word.lower()
    d_span = m.d
    heading_span = pre.span(h_start, len(s))
    item = ItemBlock(
        block=heading_span, heading=(heading_span[0], m.end()), request="", request_span=heading_span,
        decision=decision, decision_span=d_span,
    )  # fmt: skip
    mod = _MODIFIED.match(head)
    if mod:
        base = h_start + (len(s[h_start:]) - len(s[h_start:].lstrip()))
        item.original_request = (_tidy(mod.group("orig")), pre.span(base + mod.start("orig"), base + mod.end("orig")))
        g = "auth1" if mod.group("auth1") else ("auth2" if mod.group("auth2") else None)
        if g:
            item.authorized_portion = (_tidy(mod.group(g)), pre.span(base + mod.start(g), base + mod.end(g)))
        req_a, req_b = base + mod.start("req"), base + mod.end("req")
    else:
        req_a, req_b = h_start, len(s)
    req = s[req_a:req_b]
    p = _PREFIX.match(req)
    if p:
        req_a += p.end()
    req = s[req_a:req_b].strip()
    req_b = req_a + len(req)
    item.request = _tidy(req)
    item.request_span = pre.span(req_a, req_b)
    return item


#: How far before ': Upheld' a heading may start (the longest modified-request headings
#: are ~500 characters); bounding it keeps the scan off the previous item's rationale.
_HEADING_WINDOW = 700


def _line_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    return text.rfind("\n", 0, pos) + 1


def _tidy(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip(" ,;")


# ------------------------------------------------------------------ MAXIMUS numbered layout

_NUMBERED = re.compile(r"(?m)^[ \t]*(?P<n>\d{1,2})[.)][ \t]+(?=\S)")
_NECESSITY = re.compile(
    r"^(?:MAXIMUS Federal Services,? Inc\.? has determined (?:that )?)?(?:the\s+)?(?:request\s+for\s+)?"
    r"(?P<req>.+?),?\s+(?:is|are|was|were)\s+(?P<neg>not\s+)?medically\s+necessary(?:\s+and\s+appropriate)?\.?$",
    re.IGNORECASE | re.S,
)
_REGARDING = re.compile(r"^Regarding\s+(?:the\s+)?(?:request\s+for\s+)?(?P<req>.+?)\s*:", re.IGNORECASE | re.S)
_CONCLUSION = re.compile(r"(?:is|are|was|were)\s+(?P<neg>not\s+)?medically\s+necessary", re.IGNORECASE)


def numbered_items(region: Region) -> list[ItemBlock]:
    """'1. X is not medically necessary and appropriate.' / '1) Regarding the request for X:'."""
    text = region.text
    cands = list(_NUMBERED.finditer(text, region.start, region.end))
    blocks: list[ItemBlock] = []
    for i, m in enumerate(cands):
        nxt = cands[i + 1].start() if i + 1 < len(cands) else region.end
        sub = Region(text, m.end(), nxt)
        s = sub.clean
        first = sentence_spans(s)[:1]
        if not first:
            continue
        a, b = first[0]
        sent = s[a:b]
        mm = _REGARDING.match(sent) or _REGARDING.match(s)
        nec = _NECESSITY.match(sent)
        if nec:
            req_a, req_b = nec.start("req"), nec.end("req")
            decision: str | None = "upheld" if nec.group("neg") else "overturned"
            d_span = sub.span(nec.end("req"), b)
        elif mm:
            req_a, req_b = mm.start("req"), mm.end("req")
            decision, d_span = None, None
        else:
            continue
        item = ItemBlock(
            block=(m.start(), nxt), heading=sub.span(a, b), request=_tidy(s[req_a:req_b]),
            request_span=sub.span(req_a, req_b), decision=decision, decision_span=d_span,
        )  # fmt: skip
        blocks.append(item)
    if len(blocks) < 1:
        return []
    # An item's block runs to the next accepted item.
    for i, block in enumerate(blocks):
        end = blocks[i + 1].block[0] if i + 1 < len(blocks) else region.end
        block.block = (block.block[0], end)
        labels = label_spans(region, (block.heading[1], end))
        block.ca_guideline, block.reviewer_guideline, block.rationale = labels["ca"], labels["rev"], labels["rat"]
        if block.decision is None:
            _decide_from_rationale(region, block)
    # Numbered summary lists ("1) ... is not medically necessary") repeat later with
    # details; keep the detailed occurrence of each request.
    return _dedupe_by_request(blocks)


def _decide_from_rationale(region: Region, b: ItemBlock) -> None:
    span = b.rationale or b.block
    sub = Region(region.text, *span)
    s = sub.clean
    conclusions = list(_CONCLUSION.finditer(s))
    if conclusions:
        last = conclusions[-1]
        b.decision = "upheld" if last.group("neg") else "overturned"
        b.decision_span = sub.span(last.start(), last.end())


def _dedupe_by_request(blocks: list[ItemBlock]) -> list[ItemBlock]:
    by_req: dict[str, ItemBlock] = {}
    order: list[str] = []
    for b in blocks:
        key = re.sub(r"\W+", " ", b.request.lower()).strip()
        if key in by_req:
            prev = by_req[key]
            if (b.rationale is not None) and (prev.rationale is None):
                by_req[key] = b
            continue
        by_req[key] = b
        order.append(key)
    return [by_req[k] for k in order]


# ------------------------------------------------------------------ medical professional review

_ISSUE = loose(r"ISSUES?\s+(?:AT|IN)\s+DISPUTE\s*:")
_MPR_HEADINGS = loose(
    r"CASE SUMMARY\s*:|RATIONALE FOR WHY|MEDICAL REVIEWER QUALIFICATIONS\s*:|DOCUMENTS REVIEWED|"
    r"ISSUES?\s+(?:AT|IN)\s+DISPUTE\s*:|REFERENCES?\s*:|GUIDELINES?\s*(?:USED|CITED)?\s*:|DETERMINATION\s*:"
)


def issue_at_dispute(region: Region) -> list[ItemBlock]:
    """'ISSUE AT DISPUTE:' lists the request(s); the rationale section decides them, in
    numbered paragraphs matching the list when there are several."""
    text = region.text
    low = lowered(text)
    issues = list(_ISSUE.finditer(low, region.start, region.end))
    blocks: list[ItemBlock] = []
    for i, m in enumerate(issues):
        block_end = issues[i + 1].start() if i + 1 < len(issues) else region.end
        nxt = _MPR_HEADINGS.search(low, m.end(), block_end)
        list_end = nxt.start() if nxt else block_end
        entries = _split_issue_list(text, m.end(), list_end)
        rat = _rationale_section(text, m.end(), block_end)
        parts = _split_issue_list(text, *rat) if rat else []
        per_item = len(parts) == len(entries) and len(entries) > 1
        labels = label_spans(region, (list_end, block_end))
        for k, (start, end) in enumerate(entries):
            sub = Region(text, start, end)
            req = _tidy(re.sub(r"^\s*\d{1,2}[.)]\s*", "", sub.clean))
            req = re.sub(r"^(?:the\s+)?request\s+for\s+", "", req, flags=re.I).rstrip(".")
            if not req:
                continue
            off = sub.clean.find(req)
            rspan = sub.span(off, off + len(req)) if off >= 0 else (start, end)
            item = ItemBlock(
                block=(m.start(), block_end), heading=(start, end), request=req, request_span=rspan,
                decision=None, decision_span=None, rationale=parts[k] if per_item else rat,
                ca_guideline=labels["ca"], reviewer_guideline=labels["rev"],
            )  # fmt: skip
            if per_item:
                item.block = parts[k]
            _decide_mpr(region, item, text, m.end(), block_end)
            blocks.append(item)
    return blocks


def _split_issue_list(text: str, a: int, b: int) -> list[Span]:
    nums = list(re.finditer(r"(?m)^[ \t]*\d{1,2}[.)][ \t]+", text[a:b]))
    if len(nums) >= 2 or (nums and text[a:b].strip().startswith(nums[0].group(0).strip())):
        return [(a + n.start(), a + (nums[i + 1].start() if i + 1 < len(nums) else b - a)) for i, n in enumerate(nums)]
    return [(a, b)] if text[a:b].strip() else []


_RATIONALE_END = loose(r"MEDICAL REVIEWER QUALIFICATIONS|REFERENCES?\s*:")


def _rationale_section(text: str, a: int, b: int) -> Span | None:
    low = lowered(text)
    m = _LABELS["rat"].search(low, a, b)
    if not m:
        return None
    end_m = _RATIONALE_END.search(low, m.end(), b)
    end = end_m.start() if end_m else b
    return (m.end(), end) if end > m.end() else None


def _decide_mpr(region: Region, item: ItemBlock, text: str, a: int, b: int) -> None:
    if item.rationale:
        _decide_from_rationale(region, item)
    if item.decision is None:
        h = _LABELS["rat"].search(lowered(text), a, b)
        if h:
            item.decision = "overturned" if "NOT" not in h.group(0).upper().replace("IS/WAS NOT", "NOT") else "upheld"
            item.decision_span = (h.start(), h.end())


SEGMENTERS = {
    "dwc_final_determination": decision_headings,
    "maximus_imr": numbered_items,
    "medical_professional_review": issue_at_dispute,
}
