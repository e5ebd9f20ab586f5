"""LLM polish: the validator, the re-ask loop through instructor, and the fallback.

HTTP is stubbed with an httpx MockTransport that plays a scripted OpenAI-compatible
server (no network, no key), handed to the model gateway (`open_model(..., http_client=)`):
these tests pin our validation, fallback and redaction logic. The recorded-cassette test
replays a real exchange with a small model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from test_draft_support import LETTERS, MIXED, corpus_index, letter

from imr_assist.drafting import render_draft
from imr_assist.drafting.polish import PolishedDraft, model_completer, polish, source_texts
from imr_assist.errors import AnswerRejected
from imr_assist.model import Ledger, open_model
from imr_assist.settings import Settings


def _draft(path=LETTERS[0], kind="appeal"):
    record, text = letter(path)
    index = corpus_index() if kind == "resubmission" else None
    return record, text, render_draft(record, text, kind, index=index)


def _answer(record, numbers, first_source="letter", extra=""):
    sections = [
        {
            "item": None,
            "heading": "",
            "sentences": [{"text": "This draft covers the items below.", "sources": [first_source]}],
        }
    ]  # noqa: E501
    for n in numbers:
        sentence = f"The reviewer decided on {record.items[n - 1].request}.{extra}"
        sections.append({"item": n, "sentences": [{"text": sentence, "sources": ["letter"]}]})
    return {"sections": sections}


def test_validator_rejects_uncited_unknown_and_invented():
    record, text, draft = _draft()
    ctx = {"sources": source_texts(text, draft.cited), "item_numbers": draft.item_numbers}
    ok = _answer(record, draft.item_numbers)
    assert PolishedDraft.model_validate(ok, context=ctx).sections
    for bad, needle in [
        (_answer(record, [1], first_source="CM00-0000000#1"), "unknown source ids"),
        ({"sections": [{"item": 1, "sentences": [{"text": "It was denied.", "sources": []}]}]}, "at least one source"),
        (_answer(record, [1], extra=" It was taken for 45 days."), "45"),
        (_answer(record, [1], extra=" The visit was on March 3, 2019."), "2019-03-03"),
        (_answer(record, [1]), r"one section per item \[1, 2, 3\]"),
    ]:
        with pytest.raises(ValidationError, match=needle):
            PolishedDraft.model_validate(bad, context=ctx)


def test_polish_keeps_headings_from_the_record_and_passes_checks():
    record, text, draft = _draft(MIXED[0], "resubmission")
    cited = next(iter(draft.cited))
    answer = _answer(record, draft.item_numbers)
    answer["sections"][1]["sentences"].append({"text": "A similar request was approved.", "sources": [cited]})

    def complete(messages, context):
        assert "CHECKED DRAFT" in messages[1]["content"] and cited in messages[1]["content"]
        return PolishedDraft.model_validate(answer, context=context)

    out = polish(draft, record, text, draft.item_numbers, complete, "md")
    assert out.polished, out.notice
    assert out.result.ok
    assert f"## Item 1: {record.items[0].request} — Upheld" in out.result.markdown
    assert f"`{cited}`" in out.result.markdown and "DRAFT for professional review" in out.result.markdown


def test_polish_falls_back_to_the_checked_draft():
    record, text, draft = _draft()

    def complete(messages, context):
        raise AnswerRejected("sentence cites nothing", attempts=3)

    out = polish(draft, record, text, draft.item_numbers, complete, "md")
    assert not out.polished and out.result is draft
    assert "showing the checked draft" in out.notice


class ScriptedServer:
    """An OpenAI-compatible /chat/completions that answers from a script, recording requests."""

    def __init__(self, answers: list[dict]) -> None:
        self.answers = answers
        self.requests: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        content = json.dumps(self.answers[min(len(self.requests), len(self.answers)) - 1])
        return httpx.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })  # fmt: skip


def _model(server, base_url="http://127.0.0.1:8080/v1", ledger=None, **settings):
    settings = Settings.resolve(model="stub", base_url=base_url, mode="json", use_cache=False, **settings)
    return open_model(settings, ledger, http_client=httpx.Client(transport=httpx.MockTransport(server)))


def test_instructor_reasks_with_the_validation_error_then_succeeds():
    record, text, draft = _draft()
    bad = _answer(record, draft.item_numbers, extra=" It was taken for 45 days.")
    server = ScriptedServer([bad, _answer(record, draft.item_numbers)])
    ledger = Ledger()
    out = polish(draft, record, text, draft.item_numbers, model_completer(_model(server, ledger=ledger)), "md")
    assert out.polished, out.notice
    assert len(server.requests) == 2
    usage = ledger.letters[f"draft-polish-{record.letter_id}-appeal-1-2-3"]
    assert (usage.calls, usage.retries, usage.prompt_tokens) == (2, 1, 2)  # the re-ask is counted
    assert "45" in json.dumps(server.requests[1]["messages"][-1])  # the error went back to the model


def test_instructor_gives_up_and_falls_back():
    record, text, draft = _draft()
    bad = _answer(record, draft.item_numbers, first_source="NOPE#1")
    server = ScriptedServer([bad])
    out = polish(draft, record, text, draft.item_numbers, model_completer(_model(server)), "md")
    assert not out.polished and out.result is draft
    assert len(server.requests) == 3  # first try + max_retries re-asks


def test_recorded_small_model_is_rejected_and_the_checked_draft_is_kept(monkeypatch):
    """Replays a real exchange with qwen2.5-coder-1.5b on llama.cpp (tests/golden/cassettes/
    manifest.json says how it was recorded): three times the model wrote a sentence stating
    rule numbers its sources do not hold, the validator re-asked twice, and the checked
    deterministic draft is kept."""
    cassettes = Path(__file__).parent / "golden" / "cassettes"
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(cassettes))
    record, text = letter(LETTERS[0])
    draft = render_draft(record, text, "appeal", item=2)
    out = polish(draft, record, text, [2], model_completer(open_model(Settings.resolve())), "md")
    assert not out.polished and out.result is draft
    assert out.notice.startswith("model polish rejected (after 3 attempts: sentence ")
    assert "which its sources ['letter'] do not contain" in out.notice
    assert "showing the checked draft" in out.notice


def test_polish_for_a_remote_endpoint_is_redacted_then_restored():
    """`draft --model` against a remote endpoint: the case number never reaches the wire; a
    sentence that copies its placeholder is checked and shown with the real number."""
    record, text, draft = _draft(MIXED[0], "appeal")
    case = record.case_number
    assert case and case in text
    wires: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        wires.append(request.content.decode("utf-8"))
        prompt = json.loads(request.content)["messages"][1]["content"]
        placeholder = re.search(r"\[CASE_\d+\]", prompt).group(0)
        answer = _answer(record, draft.item_numbers)
        answer["sections"][0]["sentences"][0]["text"] = f"This draft is about IMR case {placeholder}."
        return ScriptedServer([answer])(request)

    model = _model(server, base_url="https://models.example.com/v1", api_key="sk-test-dummy")
    assert model.config.redact
    out = polish(draft, record, text, draft.item_numbers, model_completer(model), "md")
    assert out.polished, out.notice
    assert wires and all(case not in w for w in wires)
    assert f"This draft is about IMR case {case}." in out.result.markdown
