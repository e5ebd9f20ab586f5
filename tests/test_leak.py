"""The leak test: real letters carrying planted identifiers of every type (`planted.py`)
go through `extract --extractor llm|hybrid` and `draft --model` against a recording fake
OpenAI-compatible endpoint on a non-loopback address; not one planted identifier may
reach it, in any case, accent or separator form, and no drug, test or treatment name of
those letters may be masked.

The non-loopback endpoint: `leak_harness.py` runs inside a network namespace of its own
(`unshare -rn`, as root or with unprivileged user namespaces) where 192.0.2.10 (TEST-NET-1)
is an address of the namespace's loopback interface. The CLI runs as a user runs it, in
subprocesses; `is_local` sees a remote host, so redaction is on by default. Where no
namespace can be made the test is skipped with the reason; `test_llm_extractor_masks_planted_letters`
checks the same letters in-process against a remote URL served by an httpx MockTransport.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import httpx
import pytest
from planted import IDENTITIES, leaks, planted_letters, wire_text

from imr_assist.assets import DATA_DIR
from imr_assist.extractors.hybrid import HybridExtractor
from imr_assist.extractors.llm import LLMExtractor, item_window
from imr_assist.layout.parser import parse_letter
from imr_assist.model import open_model
from imr_assist.reading import Document
from imr_assist.settings import Settings

HARNESS = Path(__file__).resolve().parent / "leak_harness.py"
HOST = "192.0.2.10"


@cache
def clinical_terms() -> list[str]:
    """Every drug name and test/treatment term of the data tables (lower case)."""
    drugs = json.loads((DATA_DIR / "drugs.json").read_text(encoding="utf-8"))
    terms = json.loads((DATA_DIR / "treatment_terms.json").read_text(encoding="utf-8"))
    out = {n for d in drugs["drugs"] for n in [d["generic"], *d.get("names", [])]}
    out |= {t for table in ("groups", "classes") for ts in terms[table].values() for t in ts}
    return sorted(t for t in out if len(t) >= 3)


def term_counts(text: str) -> dict[str, int]:
    low = " ".join(text.lower().split())
    counts = {t: len(re.findall(rf"(?<![a-z]){re.escape(t)}(?![a-z])", low)) for t in clinical_terms()}
    return {t: n for t, n in counts.items() if n}


def user_content(body: bytes) -> str:
    """The first user message of a request (re-asks append the model's answer and the error)."""
    return next(m["content"] for m in json.loads(body)["messages"] if m["role"] == "user")


def _unshare_works() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip is not installed"
    probe = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"no network namespace here: {probe.stderr.strip()}"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[bytes]], dict[str, list]]:
    why = _unshare_works()
    if why:
        pytest.skip(why)
    out = tmp_path_factory.mktemp("leak")
    script = f"ip link set lo up && ip addr add {HOST}/32 dev lo && exec {sys.executable} {HARNESS} {out} {HOST}"
    proc = subprocess.run(["unshare", "-rn", "sh", "-c", script], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    requests = json.loads((out / "requests.json").read_text(encoding="utf-8"))
    runs = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    return {k: [base64.b64decode(b) for b in v] for k, v in requests.items()}, runs


def _windows() -> dict[str, tuple[str, str]]:
    """Each planted item's heading line -> (letter name, the window text the model is asked about)."""
    out = {}
    for name, text, _identity in planted_letters():
        doc = Document(text=text, source=f"{name}.txt")
        for item in parse_letter(doc).items:
            s, e = item_window(doc, item)
            out[" ".join(text[item.spans["heading"][0] : item.spans["heading"][1]].split())] = (name, text[s:e])
    return out


@pytest.mark.parametrize("command", ["extract-llm", "extract-hybrid"])
def test_extract_sends_no_planted_identifier_and_masks_no_clinical_term(recorded, command) -> None:  # noqa: ANN001
    requests, runs = recorded
    code, stderr = runs[command]
    assert code == 0, stderr
    bodies = requests[command]
    assert len(bodies) >= 9, "the extractor asked the endpoint too little to test anything"
    wire = wire_text(bodies)
    found = {p.worker: leaks(wire, p) for p in IDENTITIES}
    assert all(not v for v in found.values()), found
    windows = _windows()
    checked = 0
    for body in bodies:
        sent = " ".join(user_content(body).split())
        heading = next((h for h in windows if h in sent), None)
        assert heading is not None, sent[:300]
        expected = term_counts(windows[heading][1])
        got = term_counts(sent)
        assert {t: got.get(t, 0) for t in expected} == expected, heading
        checked += len(expected)
    assert checked > 50


def test_draft_sends_no_planted_identifier_and_masks_no_clinical_term(recorded) -> None:  # noqa: ANN001
    requests, runs = recorded
    letters = {name: (text, p) for name, text, p in planted_letters()}
    drafts = [k for k in runs if k.startswith("draft-")]
    assert len(drafts) == 4
    for command in drafts:
        code, stderr = runs[command]
        assert code == 0, stderr
        assert requests.get(command), f"{command} sent nothing"
        wire = wire_text(requests[command])
        for _name, (_text, p) in letters.items():
            assert leaks(wire, p) == [], (command, leaks(wire, p))
    for name, (text, _p) in letters.items():
        record = parse_letter(Document(text=text, source=f"{name}.txt"))
        rationales = " ".join(it.rationale or "" for it in record.items if it.decision == "upheld")
        sent = " ".join(user_content(requests[f"draft-appeal-{name}"][0]).split())
        expected = term_counts(rationales)
        assert expected
        got = term_counts(sent)
        short = {t: (n, got.get(t, 0)) for t, n in expected.items() if got.get(t, 0) < n}
        assert not short, short


def test_the_key_goes_only_where_it_must(recorded) -> None:  # noqa: ANN001
    """The endpoint got requests and the CLI said why the key went over http; the key
    itself is in no request body and in no output."""
    from leak_harness import KEY

    requests, runs = recorded
    for command, bodies in requests.items():
        assert all(KEY.encode() not in b for b in bodies), command
    for _code, stderr in runs.values():
        assert KEY not in stderr
        assert "--allow-insecure" in stderr


def _mock_client(bodies: list[bytes]) -> httpx.Client:
    def endpoint(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })  # fmt: skip

    return httpx.Client(transport=httpx.MockTransport(endpoint))


@pytest.mark.parametrize("extractor", [LLMExtractor, HybridExtractor])
def test_llm_extractor_masks_planted_letters(extractor) -> None:  # noqa: ANN001
    """In-process, always: the same letters through the extractors against a remote URL."""
    bodies: list[bytes] = []
    settings = Settings.resolve(env={}, model="fake", base_url="https://models.example.org/v1", api_key="sk-x-12345678",
                                mode="json", use_cache=False)  # fmt: skip
    ex = extractor(llm=open_model(settings, http_client=_mock_client(bodies)))
    for name, text, p in planted_letters():
        before = len(bodies)
        record = ex.extract(Document(text=text, source=f"{name}.txt"))
        assert record.items and len(bodies) > before
        assert leaks(wire_text(bodies[before:]), p) == []


def test_a_model_quoting_placeholders_gets_the_letter_back() -> None:
    """The model quotes masked text ("Per Dr. [NAME_1]'s Norco 10/325 note"); the quote is
    restored and aligned in the original letter, so the record's span shows the real text."""
    bodies: list[bytes] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        sent = user_content(request.content)
        heading = re.search(r'"""\s*(?:Associated Surgical Service:\s*)?(.+?):\s*Upheld', sent, re.S)
        quote = re.search(r"Per Dr\. \[NAME_\d+\]'s Norco 10/325 note", sent)
        assert heading, sent[:400]
        answer = {
            "request": " ".join(heading.group(1).split()), "decision_quote": "Upheld", "category": "medication",
            "quantity": None, "quantity_quote": quote.group(0) if quote else None, "denial_reasons": [],
        }  # fmt: skip
        return httpx.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(answer)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })  # fmt: skip

    settings = Settings.resolve(env={}, model="fake", base_url="https://models.example.org/v1", api_key="sk-x-12345678",
                                mode="json", use_cache=False, max_retries=0)  # fmt: skip
    ex = LLMExtractor(llm=open_model(settings, http_client=httpx.Client(transport=httpx.MockTransport(endpoint))))
    name, text, identity = planted_letters()[0]
    record = ex.extract(Document(text=text, source=f"{name}.txt"))
    assert len(bodies) == len(record.items)
    assert leaks(wire_text(bodies), identity) == []
    assert all(item.provenance["request"].startswith("llm:") for item in record.items)
    quoted = [item.spans["quantity"] for item in record.items if "quantity" in item.spans]
    assert quoted, "no item carried the quote"
    for s, e in quoted:
        assert text[s:e] == f"Per Dr. {identity.physician}'s Norco 10/325 note"
