"""docs/output-contract.md stays true to the schema and the data it describes (issue 18, item 14)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imr_assist import schema

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "output-contract.md"
#: How the doc's "answered by" column writes each `schema.Fix`.
FIX_WORDS = {"document": "document", "change": "change_request", "with the primary": "with_primary"}


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["README.md", "eval/README.md"])
def test_documentation_points_at_the_contract(page: str) -> None:
    """Every mention of the contract is a path to docs/output-contract.md from that page."""
    path = ROOT / page
    mentions = re.findall(r"[\w./-]*output-contract\.md", path.read_text(encoding="utf-8"))
    assert mentions and {(path.parent / m).resolve() for m in mentions} == {DOC.resolve()}


def test_readme_links_the_contract() -> None:
    assert "](docs/output-contract.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "values",
    [schema.FORMATS, schema.DECISIONS, schema.CATEGORIES, schema.DRUG_CLASSES, schema.GUIDELINE_SOURCES,
     schema.DENIAL_REASONS, schema.FIXES],
    ids=["format", "decision", "category", "drug_class", "guideline", "denial_reason", "fix"],
)  # fmt: skip
def test_every_vocabulary_value_is_described(doc: str, values: tuple[str, ...]) -> None:
    assert [v for v in values if f"`{v}`" not in doc] == []


@pytest.mark.parametrize("model", [schema.Record, schema.Item, schema.Patient, schema.Reviewer])
def test_every_key_of_the_record_is_described(doc: str, model: type) -> None:
    prefix = {schema.Patient: "patient.", schema.Reviewer: "reviewer."}.get(model, "")
    missing = [k for k in model.model_fields if not {f"`{prefix}{k}`", f"`{k}`", f"`{k}."} & _quoted(doc)]
    assert missing == []


def test_findings_and_reason_evidence_are_described(doc: str) -> None:
    assert "`{" + ", ".join(schema.Finding.model_fields) + "}`" in doc
    assert all(f"`{k}`" in doc for k in schema.ReasonEvidence.model_fields)


def _quoted(doc: str) -> set[str]:
    """Every `code` span of the doc, and each one's opening up to a dot ("`patient.")."""
    spans = re.findall(r"`[^`\n]+`", doc)
    return set(spans) | {s[: s.index(".") + 1] for s in spans if "." in s}


def test_what_answers_each_reason_matches_the_data(doc: str) -> None:
    fixes = json.loads((ROOT / "src" / "imr_assist" / "data" / "reason_fixes.json").read_text())
    table = doc[doc.index("| code | the reviewer says | answered by |") :].split("\n\n")[0]
    rows = dict(re.findall(r"^ *\| `(\w+)` \|.*\| ([a-z ]+) \|$", table, flags=re.M))
    assert sorted(rows) == sorted(schema.DENIAL_REASONS)
    assert {code: FIX_WORDS[word] for code, word in rows.items()} == {c: fixes[c] for c in schema.DENIAL_REASONS}
