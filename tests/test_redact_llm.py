"""Through the real LLM extractor: with redaction on, no planted identifier reaches the
request body a model server on 127.0.0.1 receives; with it off, they all do (so the
check can see them). The stub answers "{}", which never validates: the extractor then
keeps the parser's values, so the test needs no recorded model answers and no key."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fake_openai import serve

from imr_assist.assets import bundled_dir
from imr_assist.reading import Document

llm_extractor = pytest.importorskip("imr_assist.extractors.llm")

LETTER = (bundled_dir("letters") / "000_ab6402283f960931.txt").read_text(encoding="utf-8")
PLANTED = ["Priya Natarajan", "(916) 555-0142", "05-WC-7781234", "maria.gr@example.com", "04/12/1961"]
PLANT = (
    " Per Dr. Priya Natarajan (phone (916) 555-0142, Claim Number: 05-WC-7781234, maria.gr@example.com, "
    "DOB: 04/12/1961), the request was reviewed."
)


@pytest.fixture
def stub_server() -> Iterator[tuple[str, list[bytes]]]:
    with serve(lambda body: "{}") as server:
        yield server


def _planted_letter() -> str:
    anchor = "This request however is not for a weaning treatment"
    assert anchor in LETTER
    return LETTER.replace(anchor, PLANT + " " + anchor, 1)


@pytest.mark.parametrize("redact", [True, False])
def test_llm_extractor_request_bodies(stub_server, tmp_path, monkeypatch, redact: bool) -> None:  # noqa: ANN001
    base_url, bodies = stub_server
    ex = llm_extractor.LLMExtractor(model="stub", base_url=base_url, redact=redact, use_cache=False, max_retries=0)
    text = _planted_letter()
    record = ex.extract(Document(text=text, source="planted.txt"))
    assert len(record.items) == 3
    assert bodies, "the extractor sent nothing to the stub server"
    wire = "\n".join(b.decode("utf-8") for b in bodies)
    leaked = [v for v in PLANTED if v in wire or json.dumps(v)[1:-1] in wire]
    if redact:
        assert leaked == [], leaked
        assert "Percocet" in wire  # the clinical text did go
    else:
        assert leaked == PLANTED  # proves the check can see identifiers when they are sent
