"""Every command example in README.md works as written (issue 18): each line of an indented
or fenced code block that starts with `imr-assist ` or `.venv/bin/imr-assist ` (or pipes
`cat FILE` into one) runs, in README order, in one temporary folder that holds what the
examples name (`letter.txt`, `letter.pdf`, `letters/`, `more/`, `my/gold`, `imr.db`, and
`src/imr_assist/bundled` for the paths into the package), and must exit 0. `> FILE`
writes the command's output to FILE, as a shell would.

Skipped, each with its reason: commands that need a network model or a server."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist.api import extract_path
from imr_assist.assets import bundled_dir
from imr_assist.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"

#: Substring of a command -> why it cannot run here.
NEEDS_SERVER = {
    "--model": "needs a language model endpoint",
    "--base-url": "needs a model server",
    "ollama": "needs an Ollama server",
    "OPENAI": "needs an OpenAI key",
    "postgres": "needs a PostgreSQL server",
}
_COMMAND = re.compile(r"^(?:cat (?P<stdin>\S+) \| )?(?:\.venv/bin/)?imr-assist (?P<args>.*?)(?: > (?P<stdout>\S+))?$")


def readme_commands() -> list[tuple[int, str]]:
    """(line number, command line) of every example in a code block, in order."""
    found: list[tuple[int, str]] = []
    fenced = False
    for n, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            text = line.strip()
        elif line.startswith("    "):
            text = line[4:].strip()
        else:
            continue
        if _COMMAND.match(text):
            found.append((n, text))
    return found


COMMANDS = readme_commands()


def test_the_readme_has_examples_of_every_command() -> None:
    named = {shlex.split(c, comments=True)[1] for _, c in COMMANDS if c.startswith("imr-assist ")}
    assert {"extract", "summarize", "draft", "review", "similar", "index", "stats", "eval"} <= named


def _second_item_upheld(pdf: Path) -> bool:
    items = extract_path(pdf).items
    return len(items) >= 2 and items[1].decision == "upheld"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding what the examples name, built from the letters the package ships."""
    root = tmp_path_factory.mktemp("readme")
    package = root / "src" / "imr_assist"
    package.mkdir(parents=True)
    (package / "bundled").symlink_to(bundled_dir("letters").parent, target_is_directory=True)
    letters = sorted(bundled_dir("letters").glob("*.txt"))
    pdfs = sorted((bundled_dir("corpus") / "pdf").glob("*.pdf"))
    shutil.copy(letters[0], root / "letter.txt")
    # `draft letter.pdf --kind appeal --item 2` needs a letter whose second item was upheld
    shutil.copy(next(p for p in pdfs if _second_item_upheld(p)), root / "letter.pdf")
    for folder, files in (("letters", letters), ("more", pdfs[:3]), ("my/letters", letters),
                          ("my/gold", sorted(bundled_dir("gold").glob("*.json")))):  # fmt: skip
        (root / folder).mkdir(parents=True)
        for f in files:
            shutil.copy(f, root / folder / f.name)
    built = CliRunner().invoke(app, ["index", str(root / "letters"), "--db", str(root / "imr.db")])  # --db imr.db
    assert built.exit_code == 0, built.output
    return root


@pytest.mark.parametrize(("line", "command"), COMMANDS, ids=[f"README:{n}" for n, _ in COMMANDS])
def test_readme_example_runs(line: int, command: str, workspace: Path, monkeypatch) -> None:
    why = next((reason for needle, reason in NEEDS_SERVER.items() if needle in command), None)
    if why:
        pytest.skip(f"README line {line}: {why}")
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("IMR_ASSIST_EMBED", "none")
    m = _COMMAND.match(command)
    assert m is not None
    stdin = (workspace / m["stdin"]).read_bytes() if m["stdin"] else None
    result = CliRunner().invoke(app, shlex.split(m["args"], comments=True), input=stdin)
    assert result.exit_code == 0, f"README line {line}: {command}\n{result.output}"
    if m["stdout"]:
        (workspace / m["stdout"]).write_text(result.stdout, encoding="utf-8")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
