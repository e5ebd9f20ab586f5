"""schemas/*.json are generated from the pydantic models; stale files fail here."""

from pathlib import Path

from imr_assist.schema_export import render_schemas

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_schema_files_are_current() -> None:
    expected = render_schemas()
    assert sorted(p.name for p in SCHEMAS.glob("*.schema.json")) == sorted(expected)
    for name, text in expected.items():
        assert (SCHEMAS / name).read_text() == text, f"{name} is stale: run `imr-assist schema`"


def test_record_schema_has_contract_keys() -> None:
    import json

    record = json.loads(render_schemas()["record.schema.json"])
    for key in ("letter_id", "case_number", "format", "patient", "utilization_review_date", "reviewer", "items"):
        assert key in record["properties"]
