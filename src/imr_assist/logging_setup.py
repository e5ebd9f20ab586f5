"""Logging for batch runs: `--verbose` to stderr, `--log FILE` for a durable record.

Why a module of its own: commands share one logger name (`imr_assist`) and one format, and
secrets must never reach a log line, whatever a caller passes in. `redact_secrets` runs on
every record through a filter, so an exception message that quotes a request header or a
key cannot leak into the file.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from .errors import InputError

LOGGER_NAME = "imr_assist"

#: Things that look like credentials: bearer tokens, sk-/org- keys, key=value query args.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+)?[^\s\"',}]+"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._\-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\borg-[A-Za-z0-9]{12,}"),
    re.compile(r"(?i)((?:api[_-]?key|access[_-]?token|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
]


def redact_secrets(text: str) -> str:
    """Replace anything that looks like a credential with `[secret]`."""
    for rx in _SECRET_PATTERNS:
        text = rx.sub(lambda m: m.group(1) + "[secret]", text) if rx.groups else rx.sub("[secret]", text)
    return text


class _SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_secrets(record.getMessage())
        record.args = None
        return True


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def setup_logging(verbose: bool = False, log_file: Path | None = None) -> logging.Logger:
    """Configure the `imr_assist` logger: INFO to stderr when verbose (else warnings only),
    and DEBUG-level lines appended to `log_file` when given. Safe to call twice."""
    logger = get_logger()
    for h in list(logger.handlers):
        if getattr(h, "_imr_assist", False):
            logger.removeHandler(h)
            h.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    stream = logging.StreamHandler(sys.stderr)
    stream.setLevel(logging.INFO if verbose else logging.WARNING)
    stream.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handlers: list[logging.Handler] = [stream]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            fh = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{log_file}: cannot write the log ({exc.strerror or exc})") from None
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(fh)
    for h in handlers:
        h._imr_assist = True  # type: ignore[attr-defined]
        h.addFilter(_SecretFilter())
        logger.addHandler(h)
    return logger
