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
    ("uri: https://api.example.com/v1/chat?api_key=AbCdEf0123456789xyz", "api key parameter"),
    ("body: '{\"api_key\": \"live_0123456789abcdefXYZ\"}'", "api key parameter"),
    ("      openai-organization:\n      - org-AbCdEfGhIjKlMnOpQrStUv12\n", "openai org id"),
    ("note: key sk-AbCdEfGhIjKlMnOpQrStUvWx left in a comment", "openai-style key"),
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
