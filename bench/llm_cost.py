"""LLM cost per gold letter, from the recorded cassettes (no model needed).

For each letter: model calls (validation re-asks included), prompt and completion tokens
as the server reported them, and prompt tokens / letter tokens (goal <= 1.5: the item
plan should not send much more than the letter itself).

Letter tokens come from cassettes/manifest.json ("letter_tokens", counted by the recording
server's tokenizer); `--tokenize-url http://127.0.0.1:8765` counts them with a running
llama-cpp-python server (and `--write` stores them in the manifest); without either they
are estimated as characters / 4 and marked "~".

    .venv/bin/python bench/llm_cost.py [--cassettes cassettes] [--letters eval/letters]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships


def exchanges(cassette: Path) -> list[dict]:
    data = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
    out = []
    for x in data.get("interactions", []):
        body = x["response"]["body"]["string"]
        try:
            usage = json.loads(body).get("usage") or {}
        except (ValueError, AttributeError):
            usage = {}
        out.append(usage)
    return out


def tokenize(url: str, text: str) -> int:
    req = urllib.request.Request(
        url.rstrip("/") + "/extras/tokenize",
        data=json.dumps({"input": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        return len(json.loads(resp.read())["tokens"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cassettes", default=str(ROOT / "cassettes"))
    ap.add_argument("--letters", default=str(BUNDLED / "letters"))
    ap.add_argument("--tokenize-url", help="llama-cpp-python server to count letter tokens with")
    ap.add_argument("--write", action="store_true", help="store counted letter tokens in the manifest")
    args = ap.parse_args()
    folder = Path(args.cassettes)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    counted: dict[str, int] = dict(manifest.get("letter_tokens") or {})
    rows = []
    for letter in sorted(Path(args.letters).glob("*.txt")):
        cassette = folder / f"{letter.stem}.yaml"
        if not cassette.exists():
            print(f"{letter.stem}: no cassette", file=sys.stderr)
            continue
        text = letter.read_text(encoding="utf-8")
        if args.tokenize_url:
            counted[letter.stem] = tokenize(args.tokenize_url, text)
        est = letter.stem not in counted
        letter_tokens = counted.get(letter.stem) or max(1, len(text) // 4)
        usage = exchanges(cassette)
        p = sum(int(u.get("prompt_tokens", 0)) for u in usage)
        c = sum(int(u.get("completion_tokens", 0)) for u in usage)
        rows.append((letter.stem, len(usage), p, c, letter_tokens, est))
    if args.write and args.tokenize_url and manifest_path.exists():
        manifest["letter_tokens"] = counted
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"model: {manifest.get('model', '?')}  mode: {manifest.get('mode', '?')}")
    print(f"{'letter':24} {'calls':>5} {'prompt':>7} {'compl.':>7} {'letter':>7} {'in/letter':>9}")
    tot = [0, 0, 0, 0]
    for stem, n, p, c, lt, est in rows:
        ratio = p / lt
        flag = "" if ratio <= 1.5 else "  > 1.5"
        print(f"{stem:24} {n:5d} {p:7d} {c:7d} {('~' if est else '') + str(lt):>7} {ratio:9.2f}{flag}")
        for i, v in enumerate((n, p, c, lt)):
            tot[i] += v
    if rows:
        print(f"{'total':24} {tot[0]:5d} {tot[1]:7d} {tot[2]:7d} {tot[3]:7d} {tot[1] / tot[3]:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
