"""Logging for batch runs: `--verbose` to stderr, `--log FILE` for a durable record.

Why a module of its own: commands share one logger name (`imr_assist`) and one format, and
secrets must never reach a log line, whatever a caller passes in. `redact_secrets` runs on
every record through a filter (the message and any traceback), so an exception message
that quotes a request header or a key cannot leak into the file.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .errors import InputError
from .scrub import scrub

LOGGER_NAME = "imr_assist"

def redact_secrets(text: str) -> str:
    """Replace the configured key and anything that looks like a credential with `[secret]`
    (`imr_assist.scrub`, the one scrubber every output channel uses)."""
    return scrub(text)


class _SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_secrets(record.getMessage())
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
            record.msg += "\n" + redact_secrets(text)
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
