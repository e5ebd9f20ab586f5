"""Why an upheld item was denied: denial reasons v2, each with the sentence it was read from.

A reason is a criterion the reviewer applied to THIS case, so reasons are read from the
rationale as the reader (`rationale.py`) has split and classified it:

- `case` patterns run on the reviewer's findings, the case clauses in front of the
  conclusion and the conclusion itself ("there is no documentation of functional
  improvement", "the claimant has yet to complete any conservative management");
- a guideline statement counts only when its subject is this item (`scope.py`): "Nerve
  conduction studies are not recommended" denies the NCV item, not the EMG item beside it;
- "not recommended" is scoped and read with its condition: "not recommended as a first-line
  therapy" or "until after a trial of ..." is `conservative_care_not_documented`, "not
  recommended for chronic use" is `exceeds_guideline_duration`, "routine use" or "in the
  absence of red flags" is no verdict at all; "recommended as an option, using a short course"
  is never "not recommended";
- a compound denied because one ingredient is not recommended is
  `component_not_recommended`, not a flat "not recommended";
- an ancillary item denied because its primary was ("As the surgery is not medically
  necessary, ...") is `depends_on_denied_request`, when the denied primary is another
  treatment than the item itself.

The phrases are data (`data/denial_reasons.json`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..assets import DATA_DIR
from ..schema import DENIAL_REASONS, FIXES
from .gate import Plan, flatten
from .rationale import Part, Reading, Span
from .scope import ItemScope, item_scope, mentions, object_after, subject_before

_DEPENDS = "depends_on_denied_request"
_ACTIVE_VERB = re.compile(r"(?:do|does|did) not")
_RESTATES = re.compile(r"\b(?:supported|endorsed) by\b")


@dataclass(frozen=True)
class FoundReason:
    """A denial reason, the cleaned-rationale span of the sentence it was read from, and
    what answers it (`data/reason_fixes.json`)."""

    code: str
    span: Span
    #: no phrase matched: `other` stands in, with the first finding as its evidence
    fallback: bool = False

    @property
    def fix(self) -> str:
        return reason_fixes()[self.code]


@lru_cache(maxsize=1)
def reason_fixes() -> dict[str, str]:
    """Reason code -> document | change_request | with_primary."""
    data = json.loads((DATA_DIR / "reason_fixes.json").read_text())
    fixes = {code: fix for code, fix in data.items() if not code.startswith("_")}
    missing = [c for c in DENIAL_REASONS if fixes.get(c) not in FIXES]
    if missing:
        raise RuntimeError(f"data/reason_fixes.json lacks a valid fix for: {missing}")
    return fixes


def explain_denial(
    reading: Reading, request: str, generic_name: str | None, drug_class: str | None
) -> list[FoundReason]:
    """Every upheld item leaves with a reason: the rules' reasons, or `other` with the
    reviewer's first finding (or the last case sentence) as its evidence."""
    compound = drug_class == "compounded_topical" or "/" in (generic_name or "") or "compound" in request.lower()
    found = denial_reasons(reading, item_scope(request, generic_name, drug_class), compound)
    if found:
        return found
    fallback = reading.findings[:1] or [
        (p.start, p.end) for p in reading.parts if p.kind != "guideline"
    ][-1:] or [(p.start, p.end) for p in reading.parts][-1:]
    return [FoundReason("other", fallback[0], fallback=True)] if fallback else []


@dataclass(frozen=True)
class ReasonRules:
    """The phrase families of `data/denial_reasons.json`, named for the rationale gate
    ("case:<code>", "guideline:<code>", "conditional:<code>", "flat", "skip", "component",
    "other"), and the codes in the order they are tried."""

    families: dict[str, list[str]]
    #: (code, family name) pairs, in the order they are tried
    case_families: tuple[tuple[str, str], ...]
    guideline_families: tuple[tuple[str, str], ...]
    conditional: tuple[str, ...]

    @cached_property
    def case_family_names(self) -> tuple[str, ...]:
        return tuple(family for _, family in self.case_families)


@lru_cache(maxsize=1)
def rules() -> ReasonRules:
    data = json.loads((DATA_DIR / "denial_reasons.json").read_text())
    conditional = dict(data["not_recommended"]["conditional"])
    skip = conditional.pop("skip")
    unknown = (set(data["case"]) | set(data["guideline"]) | set(conditional)) - set(DENIAL_REASONS)
    if unknown:
        raise RuntimeError(f"data/denial_reasons.json names codes the schema lacks: {sorted(unknown)}")
    families = {
        **flatten(data["case"], "case"),
        **flatten(data["guideline"], "guideline"),
        **flatten(conditional, "conditional"),
        "flat": data["not_recommended"]["flat"],
        "skip": skip,
        "component": data["component"],
        "other": data["other"],
    }
    return ReasonRules(
        families,
        tuple((c, f"case:{c}") for c in data["case"]),
        tuple((c, f"guideline:{c}") for c in data["guideline"]),
        tuple(conditional),
    )


def denial_reasons(reading: Reading, scope: ItemScope, compound: bool) -> list[FoundReason]:
    """The reasons of an upheld item, in taxonomy order, each with its first evidence."""
    r = rules()
    low = reading.low
    found: dict[str, Span] = {}
    case_spans: list[Span] = []
    component_parts: list[Span] = []
    for part, plan in zip(reading.parts, reading.plans, strict=True):
        s, e = part.start, part.end
        if part.kind in ("finding", "conclusion") or _unmarked(part, low, plan):
            case_spans.append((s, e))
            for code, family in r.case_families:
                if code in found:
                    continue
                m = plan.search(family, low, s, e)
                if m and (code != _DEPENDS or _names_another(low, s, e, m, scope)):
                    found[code] = (s, e)
            if "other" not in found and plan.search("other", low, s, e):
                found["other"] = (s, e)
        if compound and plan.search("component", low, s, e):
            found.setdefault("component_not_recommended", (s, e))
            component_parts.append((s, e))
            continue
        for code, family in r.guideline_families:
            m = plan.search(family, low, s, e)
            if m and scope.covers(subject_before(low, s, m.start())):
                found.setdefault(code, (s, e))
        for code in _not_recommended(low, s, e, plan, scope, part.kind == "conclusion"):
            found.setdefault(code, (s, e))
    # A compound denied for one ingredient is not also flatly "not recommended" (unless the
    # reviewer said so about this case).
    flat = found.get("not_recommended_by_guideline")
    if component_parts and flat is not None and flat not in case_spans:
        del found["not_recommended_by_guideline"]
    return [FoundReason(code, found[code]) for code in DENIAL_REASONS if code in found]


def _not_recommended(low: str, s: int, e: int, plan: Plan, scope: ItemScope, conclusion: bool) -> list[str]:
    """Codes from "X is not recommended" statements in `low[s:e]` whose subject is the item.
    A conclusion's "the request is not supported by the guidelines" restates the outcome;
    it is not the guideline's verdict on the treatment."""
    r = rules()
    codes: list[str] = []
    for m in plan.finditer("flat", low, s, e):
        if conclusion and _RESTATES.search(m.group(0)):
            continue
        active = _ACTIVE_VERB.match(m.group(0))  # "does not recommend X": X follows
        subject = object_after(low, m.end(), e) if active else subject_before(low, s, m.start())
        if not scope.covers(subject):
            continue
        if plan.search("skip", low, s, e):
            return []
        conditional = [code for code in r.conditional if plan.search(f"conditional:{code}", low, s, e)]
        codes += conditional or ["not_recommended_by_guideline"]
    return codes


def _unmarked(part: Part, low: str, plan: Plan) -> bool:
    """A sentence the reader files as guideline text only because it names no patient and no
    record ("Sleep did not improve and remained 8/10 ...", "Refills are not supported"): it
    holds no guideline cue either, so the case phrases are read in it too."""
    return (
        part.kind == "guideline" and not part.quoted
        and plan.holds_words_of(rules().case_family_names)  # else no case phrase can match
        and not any(plan.search(f, low, part.start, part.end) for f in _GUIDELINE_CUES)
    )  # fmt: skip


_GUIDELINE_CUES = ("guideline_override", "guideline_strong", "background")


def _names_another(low: str, s: int, e: int, m: re.Match[str], scope: ItemScope) -> bool:
    """Whether a "because the primary was denied" phrase is about another treatment."""
    named = mentions(m.group(0)) or mentions(low[s:e])
    return bool(named - scope.keys)
