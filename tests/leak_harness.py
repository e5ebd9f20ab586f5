"""Run the real CLI against a recording fake OpenAI-compatible endpoint on a NON-loopback
address, and write what the endpoint received (`python tests/leak_harness.py OUT HOST`).

`test_leak.py` runs this inside a network namespace of its own (`unshare -rn`) in which
the loopback interface also carries 192.0.2.10 (TEST-NET-1, documentation range): the
address is not loopback, so `is_local` says remote and every default that follows from it
(redaction on, a key refused over plain http) is the one a remote endpoint gets, while no
packet can leave the namespace. Commands: `extract --extractor llm`, `extract --extractor
hybrid` (batch, --jsonl) and `draft --model` for the planted letters (`planted.py`).

OUT/requests.json: {command: [request bodies...]}; OUT/runs.json: {command: [exit code, stderr]}.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_openai import completion, endpoint  # noqa: E402
from planted import planted_letters  # noqa: E402

CLI = [sys.executable, "-c", "from imr_assist.cli import main; main()"]
KEY = "sk-leaktest-Zq8Rw2Lp5Nv7Tx3Kc9Hb"


def main() -> None:
    out, host = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    with endpoint(lambda body, headers: (200, completion("{}")), host=host) as (base_url, bodies):
        received, runs = _run_commands(out, base_url, bodies)
    (out / "requests.json").write_text(json.dumps(received), encoding="utf-8")
    (out / "runs.json").write_text(json.dumps(runs), encoding="utf-8")


def _run_commands(out: Path, base_url: str, bodies: list[bytes]) -> tuple[dict[str, list[str]], dict[str, list]]:
    """Each command as a user runs it; what the endpoint received while it ran."""
    letters = []
    for name, text, _identity in planted_letters():
        path = out / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        letters.append(str(path))
    cache = os.environ.get("IMR_ASSIST_CACHE") or str(out / "cache")  # the tests' cache: the demo index is built once
    # the commands see only what this harness sets, not the caller's IMR_ASSIST_* / OPENAI_* (conftest's rule)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("IMR_ASSIST_", "OPENAI_"))}
    env = {**inherited, "OPENAI_API_KEY": KEY, "IMR_ASSIST_CACHE": cache, "OPENAI_BASE_URL": base_url}
    common = ["--model", "fake-model", "--allow-insecure", "--no-cache"]
    commands = {
        "extract-llm": ["extract", *letters, "--extractor", "llm", "--jsonl", str(out / "llm.jsonl"), *common],
        "extract-hybrid": ["extract", *letters, "--extractor", "hybrid", "--jsonl", str(out / "hybrid.jsonl"), *common],
    }
    for path in letters:
        stem = Path(path).stem
        commands[f"draft-appeal-{stem}"] = ["draft", path, "--kind", "appeal", "--model", "fake-model",
                                            "--allow-insecure"]  # fmt: skip
    commands["draft-resubmission"] = ["draft", letters[0], "--kind", "resubmission", "--model", "fake-model",
                                      "--allow-insecure"]  # fmt: skip
    received: dict[str, list[str]] = {}
    runs: dict[str, list] = {}
    for name, args in commands.items():
        before = len(bodies)
        proc = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=600)
        runs[name] = [proc.returncode, proc.stderr[-4000:]]
        received[name] = [base64.b64encode(b).decode() for b in bodies[before:]]
    return received, runs


if __name__ == "__main__":
    main()
