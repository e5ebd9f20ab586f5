"""The model gateway end to end, offline: record real HTTP exchanges with a fake
OpenAI-compatible server on 127.0.0.1 into a temporary cassette folder, stop the server,
replay them with record mode `none`; retries, typed errors and the answer cache.

The fake server plays a model that reads the item it is sent and answers with the item
heading's request and decision word, which is what the LLM extractor validates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fake_openai import completion, serve
from pydantic import BaseModel

from imr_assist.assets import bundled_dir
from imr_assist.errors import AnswerRejected, EndpointFailing, KeyRejected, NoRecording
from imr_assist.extractors.llm import LLMExtractor
from imr_assist.model import Ledger, open_model
from imr_assist.model.config import MANIFEST
from imr_assist.reading import Document, read_document
from imr_assist.settings import Settings

LETTER = bundled_dir("letters") / "000_ab6402283f960931.txt"
HEADING = re.compile(r"^(?P<request>[^\n:]+?)\s*:\s*(?P<decision>Upheld|Overturned)\b", re.MULTILINE)


def _answer_for(prompt: str) -> str:
    """What the fake model says about the item in `prompt`: its heading's request and word."""
    item = prompt.split('"""')[1]
    m = HEADING.search(item)
    if m is None:
        return "{}"
    upheld = m["decision"] == "Upheld"
    return json.dumps({
        "request": m["request"].strip(), "decision_quote": m["decision"], "category": "other",
        "denial_reasons": ["other"] if upheld else [],
    })  # fmt: skip


@pytest.fixture
def fake_server() -> Iterator[tuple[str, list[bytes]]]:
    def answer(body: dict) -> str:  # the message that carries the item (a re-ask adds others after it)
        return _answer_for(next(m["content"] for m in body["messages"] if '"""' in m["content"]))

    with serve(answer) as server:
        yield server


def test_record_then_replay_offline(fake_server, tmp_path: Path) -> None:
    base_url, seen = fake_server
    cassettes = tmp_path / "cassettes"
    doc = read_document(LETTER)

    recording = Settings.resolve(env={}, model="fake", base_url=base_url, mode="json", cassettes=cassettes,
                                 record_mode="all", use_cache=False, api_key="sk-test-secret-0123456789")  # fmt: skip
    ledger = Ledger()
    recorded = LLMExtractor(recording, ledger).extract(doc)
    assert seen, "nothing reached the fake server"
    assert [it.provenance.get("request") for it in recorded.items] == ["llm:fake"] * len(recorded.items)
    cassette = cassettes / f"{recorded.letter_id}.yaml"
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    assert len(interactions) == len(seen) == len(recorded.items)
    assert "sk-test-secret" not in cassette.read_text()  # the key is scrubbed from the recording
    assert ledger.letters[recorded.letter_id].calls == len(seen)

    (cassettes / MANIFEST).write_text(json.dumps({"model": "fake", "mode": "json", "base_url": base_url}))
    fake_server_calls = len(seen)
    replay = Settings.resolve(env={"IMR_ASSIST_CASSETTES": str(cassettes), "IMR_ASSIST_RECORD_MODE": "none"})
    replayed = LLMExtractor(replay).extract(doc)
    assert replayed.model_dump() == recorded.model_dump()
    assert len(seen) == fake_server_calls  # the replay sent nothing

    changed = Document(text=doc.text.replace("refill", "refills"), source=doc.source)
    with pytest.raises(NoRecording, match="no recorded answer"):
        LLMExtractor(replay).extract(changed)


class Tiny(BaseModel):
    word: str


def _mock_model(handler, ledger: Ledger | None = None, **settings):
    base = {"model": "m", "base_url": "http://127.0.0.1:8080/v1", "mode": "json", "use_cache": False}
    s = Settings.resolve(env={}, **{**base, **settings})
    return open_model(s, ledger, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_transient_failure_is_retried_and_counted() -> None:
    statuses = [503, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0)
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "busy"}})
        return httpx.Response(200, json=completion(json.dumps({"word": "ok"})))

    ledger = Ledger()
    model = _mock_model(handler, ledger)
    with model.session("letter-1"):
        answer = model.ask([{"role": "user", "content": "say ok"}], Tiny)
    assert answer.value.word == "ok" and not statuses
    assert ledger.letters["letter-1"].prompt_tokens == 10


@pytest.mark.parametrize(("status", "error"), [(401, KeyRejected), (429, EndpointFailing)])
def test_http_status_becomes_a_typed_error(status: int, error: type) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": "no"}})

    model = _mock_model(handler, time_budget=0.5)
    with pytest.raises(error, match=r"model endpoint http://127\.0\.0\.1:8080/v1"):
        model.ask([{"role": "user", "content": "x"}], Tiny)


def test_answers_that_never_validate_are_rejected_with_usage() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=completion(json.dumps({"other": 1})))

    model = _mock_model(handler, max_retries=1)
    with pytest.raises(AnswerRejected) as info:
        model.ask([{"role": "user", "content": "x"}], Tiny)
    assert len(calls) == 2 and info.value.usage is not None and info.value.usage.calls == 2
    assert str(info.value).startswith("after 2 attempts: word: Field required")


def test_answer_cache_in_the_cache_root(tmp_path: Path) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=completion(json.dumps({"word": "ok"})))

    model = _mock_model(handler, use_cache=True, cache_root=tmp_path)
    first = model.ask([{"role": "user", "content": "x"}], Tiny)
    again = model.ask([{"role": "user", "content": "x"}], Tiny)
    assert (first.cached, again.cached, again.value.word, len(calls)) == (False, True, "ok", 1)
    assert list((tmp_path / "llm").rglob("*.json"))
