"""Through the real LLM extractor: with redaction on, no planted identifier reaches the
request body a model server on 127.0.0.1 receives; with it off, they all do (so the
check can see them). The stub answers "{}", which never validates: the extractor then
keeps the parser's values, so the test needs no recorded model answers and no key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            payload = json.dumps({
                "id": "c", "object": "chat.completion", "created": 0, "model": "stub",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
            }).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", bodies
    finally:
        server.shutdown()
        server.server_close()


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
