"""LLM extractor pieces, offline: config, validation with quotes, cache, costs, scrubbing, errors."""

from __future__ import annotations

import json

import pytest

from imr_assist.errors import InputError
from imr_assist.llm.cache import DiskCache, cache_key
from imr_assist.llm.cassettes import _scrub_request, _scrub_response, cassette_path
from imr_assist.llm.client import EndpointError, ModelClient, classify
from imr_assist.llm.config import LLMConfig, endpoint_for
from imr_assist.llm.costs import Usage, cost_usd
from imr_assist.llm.item_model import LLMItem
from imr_assist.llm.prompts import ITEM_SYSTEM, ITEM_USER, item_messages, template_hash

LETTER = (
    "IMR ISSUES, DECISIONS AND RATIONALES\n"
    "Baclofen 10mg #60 with 1 \nrefill: Upheld \n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2009.\n"
    "Decision rationale: there is no objective evidence of muscle spasm on physical exami-\nnation.\n"
)
WINDOW = (LETTER.index("Baclofen"), len(LETTER))
CTX = {"text": LETTER, "window": WINDOW}
ANSWER = {
    "request": "Baclofen 10mg #60 with 1 refill",
    "decision": "upheld",
    "decision_quote": "Upheld",
    "category": "medication",
    "drug_class": "muscle_relaxant",
    "generic_name": "Baclofen",
    "quantity": 60,
    "quantity_quote": "#60",
    "refills": 1,
    "reviewer_guidelines": ["MTUS"],
    "denial_reasons": ["no_supporting_exam_findings"],
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    names = ["MODEL", "LLM_MODE", "CASSETTES", "RECORD_MODE", "NO_CACHE", "PRICES"]
    for name in ["OPENAI_BASE_URL", "OPENAI_API_KEY", *(f"IMR_ASSIST_{n}" for n in names)]:
        monkeypatch.delenv(name, raising=False)


def test_valid_answer_gets_spans_from_its_quotes():
    item = LLMItem.model_validate(ANSWER, context=CTX)
    spans = item.quote_spans
    assert LETTER[slice(*spans["request"])] == "Baclofen 10mg #60 with 1 \nrefill"
    assert LETTER[slice(*spans["decision"])] == "Upheld"
    assert LETTER[slice(*spans["quantity"])] == "#60"
    assert item.alignment["request"] == "normalized"


def test_heading_tail_is_cut_from_the_request():
    item = LLMItem.model_validate({**ANSWER, "request": "Baclofen 10mg #60 with 1 refill: Upheld"}, context=CTX)
    assert item.request == "Baclofen 10mg #60 with 1 refill"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"request": "Baclofen 20mg #90"}, "not in this item"),
        ({"decision_quote": "Overturned"}, "not in this item"),
        ({"decision_quote": "Upheld", "denial_reasons": ["bogus"]}, "denial_reasons"),
        ({"quantity": 90}, "quantity 90 is not the number"),
        ({"category": "pills"}, "category"),
        ({"denial_reasons": ["too_expensive"]}, "denial_reasons"),
        ({"decision_quote": "based"}, "decision word"),
        ({"decision_quote": "Upheld by the reviewer"}, "at most 12 characters"),
    ],
)
def test_invalid_answers_say_why(change, message):
    with pytest.raises(ValueError, match=message):
        LLMItem.model_validate({**ANSWER, **change}, context=CTX)


def test_quote_from_another_item_is_rejected():
    text = "Norco 10mg: Upheld\nrationale one\n" + LETTER
    ctx = {"text": text, "window": (text.index("Baclofen"), len(text))}
    with pytest.raises(ValueError, match="request 'Norco 10mg' is not in this item"):
        LLMItem.model_validate({**ANSWER, "request": "Norco 10mg"}, context=ctx)


def test_config_needs_a_model_and_says_how():
    with pytest.raises(InputError, match="--model or set IMR_ASSIST_MODEL"):
        LLMConfig.resolve()


def test_config_modes_by_endpoint_and_override(tmp_path):
    assert LLMConfig.resolve(model="m", cache_dir=tmp_path).mode == "tools"
    assert LLMConfig.resolve(model="m", base_url="http://localhost:11434/v1", cache_dir=tmp_path).mode == "json_schema"
    assert LLMConfig.resolve(model="m", base_url="http://10.0.0.5:9999/v1", cache_dir=tmp_path).mode == "json"
    assert LLMConfig.resolve(model="m", mode="llamacpp", cache_dir=tmp_path).mode == "llamacpp"
    with pytest.raises(InputError, match="choose from"):
        LLMConfig.resolve(model="m", mode="xml", cache_dir=tmp_path)
    assert endpoint_for("https://api.openai.com/v1") == "openai"
    assert endpoint_for("http://127.0.0.1:5000/v1") == "local"


def test_keys_only_from_env_and_never_required_locally(monkeypatch, tmp_path):
    local = LLMConfig.resolve(model="m", base_url="http://127.0.0.1:8080/v1", cache_dir=tmp_path)
    assert local.key() == "sk-no-key"
    remote = LLMConfig.resolve(model="gpt-4o-mini", cache_dir=tmp_path)
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        remote.key()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    assert remote.key() == "sk-test-123"
    assert "sk-test-123" not in repr(remote)


def test_replay_config_from_manifest(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text(json.dumps({"model": "tiny", "mode": "llamacpp"}))
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(tmp_path))
    cfg = LLMConfig.resolve()
    assert (cfg.model, cfg.mode, cfg.record_mode, cfg.use_cache) == ("tiny", "llamacpp", "none", False)
    assert cfg.key() == "sk-replay"
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(tmp_path / "missing"))
    with pytest.raises(InputError, match="no cassette folder"):
        LLMConfig.resolve(model="tiny")


def test_cache_key_changes_with_model_template_and_input(tmp_path):
    msgs = item_messages(fmt="dwc_final_determination", headings=["a", "b"], index=1, item_text="Baclofen 10mg")
    base = dict(model="m", mode="json", template_hash=template_hash(ITEM_SYSTEM, ITEM_USER), schema={}, messages=msgs)
    k = cache_key(**base)
    assert k == cache_key(**base)
    assert k != cache_key(**{**base, "model": "m2"})
    assert k != cache_key(**{**base, "template_hash": "other"})
    other = item_messages(fmt="dwc_final_determination", headings=["a", "b"], index=1, item_text="Baclofen 20mg")
    assert k != cache_key(**{**base, "messages": other})
    cache = DiskCache(tmp_path)
    assert cache.get(k) is None
    cache.put(k, {"item": ANSWER})
    assert cache.get(k) == {"item": ANSWER}
    next(tmp_path.rglob("*.json")).write_text("{broken")
    assert cache.get(k) is None


def test_prompt_carries_the_item_and_vocabularies():
    msgs = item_messages(fmt="maximus_imr", headings=["x", "y", "z"], index=2, item_text="Norco 10mg: Upheld")
    assert msgs[0]["role"] == "system" and "muscle_relaxant" in msgs[0]["content"]
    assert "no_functional_improvement" in msgs[0]["content"]
    assert "item 2" in msgs[1]["content"] and "3 item(s)" in msgs[1]["content"]
    assert "Norco 10mg: Upheld" in msgs[1]["content"]


def test_costs(tmp_path, monkeypatch):
    assert cost_usd("qwen-local", 1000, 100, local=True) == 0.0
    assert cost_usd("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000, local=False) == pytest.approx(0.75)
    assert cost_usd("mystery-model", 10, 10, local=False) is None
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"mystery-model": [1.0, 2.0]}))
    monkeypatch.setenv("IMR_ASSIST_PRICES", str(prices))
    assert cost_usd("mystery-model", 1_000_000, 500_000, local=False) == pytest.approx(2.0)
    total = Usage(calls=2, prompt_tokens=10, cost_usd=0.5)
    total.add(Usage(calls=1, prompt_tokens=5, cost_usd=None))
    assert (total.calls, total.prompt_tokens, total.cost_usd) == (3, 15, None)
    assert "cost unknown" in total.line()


def test_cassette_scrubbing():
    class Req:
        body = json.dumps({"model": "m", "api_key": "sk-secret", "messages": []}).encode()
        headers = {"authorization": "Bearer sk-secret", "X-Stainless-OS": "Linux", "content-type": "application/json"}

    req = _scrub_request(Req())
    assert b"sk-secret" not in req.body and "X-Stainless-OS" not in req.headers
    resp = _scrub_response({"headers": {"openai-organization": ["org-1"], "content-type": ["application/json"]}})
    assert resp["headers"] == {"content-type": ["application/json"]}
    assert cassette_path(__import__("pathlib").Path("c"), "a/b c").name == "a_b_c.yaml"


def test_unreachable_endpoint_is_one_clear_error(tmp_path):
    cfg = LLMConfig.resolve(model="m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path, time_budget=5, timeout=2)
    client = ModelClient(cfg)
    msgs = item_messages(fmt="unknown", headings=["a"], index=1, item_text="Baclofen 10mg: Upheld")
    with pytest.raises(EndpointError, match=r"127\.0\.0\.1:9/v1 is unreachable"):
        client.extract_item(msgs, CTX)


def test_transient_errors_are_classified_for_retry():
    class RateLimitError(Exception):
        status_code = 429

    class Boom(Exception):
        status_code = 503

    class Denied(Exception):
        status_code = 401

    assert classify(RateLimitError()) == "transient"
    assert classify(Boom()) == "transient"
    assert classify(Denied()) == "auth"
    assert classify(ValueError("x")) == "other"


def test_decision_is_read_from_the_quoted_heading_word():
    text = LETTER.replace("Upheld", "Overturned")
    ctx = {"text": text, "window": (text.index("Baclofen"), len(text))}
    item = LLMItem.model_validate({**ANSWER, "decision_quote": "Overturned", "denial_reasons": []}, context=ctx)
    assert item.decision == "overturned"
    assert LLMItem.model_validate(ANSWER, context=CTX).decision == "upheld"
    with pytest.raises(ValueError, match="denial_reasons must be"):
        LLMItem.model_validate({**ANSWER, "decision_quote": "Overturned"}, context=ctx)
