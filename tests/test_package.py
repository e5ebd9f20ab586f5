"""The package's shape: its public surface, one door to the model, one place for settings,
and everything a command reads shipped inside the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import imr_assist
import imr_assist.model
from imr_assist import errors
from imr_assist.settings import VARIABLES

SRC = Path(imr_assist.__file__).resolve().parent
README = SRC.parent.parent / "README.md"


def test_exported_members() -> None:
    """Like httpx's test_exported_members: adding or removing a public name is a decision."""
    assert sorted(imr_assist.__all__) == sorted([
        "AnswerRejected", "ConfigError", "EndpointFailing", "EndpointUnreachable", "ImrAssistError",
        "IndexStoreError", "InputError", "Item", "KeyMissing", "KeyRejected", "LetterResult", "LetterTimeout",
        "ModelError", "NoRecording", "NotAnIMRLetter", "Patient", "Pipeline", "Record", "RequestRejected", "Reviewer",
        "Settings", "__version__", "extract_document", "extract_path", "extract_text", "get_extractor",
    ])  # fmt: skip
    assert sorted(imr_assist.model.__all__) == sorted([
        "Answer", "IdentifierRedactor", "Ledger", "Model", "ModelConfig", "NoRedaction", "Redactor", "Usage",
        "endpoint_for", "is_local", "open_model", "should_redact",
    ])  # fmt: skip
    for package in (imr_assist, imr_assist.model):
        for name in package.__all__:
            member = getattr(package, name)
            if name != "__version__":
                assert member.__module__.startswith("imr_assist"), name


def test_one_exception_root() -> None:
    """Every error class is under ImrAssistError, and the tree in the docstring is complete."""
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert all(issubclass(c, errors.ImrAssistError) for c in classes)
    for c in classes:
        assert c.__name__ in (errors.__doc__ or ""), c.__name__


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_gateway_imports_model_clients() -> None:
    clients = {"openai", "instructor", "tenacity", "vcr"}
    offenders = {
        str(p.relative_to(SRC)): sorted(_imports(p) & clients)
        for p in SRC.rglob("*.py")
        if p.parent != SRC / "model" and _imports(p) & clients
    }
    assert offenders == {}


def test_settings_is_the_only_reader_of_our_variables() -> None:
    pattern = re.compile(r"""["'](?:IMR_ASSIST_|OPENAI_)[A-Z_]+["']""")
    readers = sorted(
        str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
        if p.name != "settings.py" and pattern.search(p.read_text(encoding="utf-8"))
        and re.search(r"environ|getenv", p.read_text(encoding="utf-8"))
    )  # fmt: skip
    assert readers == []


def test_readme_lists_every_variable() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Environment") :]
    listed = set(re.findall(r"`((?:IMR_ASSIST|OPENAI)_[A-Z_]+)`", table.split("\n## ", 1)[0]))
    assert listed == set(VARIABLES)


def test_assets_are_inside_the_package() -> None:
    for folder in ("prompts", "bundled/letters", "bundled/gold", "bundled/corpus/txt", "bundled/corpus/pdf", "data"):
        assert (SRC / folder).is_dir(), folder
    assert (SRC / "py.typed").is_file()
    pyproject = (SRC.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    for pattern in ('"py.typed"', '"prompts/**/*"', '"bundled/**/*"', '"data/*"'):
        assert pattern in pyproject, pattern
