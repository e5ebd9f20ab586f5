"""Measure issue 17's "Done when" on every letter with judgement gold (the 3 bundled letters
and the 64 corpus letters): render the worker's summary (English and Spanish), the
resubmission and the appeal for each, and count what the issue asks for.

    python eval/drafts.py                 # table; exit 1 when a floor is missed
    python eval/drafts.py --json out.json # also every per-letter figure
    python eval/drafts.py --no-index      # resubmissions without the demo decision index

What is counted (gold = the letter's gold file; a gold finding "appears" when its text,
whitespace collapsed, is in the document):
- outputs with a "did not fit our usual groups" line (must be 0);
- gold findings of gold-upheld items that appear in the resubmission and in the appeal
  (floor: all), and the same for the findings the extractor found (the drafts' own input);
- upheld opioid / benzodiazepine / muscle-relaxant items whose summary section has the
  safety line (floor: all);
- resubmissions stating the 12-month rule, its citation, the computed date (when the letter
  gives the UR date) and the RFA steps; appeals stating verification, the standard, the
  remedy and rule 10575's steps (floor: all);
- Spanish summaries: written for every letter, Fernández Huerta >= the summary's floor;
  English summaries: Flesch-Kincaid grade <= 8 (both measured on the tool's own words; the
  grade with the reviewer's quoted findings included is reported beside it);
- every document passing its faithfulness checks.
Figures are reported for all 67 letters and for the corpus letters decided in 2017
(CM17-*, 42 letters), which none of the drafting wording was written against.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_assist.api import extract_path
from imr_assist.assets import bundled_dir
from imr_assist.drafting import render_draft, render_summary
from imr_assist.drafting.build import MAX_GRADE, MIN_SPANISH_EASE, DraftResult
from imr_assist.drafting.data import citation_texts
from imr_assist.drafting.readability import summary_grade
from imr_assist.drafting.text import long_date
from imr_assist.schema import Record

SAFETY_CLASSES = ("opioid", "benzodiazepine", "muscle_relaxant")
UNCLASSIFIED = "did not fit our usual groups"
RESUBMISSION_MUST = {"the rule": "12-month rule", "RFA steps": "DWC Form RFA"}
APPEAL_MUST = {
    "verification": "must be verified",
    "standard": "clear and convincing evidence",
    "remedy": "new IMR by a different reviewer",
    "rule 10575 caption": "Petition Appealing Administrative Director's Independent Medical Review Determination",
    "rule 10575 service": "serve the IMR Unit",
    "rule 10575 waiver": "a ground not raised is waived",
    "ADJ number": "WCAB case number (ADJ)",
    "IMR case number": "IMR case number",
}


def letters() -> list[tuple[Path, Path]]:
    pairs = [(p, bundled_dir("gold") / f"{p.stem}.json") for p in sorted(bundled_dir("letters").glob("*.txt"))]
    corpus = bundled_dir("corpus")
    pairs += [(p, corpus / "gold" / f"{p.stem}.json") for p in sorted((corpus / "txt").glob("*.txt"))]
    return [(p, g) for p, g in pairs if g.exists()]


def flat(text: str) -> str:
    return " ".join(text.split())


def gold_text(f: Any) -> str:
    """A gold finding as text, whitespace collapsed, without the sentence's closing stop
    (drafts quote a finding as a clause, without it)."""
    return flat(f["text"] if isinstance(f, dict) else str(f)).rstrip(" .;,")


def _pair(record: Record, request: str) -> int | None:
    """The record's item for a gold item: same request text, else the most similar one."""
    from rapidfuzz import fuzz

    scores = [fuzz.ratio(flat(it.request).lower(), flat(request).lower()) for it in record.items]
    best = max(range(len(scores)), key=scores.__getitem__) if scores else None
    return best if best is not None and scores[best] >= 80 else None


def item_section(md: str, n: int) -> str:
    """The Markdown under "### Item n:" (or "### Punto n:") up to the next item heading."""
    lines, out, inside = md.splitlines(), [], False
    for line in lines:
        if line.startswith("#"):
            inside = line.lstrip("#").strip().startswith((f"Item {n}:", f"Punto {n}:"))
            continue
        if inside:
            out.append(line)
    return "\n".join(out)


@dataclass
class Tally:
    hit: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.hit += ok
        if not ok:
            self.misses.append(what)

    @property
    def rate(self) -> float:
        return 100.0 * self.hit / self.total if self.total else 100.0


@dataclass
class Figures:
    letters: int = 0
    unclassified_lines: int = 0
    gold_in_resubmission: Tally = field(default_factory=Tally)
    gold_in_appeal: Tally = field(default_factory=Tally)
    found_in_both: Tally = field(default_factory=Tally)
    safety: Tally = field(default_factory=Tally)
    resubmission_law: Tally = field(default_factory=Tally)
    appeal_law: Tally = field(default_factory=Tally)
    spanish: Tally = field(default_factory=Tally)
    english_grade: Tally = field(default_factory=Tally)
    checks: Tally = field(default_factory=Tally)
    grades: list[float] = field(default_factory=list)
    grades_with_quotes: list[float] = field(default_factory=list)
    spanish_ease: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def measure(path: Path, gold_path: Path, index: Any, figs: list[Figures]) -> dict[str, Any]:
    t0 = time.perf_counter()
    record = extract_path(path)
    text = path.read_text(encoding="utf-8")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    docs: dict[str, DraftResult] = {
        "summary": render_summary(record, text),
        "summary_es": render_summary(record, text, lang="es"),
    }
    upheld = any(it.decision == "upheld" for it in record.items)
    if upheld:
        docs["resubmission"] = render_draft(record, text, "resubmission", index=index)
        docs["appeal"] = render_draft(record, text, "appeal")
    seconds = time.perf_counter() - t0
    row: dict[str, Any] = {"letter": path.stem, "seconds": round(seconds, 3), "failed_checks": {}}
    for f in figs:
        f.letters += 1
        f.seconds.append(seconds)
        for name, d in docs.items():
            f.unclassified_lines += UNCLASSIFIED in d.markdown
            f.checks.add(d.ok, f"{path.stem} {name}: " + "; ".join(c.name for c in d.checks if not c.ok))
        f.grades.append(docs["summary"].grade or 0.0)
        f.grades_with_quotes.append(summary_grade(docs["summary"].markdown))
        f.english_grade.add((docs["summary"].grade or 0.0) <= MAX_GRADE, path.stem)
        ease = docs["summary_es"].readability.get("fernandez_huerta", 0.0)
        f.spanish_ease.append(ease)
        f.spanish.add(docs["summary_es"].ok and ease >= MIN_SPANISH_EASE, f"{path.stem}: {ease}")
    for name, d in docs.items():
        if not d.ok:
            row["failed_checks"][name] = [f"{c.name}: {c.problems}" for c in d.checks if not c.ok]
    # findings
    for g in gold["items"]:
        if g.get("decision") != "upheld":
            continue
        n = _pair(record, g["request"])
        for finding in g.get("findings") or []:
            want = gold_text(finding)
            for f in figs:
                for kind, tally in (("resubmission", f.gold_in_resubmission), ("appeal", f.gold_in_appeal)):
                    d = docs.get(kind)
                    tally.add(d is not None and want in flat(d.markdown), f"{path.stem} item {n}: {want}")
        if n is None:
            continue
        it = record.items[n]
        if it.drug_class in SAFETY_CLASSES:
            section = item_section(docs["summary"].markdown, n + 1)
            for f in figs:
                f.safety.add("**Safety:**" in section, f"{path.stem} item {n + 1}: {it.request}")
    for it in record.items:
        if it.decision != "upheld":
            continue
        for fnd in it.findings:
            ok = all(flat(fnd.text) in flat(docs[k].markdown) for k in ("resubmission", "appeal"))
            for f in figs:
                f.found_in_both.add(ok, f"{path.stem}: {fnd.text}")
    # the law
    if upheld:
        resub, appeal = docs["resubmission"].markdown, docs["appeal"].markdown
        cites = citation_texts()
        need = dict(RESUBMISSION_MUST)
        rule = [cites["twelve_month_before_2018"], cites["twelve_month_from_2018"]]
        ok_rule = any(c in resub for c in rule)
        missing = [k for k, v in need.items() if v not in resub] + ([] if ok_rule else ["citation"])
        if record.utilization_review_date:
            end = docs["resubmission"].doc.deadline("twelve_month") if docs["resubmission"].doc else None
            if end is None or not end.date or long_date(end.date) not in resub:
                missing.append("computed date")
        missing_appeal = [k for k, v in APPEAL_MUST.items() if v not in appeal]
        for f in figs:
            f.resubmission_law.add(not missing, f"{path.stem}: {missing}")
            f.appeal_law.add(not missing_appeal, f"{path.stem}: {missing_appeal}")
    return row


def report(name: str, f: Figures) -> list[str]:
    def line(label: str, t: Tally) -> str:
        return f"| {label} | {t.hit}/{t.total} | {t.rate:.1f}% |"

    med = statistics.median
    out = [
        f"### {name}: {f.letters} letters",
        "",
        "| figure | count | share |",
        "|---|---|---|",
        f"| outputs with a 'did not fit our usual groups' line | {f.unclassified_lines} | |",
        line("gold findings of upheld items in the resubmission", f.gold_in_resubmission),
        line("gold findings of upheld items in the appeal", f.gold_in_appeal),
        line("extracted findings of upheld items in both drafts", f.found_in_both),
        line("safety line for upheld opioid/benzodiazepine/muscle relaxant", f.safety),
        line("resubmissions with rule, citation, computed date, RFA steps", f.resubmission_law),
        line("appeals with verification, standard, remedy, rule 10575 steps", f.appeal_law),
        line(f"Spanish summaries written, Fernández Huerta >= {MIN_SPANISH_EASE:g}", f.spanish),
        line(f"English summaries at grade <= {MAX_GRADE:g}", f.english_grade),
        line("documents passing every faithfulness check", f.checks),
        "",
        f"English grade (own words): median {med(f.grades):.1f}, max {max(f.grades):.1f}; "
        f"with the quoted findings: median {med(f.grades_with_quotes):.1f}, max {max(f.grades_with_quotes):.1f}",
        f"Spanish Fernández Huerta: median {med(f.spanish_ease):.1f}, min {min(f.spanish_ease):.1f}",
        f"seconds per letter (extract + 4 documents): median {med(f.seconds):.2f}",
        "",
    ]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="write every figure and per-letter row here")
    ap.add_argument("--no-index", action="store_true", help="resubmissions without the demo decision index")
    ap.add_argument("--misses", action="store_true", help="list every miss")
    args = ap.parse_args()
    all_letters, held_out = Figures(), Figures()
    rows = []
    from contextlib import nullcontext

    from imr_assist.demo_index import open_decision_index

    ctx = nullcontext(None) if args.no_index else open_decision_index(None)
    with ctx as index:
        for path, gold in letters():
            figs = [all_letters] + ([held_out] if path.stem.startswith("CM17-") else [])
            rows.append(measure(path, gold, index, figs))
    lines = report("All letters with judgement gold", all_letters) + report("Held out: CM17 corpus letters", held_out)
    print("\n".join(lines))
    tallies = {k: v for k, v in vars(all_letters).items() if isinstance(v, Tally)}
    if args.misses:
        for k, t in tallies.items():
            for m in t.misses:
                print(f"miss {k}: {m}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"all": _dump(all_letters), "held_out_cm17": _dump(held_out), "letters": rows}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    failed = [k for k, t in tallies.items() if t.hit < t.total]
    failed += ["unclassified"] if all_letters.unclassified_lines else []
    if failed:
        print(f"floors missed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("every floor met")
    return 0


def _dump(f: Figures) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in vars(f).items():
        out[k] = {"hit": v.hit, "total": v.total, "misses": v.misses} if isinstance(v, Tally) else v
    return out


if __name__ == "__main__":
    sys.exit(main())
