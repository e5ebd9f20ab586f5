"""The LLM answer model and the model gateway's pieces, offline: settings, endpoints, keys,
validation with quotes, cache, costs, scrubbing, typed errors."""

from __future__ import annotations

import json
import sys
import types

import pytest

from imr_assist.errors import (
    ConfigError,
    EndpointFailing,
    EndpointUnreachable,
    KeyMissing,
    KeyRejected,
    RequestRejected,
)
from imr_assist.llm.item_model import LLMItem
from imr_assist.llm.prompts import item_messages
from imr_assist.model import endpoint_for, is_local, open_model
from imr_assist.model.cache import DiskCache, cache_key
from imr_assist.model.cassettes import _scrub_request, _scrub_response, cassette_path
from imr_assist.model.config import resolve
from imr_assist.model.gateway import classify
from imr_assist.model.usage import Usage, cost_usd
from imr_assist.settings import Settings

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


def _config(env=None, **arguments):
    return resolve(Settings.resolve(env=env or {}, **arguments))


def test_config_needs_a_model_and_says_how():
    with pytest.raises(ConfigError, match="--model or set IMR_ASSIST_MODEL"):
        _config()


def test_config_modes_by_endpoint_and_override():
    assert _config(model="m", api_key="k").mode == "tools"
    assert _config(model="m", base_url="http://localhost:11434/v1").mode == "json_schema"
    assert _config(model="m", base_url="https://10.0.0.5:9999/v1", api_key="k").mode == "json"
    assert _config(model="m", mode="llamacpp", api_key="k").mode == "llamacpp"
    with pytest.raises(ConfigError, match="choose from"):
        _config(model="m", mode="xml", api_key="k")
    assert endpoint_for("https://api.openai.com/v1").name == "openai"
    assert endpoint_for("http://127.0.0.1:5000/v1").name == "custom"
    assert _config(env={"IMR_ASSIST_LLM_MODE": "md_json", "IMR_ASSIST_MODEL": "m"}, api_key="k").mode == "md_json"
    env = {"IMR_ASSIST_LLM_MODE": "md_json", "IMR_ASSIST_MODEL": "m"}
    assert _config(env=env, mode="json", api_key="k").mode == "json"  # the argument wins


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://0.0.0.0:8080/v1", True), ("http://[::1]:8000/v1", True), ("http://127.3.2.1/v1", True),
        ("localhost:1234", True), ("https://gpu.example.org:8000/v1", False), ("http://192.168.1.20:8000/v1", False),
        (None, False),
    ],
)  # fmt: skip
def test_one_is_local_for_redaction_and_cost(url, local):
    """`is_local` alone decides: the redaction default and the price both follow it."""
    cfg = _config(model="gpt-4o-mini", base_url=url, api_key="k", allow_insecure=True)
    assert is_local(url) is local
    assert cfg.local is local and cfg.redact is (not local)
    assert (cfg.free or cfg.endpoint.self_hosted) is (local or cfg.endpoint.self_hosted)


def test_key_lookup_order(monkeypatch):
    """explicit > IMR_ASSIST_API_KEY > the endpoint's own variable > keyring; local needs none."""
    assert _config(model="m", base_url="http://127.0.0.1:8080/v1").api_key == "sk-no-key"
    with pytest.raises(KeyMissing, match="set IMR_ASSIST_API_KEY or OPENAI_API_KEY"):
        _config(model="gpt-4o-mini")
    with pytest.raises(KeyMissing):
        _config(model="m", base_url="https://models.example.com/v1")  # a custom remote server
    fake_keyring = types.SimpleNamespace(get_password=lambda service, user: "sk-from-keyring")
    monkeypatch.setitem(sys.modules, "keyring", fake_keyring)
    assert _config(model="gpt-4o-mini").api_key == "sk-from-keyring"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-env")
    assert _config(model="gpt-4o-mini").api_key == "sk-openai-env"
    monkeypatch.setenv("IMR_ASSIST_API_KEY", "sk-own-env")
    assert resolve(Settings.resolve(model="gpt-4o-mini")).api_key == "sk-own-env"  # alone, no OPENAI_API_KEY needed
    monkeypatch.delenv("OPENAI_API_KEY")
    assert resolve(Settings.resolve(model="gpt-4o-mini")).api_key == "sk-own-env"
    cfg = resolve(Settings.resolve(model="gpt-4o-mini", api_key="sk-explicit"))
    assert cfg.api_key == "sk-explicit" and "sk-explicit" not in repr(cfg)


def test_replay_config_from_manifest(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text(json.dumps({"model": "tiny", "mode": "llamacpp"}))
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(tmp_path))
    cfg = resolve(Settings.resolve())
    assert (cfg.model, cfg.mode, cfg.record_mode, cfg.cache_dir) == ("tiny", "llamacpp", "none", None)
    assert cfg.api_key == "sk-replay"
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="no cassette folder"):
        resolve(Settings.resolve(model="tiny"))


def test_one_cache_root(tmp_path):
    settings = Settings.resolve(env={"IMR_ASSIST_CACHE": str(tmp_path)}, model="m", base_url="http://127.0.0.1:1/v1")
    assert resolve(settings).cache_dir == tmp_path / "llm"
    assert Settings.resolve(env={"XDG_CACHE_HOME": str(tmp_path)}).cache_root == tmp_path / "imr-assist"
    off = Settings.resolve(env={"IMR_ASSIST_NO_CACHE": "1"}, model="m", base_url="http://127.0.0.1:1/v1")
    assert resolve(off).cache_dir is None


def test_cache_key_changes_with_model_params_and_input(tmp_path):
    msgs = item_messages(fmt="dwc_final_determination", headings=["a", "b"], index=1, item_text="Baclofen 10mg")
    base = dict(model="m", mode="json", schema={}, messages=msgs, params={"max_tokens": 300})
    k = cache_key(**base)
    assert k == cache_key(**base)
    assert k != cache_key(**{**base, "model": "m2"})
    assert k != cache_key(**{**base, "params": {"max_tokens": 200}})
    other = item_messages(fmt="dwc_final_determination", headings=["a", "b"], index=1, item_text="Baclofen 20mg")
    assert k != cache_key(**{**base, "messages": other})
    cache = DiskCache(tmp_path)
    assert cache.get(k) is None
    cache.put(k, {"answer": ANSWER})
    assert cache.get(k) == {"answer": ANSWER}
    next(tmp_path.rglob("*.json")).write_text("{broken")
    assert cache.get(k) is None


def test_prompt_carries_the_item_and_vocabularies():
    msgs = item_messages(fmt="maximus_imr", headings=["x", "y", "z"], index=2, item_text="Norco 10mg: Upheld")
    assert msgs[0]["role"] == "system" and "muscle_relaxant" in msgs[0]["content"]
    assert "no_functional_improvement" in msgs[0]["content"]
    assert "item 2" in msgs[1]["content"] and "3 item(s)" in msgs[1]["content"]
    assert "Norco 10mg: Upheld" in msgs[1]["content"]


def test_costs(tmp_path):
    assert cost_usd("qwen-local", 1000, 100, free=True) == 0.0
    assert cost_usd("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000, free=False) == pytest.approx(0.75)
    assert cost_usd("mystery-model", 10, 10, free=False) is None
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"mystery-model": [1.0, 2.0]}))
    assert cost_usd("mystery-model", 1_000_000, 500_000, free=False, prices=prices) == pytest.approx(2.0)
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


def test_unreachable_endpoint_is_one_typed_error():
    settings = Settings.resolve(model="m", base_url="http://127.0.0.1:9/v1", use_cache=False, time_budget=5, timeout=2)
    model = open_model(settings)
    msgs = item_messages(fmt="unknown", headings=["a"], index=1, item_text="Baclofen 10mg: Upheld")
    with pytest.raises(EndpointUnreachable, match=r"127\.0\.0\.1:9/v1 is unreachable"):
        model.ask(msgs, LLMItem, CTX)


def _status_error(status: int) -> Exception:
    import httpx
    import openai

    request = httpx.Request("POST", "http://x/v1/chat/completions")
    return openai.APIStatusError(f"HTTP {status}", response=httpx.Response(status, request=request), body=None)


def test_errors_are_classified_by_type_and_status():
    import openai

    assert classify(_status_error(429)) is EndpointFailing
    assert classify(_status_error(503)) is EndpointFailing
    assert classify(_status_error(401)) is KeyRejected
    assert classify(_status_error(404)) is RequestRejected
    try:  # wrapped, as instructor wraps a failed call
        try:
            raise _status_error(500)
        except Exception as inner:
            raise RuntimeError("retries exhausted") from inner
    except RuntimeError as outer:
        assert classify(outer) is EndpointFailing
    import httpx

    connection = openai.APIConnectionError(request=httpx.Request("POST", "http://x"))
    assert classify(connection) is EndpointUnreachable
    assert classify(openai.APITimeoutError(request=httpx.Request("POST", "http://x"))) is EndpointFailing
    assert classify(ValueError("unreachable 503 RateLimitError")) is None  # words decide nothing


def test_decision_is_read_from_the_quoted_heading_word():
    text = LETTER.replace("Upheld", "Overturned")
    ctx = {"text": text, "window": (text.index("Baclofen"), len(text))}
    item = LLMItem.model_validate({**ANSWER, "decision_quote": "Overturned", "denial_reasons": []}, context=ctx)
    assert item.decision == "overturned"
    assert LLMItem.model_validate(ANSWER, context=CTX).decision == "upheld"
    with pytest.raises(ValueError, match="denial_reasons must be"):
        LLMItem.model_validate({**ANSWER, "decision_quote": "Overturned"}, context=ctx)
