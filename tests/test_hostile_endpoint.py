"""Hostile or broken endpoints: keys are never echoed, error bodies never reach records,
a 4xx other than 429 stops the batch with one `error:` line (nothing written, so a later
run extracts those letters), a letter cannot make unbounded calls, and a key is not sent
over plain http to a remote host. Real HTTP to a server on 127.0.0.1, the CLI in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import Reply, completion, endpoint
from typer.testing import CliRunner

from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.errors import ConfigError
from imr_assist.model.config import resolve
from imr_assist.settings import Settings

runner = CliRunner()
LETTERS = sorted(bundled_dir("letters").glob("*.txt"))
#: a key no shape rule knows: only scrubbing by value can catch it
KEY = "Zq8Rw2Lp5Nv7Tx3Kc9HbQQ41"

def echo_key(status: int) -> Reply:
    def reply(body: dict, headers: dict) -> tuple[int, dict]:
        auth = headers.get("Authorization", "")
        return status, {"error": {"message": f"Received API Key = {auth.removeprefix('Bearer ')}; headers: {headers}"}}

    return reply


def always_empty(body: dict, headers: dict) -> tuple[int, dict]:
    return 200, completion("{}")


def _extract(url: str, *args: str) -> object:
    return runner.invoke(app, ["extract", *args, "--model", "m", "--base-url", url, "--extractor", "llm", "--no-cache"])


@pytest.mark.parametrize("status", [401, 400, 404])
def test_an_endpoint_echoing_the_key_gets_it_nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int) -> None:  # noqa: E501
    monkeypatch.setenv("IMR_ASSIST_API_KEY", KEY)
    log = tmp_path / "run.log"
    out = tmp_path / "out.jsonl"
    with endpoint(echo_key(status)) as (url, seen):
        r = _extract(url, *map(str, LETTERS), "--jsonl", str(out), "--log", str(log), "-v")
    assert seen, "nothing reached the endpoint"
    assert r.exit_code == 2, r.output
    everything = r.output + r.stderr + log.read_text() + (out.read_text() if out.exists() else "")
    assert KEY not in everything
    assert "[secret]" in r.stderr
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")], r.stderr


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_4xx_stops_the_batch_writes_nothing_and_a_later_run_extracts(tmp_path: Path, status: int) -> None:
    out = tmp_path / "out.jsonl"
    letters = [str(p) for p in LETTERS]
    with endpoint(lambda b, h: (status, {"error": {"message": "Authorization: Bearer sk-leaked0123456789 bad"}})) as (
        url, seen,
    ):  # fmt: skip
        r = _extract(url, *letters, "--jsonl", str(out))
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and f"HTTP {status}" in errors[0], r.stderr
    assert "Traceback" not in r.output + r.stderr
    assert len(seen) == 1, "the batch went on after the endpoint refused the request"
    assert not out.exists() or out.read_text() == ""
    assert "sk-leaked" not in r.output + r.stderr
    with endpoint(always_empty) as (url, seen):
        again = _extract(url, *letters, "--jsonl", str(out))
    assert again.exit_code == 0, again.output
    lines = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert len(lines) == len(letters)
    assert "sk-leaked" not in out.read_text()


def test_max_calls_caps_requests_per_letter_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with endpoint(always_empty) as (url, seen):  # "{}" never validates: every item is re-asked
        r = _extract(url, str(LETTERS[0]), "--jsonl", str(out), "--max-calls", "4")
    assert len(seen) == 4
    assert r.exit_code == 2
    assert "stopped after 4 model requests" in r.stderr
    assert not out.exists() or out.read_text() == ""
    with endpoint(always_empty) as (url, seen):  # the default: 6 per item, enough for 3 asks of each item
        r = _extract(url, str(LETTERS[0]), "--jsonl", str(out))
    assert r.exit_code == 0, r.output
    assert len(seen) == 9  # 3 items x (1 question + 2 re-asks)


def test_a_key_is_refused_over_plain_http_to_a_remote_host() -> None:
    url = "http://models.example.org/v1"
    settings = Settings.resolve(env={}, model="m", base_url=url, api_key="sk-abcdefgh12345678")
    with pytest.raises(ConfigError, match="plain http.*--allow-insecure"):
        resolve(settings)
    allowed = resolve(settings.replace(allow_insecure=True))
    assert allowed.transport_warning and "plain http" in allowed.transport_warning
    assert resolve(settings.replace(base_url="https://models.example.org/v1")).transport_warning is None
    assert resolve(settings.replace(base_url="http://127.0.0.1:8080/v1")).transport_warning is None


def test_refusal_is_one_error_line_from_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abcdefgh12345678")
    r = runner.invoke(app, ["extract", str(LETTERS[0]), "--model", "m", "--base-url", "http://models.example.org/v1"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: refusing to send the API key over plain http"), r.stderr
