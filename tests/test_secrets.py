"""Credentials: recorded cassettes hold no secret (and the scanner provably finds one),
keys come only from the environment, and they never reach logs or error lines."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from secrets_scan import scan_paths, scan_text

from imr_assist.logging_setup import redact_secrets, setup_logging
from imr_assist.model.keys import find_key, mask
from imr_assist.settings import Settings

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"

CLEAN_CASSETTE = """interactions:
- request:
    body: '{"messages":[{"role":"user","content":"Case Number: [CASE_1]"}],"model":"gpt-4o-mini"}'
    headers:
      authorization:
      - DUMMY
      content-type:
      - application/json
      x-stainless-retry-count:
      - '0'
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: '{"id":"chatcmpl-abc","usage":{"total_tokens":42}}'
    headers:
      openai-organization:
      - user-redacted
    status: {code: 200, message: OK}
version: 1
"""

PLANTED = [
    ("      authorization:\n      - Bearer sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv\n", "authorization header"),
    ('{"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"}', "bearer token"),
    ("uri: https://api.example.com/v1/chat?api_key=AbCdEf0123456789xyz", "api key header or parameter"),
    ("body: '{\"api_key\": \"live_0123456789abcdefXYZ\"}'", "api key header or parameter"),
    ("      openai-organization:\n      - org-AbCdEfGhIjKlMnOpQrStUv12\n", "openai org id"),
    ("note: key sk-AbCdEfGhIjKlMnOpQrStUvWx left in a comment", "openai-style key"),
    ("      authorization:\n      - Bearer sk-test-4f9KqL2mZ8xR7tYw\n", "openai-style key"),
    ("note: sk-test_51HqLyjWDarjtT1zdp7dc left in a comment", "openai-style key"),
    ("      api-key:\n      - 3f8a9c1d2e4b5f60718293a4b5c6d7e8\n", "api key header or parameter"),
    ("      x-goog-api-key:\n      - AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW\n", "api key header or parameter"),
    ("uri: https://generativelanguage.googleapis.com/v1/models?key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
     "google api key"),
    ("      x-amz-security: AKIAIOSFODNN7EXAMPLF\n", "aws access key id"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX", "api key header or parameter"),
    ("      cookie:\n      - session=8f2b1c9d0e7a6b5c4d3e2f1a\n", "cookie"),
    ("      set-cookie:\n      - __cf_bm=Zx8Yw7Vu6Ts5Rq4Po3; path=/\n", "cookie"),
    ("      authorization:\n      - Basic YXBpa2V5OnNlY3JldHZhbHVlMTIz\n", "authorization header"),
    ("token: ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "github token"),
]


def test_cassettes_hold_no_secrets() -> None:
    """Every file under cassettes/ (any extension). An absent folder is trivially clean."""
    findings = scan_paths([CASSETTES]) if CASSETTES.exists() else []
    assert not findings, "\n".join(map(str, findings))


def test_clean_cassette_passes() -> None:
    assert scan_text(CLEAN_CASSETTE) == []


@pytest.mark.parametrize(("planted", "kind"), PLANTED)
def test_scanner_catches_a_planted_secret_in_a_copy(tmp_path: Path, planted: str, kind: str) -> None:
    copy = tmp_path / "cassettes"
    if CASSETTES.exists():
        shutil.copytree(CASSETTES, copy)
    else:
        copy.mkdir()
    (copy / "sub").mkdir(exist_ok=True)
    (copy / "sub" / "clean.yaml").write_text(CLEAN_CASSETTE)
    assert scan_paths([copy]) == []
    (copy / "sub" / "leaky.yaml").write_text(CLEAN_CASSETTE + planted)
    found = scan_paths([copy])
    assert found and all(f.path.endswith("leaky.yaml") for f in found)
    assert kind in {f.kind for f in found}
    secret = planted.split()[-1].strip("'\"}")
    assert all(secret not in str(f) for f in found)  # reports never repeat the secret


@pytest.mark.parametrize(("planted", "kind"), PLANTED)
def test_the_output_scrubber_removes_every_planted_shape(planted: str, kind: str) -> None:
    """The same shapes never reach a log line, stderr or an error message."""
    scrubbed = redact_secrets(planted)
    assert scan_text(scrubbed) == [], scrubbed
    assert "[secret]" in scrubbed


def test_a_configured_key_is_scrubbed_by_value_whatever_its_shape() -> None:
    """An endpoint that echoes the key ("Received API Key = ...") gets nothing printed,
    even for a key no shape rule knows; its URL-encoded and Basic-auth forms too."""
    import base64
    from urllib.parse import quote

    key = "Zq8/Rw2+Lp5Nv7Tx3Kc9Hb41"
    assert find_key(key, None) == key  # finding the key registers it with the scrubber
    echoed = f"401: Received API Key = {key}; url-encoded {quote(key, safe='')}"
    basic = "Basic " + base64.b64encode(f"apikey:{key}".encode()).decode()
    out = redact_secrets(echoed + " " + basic)
    assert key not in out and quote(key, safe="") not in out and basic.split()[1].rstrip("=") not in out
    assert "Received API Key = [secret]" in out


def test_records_keep_letter_text_that_only_looks_like_a_header() -> None:
    """Records quote letters: "Request for Authorization: ..." is letter text, not a secret."""
    from imr_assist.scrub import scrub_record

    text = "Request for Authorization: Norco 10/325mg #60; cookie: none; api key: n/a"
    assert scrub_record(text) == text
    assert scrub_record("quoted sk-live-AbCdEfGhIjKlMnOp here") == "quoted [secret] here"


def test_key_from_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-envkey0123456789abcdef")
    assert find_key(Settings.resolve().api_key, "OPENAI_API_KEY") == "sk-envkey0123456789abcdef"
    monkeypatch.setenv("IMR_ASSIST_API_KEY", "  sk-ownkey0123456789abcdef ")
    key = find_key(Settings.resolve().api_key, "OPENAI_API_KEY")
    assert key == "sk-ownkey0123456789abcdef"
    assert "0123" not in mask(key) and mask(None) == "(none)"


def test_logs_never_carry_keys(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"
    logger = setup_logging(verbose=False, log_file=log_file)
    key = "sk-proj-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2"
    fmt = "request failed: headers={'Authorization': 'Bearer %s'} url=https://x/v1?api_key=%s"
    logger.error(fmt, key, "QwEr1234567")
    logger.info("retrying with org-AbCdEfGhIjKlMnOpQrSt12 and %s", key)
    for h in list(logger.handlers):
        h.flush()
    text = log_file.read_text()
    assert "request failed" in text and "retrying" in text
    assert key not in text and "QwEr1234567" not in text and "org-AbCdEf" not in text
    assert scan_text(text) == []
    assert redact_secrets("x-api-key: abcdefghijklmnop") == "x-api-key: [secret]"
    logging.getLogger("imr_assist").handlers.clear()
