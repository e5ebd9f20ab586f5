"""imr-assist: read California workers' compensation IMR determination letters.

The public Python API (pinned by tests/test_package.py):

    from imr_assist import extract_path, Pipeline, Settings, ImrAssistError
    record = extract_path("letter.pdf")                       # one letter, rules extractor
    result = Pipeline(get_extractor("rules")).run("x.pdf")    # a batch step: never raises

Model access is `imr_assist.model` (`open_model`), the decision index `imr_assist.index`.
"""

from typing import TYPE_CHECKING, Any

from .errors import (
    AnswerRejected,
    ConfigError,
    EndpointFailing,
    EndpointUnreachable,
    ImrAssistError,
    IndexStoreError,
    InputError,
    KeyMissing,
    KeyRejected,
    LetterTimeout,
    ModelError,
    NoRecording,
    NotAnIMRLetter,
    RequestRejected,
)
from .schema import Item, Patient, Record, Reviewer
from .settings import Settings

if TYPE_CHECKING:
    from .api import extract_document, extract_path, extract_text
    from .extractors import get_extractor
    from .pipeline import LetterResult, Pipeline

#: names imported on first use: reading letters loads numpy and pdfium, which a command such
#: as `stats` or `--help` does not need at start-up
_LAZY = {
    "extract_document": "api", "extract_path": "api", "extract_text": "api", "get_extractor": "extractors",
    "LetterResult": "pipeline", "Pipeline": "pipeline",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AnswerRejected", "ConfigError", "EndpointFailing", "EndpointUnreachable", "ImrAssistError", "IndexStoreError",
    "InputError", "Item", "KeyMissing", "KeyRejected", "LetterResult", "LetterTimeout", "ModelError", "NoRecording",
    "NotAnIMRLetter", "Patient", "Pipeline", "Record", "RequestRejected", "Reviewer", "Settings", "__version__",
    "extract_document", "extract_path", "extract_text", "get_extractor",
]  # fmt: skip
__version__ = "0.1.0"
