"""Batch durability: `extract --jsonl` killed with SIGKILL midway resumes with every letter
exactly once — no duplicate, no loss — including when the kill tore the last line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imr_assist.assets import bundled_dir
from imr_assist.batch import done_sources, source_key

CLI = [sys.executable, "-c", "from imr_assist.cli import main; main()"]
N_LETTERS = 200


def _letters(folder: Path, n: int) -> list[Path]:
    src = sorted((bundled_dir("corpus") / "txt").glob("*.txt")) + sorted((bundled_dir("letters")).glob("*.txt"))
    folder.mkdir()
    out = []
    for i in range(n):
        dst = folder / f"{i:03d}_{src[i % len(src)].name}"
        shutil.copyfile(src[i % len(src)], dst)
        out.append(dst)
    return out


def _lines(out: Path) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def _run(folder: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "extract", str(folder), "--jsonl", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_midway_then_resume_every_letter_exactly_once(tmp_path: Path) -> None:
    letters = _letters(tmp_path / "in", N_LETTERS)
    out = tmp_path / "out.jsonl"
    proc = _run(tmp_path / "in", out)
    deadline = time.monotonic() + 60
    while len(_lines(out)) < 15 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the batch finished before it could be killed; raise N_LETTERS"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    killed_at = out.read_bytes().count(b"\n")  # complete lines; a torn tail is not counted
    assert 15 <= killed_at < N_LETTERS

    proc = _run(tmp_path / "in", out)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    records = [json.loads(line) for line in _lines(out)]  # every line is whole JSON
    sources = [r["source"] for r in records]
    assert len(sources) == len(set(sources)) == N_LETTERS  # no duplicate, no loss
    assert set(sources) == {source_key(str(p)) for p in letters}
    summary = " ".join(err.decode().split())
    assert f"{N_LETTERS - killed_at} extracted, {killed_at} already in" in summary, summary
    assert all(r["items"] for r in records)


def test_torn_last_line_is_truncated_and_redone(tmp_path: Path) -> None:
    """What a kill between write() and fsync leaves: half a line. It is dropped, the letter
    redone, and the file stays valid JSONL."""
    letters = _letters(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    first = subprocess.run([*CLI, "extract", str(letters[0]), "--jsonl", str(out)], capture_output=True)
    assert first.returncode == 0, first.stderr
    whole = out.read_bytes()
    torn = json.dumps({"letter_id": "x", "source": source_key(str(letters[1])), "items": []})[:40]
    out.write_bytes(whole + torn.encode())
    assert done_sources(out) == {source_key(str(letters[0]))}
    assert out.read_bytes() == whole  # truncated back to the last complete line
    again = subprocess.run([*CLI, "extract", str(tmp_path / "in"), "--jsonl", str(out)], capture_output=True)
    assert again.returncode == 0, again.stderr
    sources = [json.loads(line)["source"] for line in _lines(out)]
    assert sorted(sources) == sorted(source_key(str(p)) for p in letters)


def test_same_letter_named_twice_is_written_once(tmp_path: Path) -> None:
    letters = _letters(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [*CLI, "extract", str(tmp_path / "in"), str(letters[0]), "--jsonl", str(out)], capture_output=True
    )
    assert proc.returncode == 0, proc.stderr
    assert len(_lines(out)) == 2


def test_second_run_on_the_same_output_is_refused(tmp_path: Path) -> None:
    from imr_assist.batch import JsonlWriter
    from imr_assist.errors import InputError

    out = tmp_path / "out.jsonl"
    with JsonlWriter(out) as first:
        first.write({"source": "a"})
        with pytest.raises(InputError, match="another imr-assist run"):
            JsonlWriter(out)
    with JsonlWriter(out) as again:  # released on close
        again.write({"source": "b"})
    assert [json.loads(line)["source"] for line in _lines(out)] == ["a", "b"]


def test_jsonl_that_is_not_ours_is_refused_not_truncated(tmp_path: Path) -> None:
    letters = _letters(tmp_path / "in", 1)
    for name, content in [("notes.jsonl", b"my notes\nmore notes\n"), ("numbers.jsonl", b"1\n2\n"),
                          ("letter.pdf", b"%PDF-1.7\n\x00\x01binary\n")]:  # fmt: skip
        target = tmp_path / name
        target.write_bytes(content)
        proc = subprocess.run([*CLI, "extract", str(letters[0]), "--jsonl", str(target)], capture_output=True)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "Traceback" not in err, err
        assert "not an extract --jsonl file, left untouched" in err
        assert target.read_bytes() == content


def test_unwritable_outputs_are_one_line(tmp_path: Path) -> None:
    letters = _letters(tmp_path / "in", 1)
    for args in (["--jsonl", str(tmp_path)], ["--log", str(tmp_path)], ["--jsonl", str(letters[0] / "x.jsonl")]):
        proc = subprocess.run([*CLI, "extract", str(letters[0]), *args], capture_output=True)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
