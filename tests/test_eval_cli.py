"""`imr-assist eval` end to end with stand-in extractors: gate, reports, bad input, compare."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist.cli import app, evaluate
from imr_assist.evaluation import runner
from imr_assist.evaluation.thresholds import default_thresholds_path, load_thresholds
from imr_assist.reading import Document
from imr_assist.schema import Record

LETTER = """Case Number: CM99-0000001
Date of Injury: 10/13/2016
The injured worker is a 48-year-old male.
Item 1: Baclofen 10mg #60 with 1 refill is Upheld.
Item 2: MRI of the right shoulder is Overturned.
"""
GOLD = {
    "letter_id": "CM99-0000001",
    "case_number": "CM99-0000001",
    "patient": {"age": 48, "sex": "male", "date_of_injury": "2016-10-13"},
    "items": [
        {"request": "Baclofen 10mg #60 with 1 refill", "decision": "upheld"},
        {"request": "MRI of the right shoulder", "decision": "overturned"},
    ],
}
FLOORS = """
[stub.custom]
item_f1 = 1.0
decision_accuracy = 1.0
field_accuracy = 0.95
grounding = 0.95
"""


class GoldEcho:
    """Returns the gold record with spans found in the text; `break_decision` flips one."""

    name = "stub"

    def __init__(self, break_decision: bool = False) -> None:
        self.break_decision = break_decision

    def extract(self, doc: Document) -> Record:
        rec = Record.model_validate(copy.deepcopy(GOLD))
        for item in rec.items:
            start = doc.text.index(item.request)
            item.spans = {"request": (start, start + len(item.request))}
        i = doc.text.index("CM99")
        rec.spans = {"case_number": (i, i + 12)}
        if self.break_decision:
            rec.items[1].decision = "upheld"
        return rec


class Crashes:
    name = "stub"

    def extract(self, doc: Document) -> Record:
        raise RuntimeError("parser bug\nsecond line")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "gold").mkdir()
    (tmp_path / "letters").mkdir()
    (tmp_path / "gold" / "CM99-0000001.json").write_text(json.dumps(GOLD))
    (tmp_path / "letters" / "CM99-0000001.txt").write_text(LETTER)
    (tmp_path / "floors.toml").write_text(FLOORS)
    return tmp_path


def run(args: list[str], extractor: object | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    if extractor is not None and monkeypatch is not None:
        monkeypatch.setattr(runner, "open_extractor", lambda name: extractor)
    return CliRunner().invoke(app, ["eval", *args], catch_exceptions=False)


def base_args(folder: Path) -> list[str]:
    return [
        "--gold",
        str(folder / "gold"),
        "--extractor",
        "stub",
        "--thresholds",
        str(folder / "floors.toml"),
        "--report",
        str(folder / "out"),
    ]


def test_perfect_extractor_passes_and_writes_reports(folder: Path, monkeypatch) -> None:
    result = run(base_args(folder), GoldEcho(), monkeypatch)
    assert result.exit_code == 0, result.output
    report = json.loads((folder / "out" / "report.json").read_text())
    suite = report["suites"]["custom"]
    assert suite["metrics"]["item_f1"] == 1.0
    assert suite["metrics"]["grounding"] == 1.0
    letter = suite["letters"][0]
    assert letter["letter_id"] == "CM99-0000001"
    assert letter["source"].endswith("CM99-0000001.txt")
    assert letter["gold"] == GOLD
    assert letter["predicted"]["items"][0]["request"] == "Baclofen 10mg #60 with 1 refill"
    assert letter["mismatches"] == []
    assert "all thresholds met" in result.output
    assert "| custom |" in (folder / "out" / "report.md").read_text()


def test_one_wrong_field_makes_eval_exit_non_zero(folder: Path, monkeypatch) -> None:
    result = run(base_args(folder), GoldEcho(break_decision=True), monkeypatch)
    assert result.exit_code == 1
    report = json.loads((folder / "out" / "report.json").read_text())
    assert report["gate"]["passed"] is False
    missed = {r["metric"] for r in report["gate"]["rows"] if not r["ok"]}
    assert "decision_accuracy" in missed
    mm = report["suites"]["custom"]["letters"][0]["mismatches"]
    assert [(m["item"], m["field"], m["gold"], m["predicted"]) for m in mm] == [
        ("MRI of the right shoulder", "decision", "overturned", "upheld")
    ]
    assert "threshold missed" in result.output


def test_rules_extractor_with_one_field_broken_fails_the_bundled_gate(tmp_path, monkeypatch):
    """The real rules extractor on the bundled gold suite and bundled thresholds, with one
    decision flipped: eval must exit non-zero and name the flipped field."""
    from imr_assist.extractors import get_extractor

    real = get_extractor("rules")

    class OneFieldWrong:
        name = "rules"

        def extract(self, doc: Document) -> Record:
            rec = real.extract(doc)
            if doc.stem == "000_ab6402283f960931":
                item = rec.items[0]
                item.decision = "overturned" if item.decision == "upheld" else "upheld"
            return rec

    result = run(["--suite", "gold", "--report", str(tmp_path)], OneFieldWrong(), monkeypatch)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert not report["gate"]["passed"]
    assert "decision" in {m["field"] for m in report["suites"]["gold"]["letters"][0]["mismatches"]}


def test_crashing_extractor_is_scored_not_a_traceback(folder: Path, monkeypatch) -> None:
    result = run(base_args(folder), Crashes(), monkeypatch)
    assert result.exit_code == 1
    letter = json.loads((folder / "out" / "report.json").read_text())["suites"]["custom"]["letters"][0]
    assert letter["error"].endswith(": could not be extracted (RuntimeError: parser bug); please report this letter")
    assert letter["metrics"]["item_recall"] == 0.0


def test_letters_named_by_case_number_match_gold_named_otherwise(folder: Path, monkeypatch):
    (folder / "gold" / "CM99-0000001.json").rename(folder / "gold" / "some_other_stem.json")
    result = run(base_args(folder), GoldEcho(), monkeypatch)
    assert result.exit_code == 0, result.output


def test_compare_shows_what_got_worse(folder: Path, monkeypatch) -> None:
    assert run(base_args(folder), GoldEcho(), monkeypatch).exit_code == 0
    old = folder / "old.json"
    (folder / "out" / "report.json").rename(old)
    result = run([*base_args(folder), "--compare", str(old)], GoldEcho(True), monkeypatch)
    comp = json.loads((folder / "out" / "report.json").read_text())["comparison"]
    assert len(comp["new"]) == 1 and comp["fixed"] == []
    row = next(r for r in comp["metrics"] if r["metric"] == "decision_accuracy")
    assert row["delta"] == pytest.approx(-0.5)
    assert "1 new" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gold", "/no/such/dir"], "gold folder not found"),
        (["--suite", "nope"], "unknown suite"),
        (["--compare", "/no/such/report.json", "--suite", "gold"], "no such report"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, monkeypatch) -> None:
    result = run(args, GoldEcho(), monkeypatch)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_malformed_gold_is_one_line_exit_2(folder: Path, monkeypatch) -> None:
    (folder / "gold" / "CM99-0000001.json").write_text('{"items": [{"decision": "maybe"}]}')
    result = run(base_args(folder), GoldEcho(), monkeypatch)
    assert result.exit_code == 2
    assert "gold does not match the record schema" in result.output


def test_html_without_the_review_module_fails_in_one_line(folder: Path, monkeypatch) -> None:
    monkeypatch.setattr(evaluate, "HTML_MODULE", "imr_assist.no_such_pkg.eval_page")
    result = run([*base_args(folder), "--html"], GoldEcho(), monkeypatch)
    assert result.exit_code == 2
    assert "--html needs" in result.output


def test_bundled_thresholds_keep_the_issue_floors() -> None:
    floors = load_thresholds(default_thresholds_path())["rules"]
    judgement = {  # issue 13: reasons, findings, category
        "category_accuracy": 0.98,
        "denial_reasons_f1": 0.85,
        "upheld_with_reason": 0.97,
        "findings_recall": 0.85,
        "findings_precision": 0.75,
        "finding_span_exact": 1.0,
    }
    structural = {"item_f1": 1.0, "decision_accuracy": 1.0, "field_accuracy": 0.95, "grounding": 0.95}
    assert set(floors["gold"]) == {*structural, *judgement}
    for metric, floor in {**structural, **judgement}.items():  # floors may rise, never fall
        assert floors["gold"][metric] >= floor, ("gold", metric)
    for suite in ("corpus-txt", "corpus-pdf"):
        assert floors[suite]["item_f1"] >= 0.98
        assert floors[suite]["decision_accuracy"] == 1.0
        assert floors[suite]["header_accuracy"] >= 0.98
        for metric, floor in judgement.items():
            assert floors[suite][metric] >= floor, (suite, metric)


# ---------------------------------------------------------------- issue 18, item 5: own gold is gated

FLIP = {"upheld": "overturned", "overturned": "upheld"}


def _own_gold(root: Path, planted_share: float) -> tuple[Path, int]:
    """The bundled gold and letters copied as a user's folder, with `planted_share` of the
    decisions (every item, in order, whose running share falls behind) turned around."""
    from imr_assist.assets import bundled_dir

    gold, letters = root / "my" / "gold", root / "my" / "letters"
    gold.mkdir(parents=True)
    letters.mkdir()
    planted = seen = 0
    for path in sorted(bundled_dir("gold").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for item in record["items"]:
            seen += 1
            if planted < planted_share * seen:
                item["decision"] = FLIP[item["decision"]]
                planted += 1
        (gold / path.name).write_text(json.dumps(record), encoding="utf-8")
        letter = bundled_dir("letters") / f"{path.stem}.txt"
        (letters / letter.name).write_bytes(letter.read_bytes())
    return gold, planted


def test_own_gold_with_wrong_decisions_is_gated_by_the_default_floors(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no eval/ folder here: the floors come with the package
    gold, planted = _own_gold(tmp_path, 0.4)
    assert planted >= 4
    result = run(["--gold", str(gold), "--report", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "not gated" not in result.output and "threshold missed" in result.output
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["gate"]["rows"]
    missed = {(r["suite"], r["metric"]) for r in rows if not r["ok"]}
    assert ("custom", "decision_accuracy") in missed


def test_own_gold_that_is_right_passes_the_default_floors(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    gold, _ = _own_gold(tmp_path, 0.0)
    result = run(["--gold", str(gold), "--report", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["gate"]["rows"]
    assert {r["metric"] for r in rows} >= {"item_f1", "decision_accuracy"} and all(r["ok"] for r in rows)
    assert "all thresholds met" in result.output


def test_min_sets_a_floor_on_the_command_line(folder: Path, monkeypatch) -> None:
    (folder / "none.toml").write_text("")  # no floors at all: only --min gates
    args = ["--gold", str(folder / "gold"), "-e", "stub", "--thresholds", str(folder / "none.toml"),
            "--report", str(folder / "out")]  # fmt: skip
    assert "not gated" in run(args, GoldEcho(break_decision=True), monkeypatch).output
    result = run([*args, "--min", "decision_accuracy=0.9", "--min", "item_f1=1"], GoldEcho(True), monkeypatch)
    assert result.exit_code == 1
    rows = json.loads((folder / "out" / "report.json").read_text())["gate"]["rows"]
    gate = {(r["metric"], r["floor"], r["ok"]) for r in rows}
    assert gate == {("decision_accuracy", 0.9, False), ("item_f1", 1.0, True)}


@pytest.mark.parametrize(("spec", "message"), [("decision_accuracy", "use METRIC=VALUE"),
                                               ("decision_accuracy=high", "is not a number"),
                                               ("no_such_metric=0.5", "unknown metric 'no_such_metric'")])  # fmt: skip
def test_bad_min_is_one_line_exit_2(folder: Path, monkeypatch, spec: str, message: str) -> None:
    result = run([*base_args(folder), "--min", spec], GoldEcho(), monkeypatch)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_several_extractors_are_scored_side_by_side(tmp_path, monkeypatch):
    """`eval -e rules,llm,hybrid` on the bundled gold (llm and hybrid replayed from the
    recorded cassettes): one report folder and one gate per extractor, and one table
    comparing them on every score, the judgement fields included."""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(root / "cassettes"))
    monkeypatch.setenv("IMR_ASSIST_RECORD_MODE", "none")
    out = tmp_path / "side"
    result = CliRunner().invoke(
        app, ["eval", "-e", "rules,llm,hybrid", "--suite", "gold", "--report", str(out)], terminal_width=160
    )
    assert result.exit_code == 0, result.output
    reports = {name: json.loads((out / name / "report.json").read_text()) for name in ("rules", "llm", "hybrid")}
    assert {r["extractor"] for r in reports.values()} == {"rules", "llm", "hybrid"}
    assert "extractors side by side" in result.output
    table = result.output[result.output.index("extractors side by side") :]
    for label in ("denial reasons F1", "findings R", "category accuracy"):
        row = next(line for line in table.splitlines() if label in line)
        shown = [_n(reports[name]["suites"]["gold"]["metrics"][m]) for name, m in
                 zip(("rules", "llm", "hybrid"), [_METRIC[label]] * 3, strict=True)]  # fmt: skip
        assert [c for c in row.replace("│", " ").split() if c.replace(".", "").isdigit()] == shown, row
    assert "rules: all thresholds met" in result.output and "hybrid: all thresholds met" in result.output


_METRIC = {
    "denial reasons F1": "denial_reasons_f1",
    "findings R": "findings_recall",
    "category accuracy": "category_accuracy",
}


def _n(value: float) -> str:
    return f"{100 * value:.1f}"


def test_compare_takes_one_extractor(folder: Path, monkeypatch) -> None:
    result = run([*base_args(folder), "-e", "rules,llm", "--compare", str(folder / "x.json")], GoldEcho(), monkeypatch)
    assert result.exit_code == 2 and "one --extractor" in result.output
