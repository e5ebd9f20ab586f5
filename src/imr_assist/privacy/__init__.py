"""Privacy: mask direct identifiers before letter text leaves the machine.

`redact.redact_text` masks a text and keeps the map back in memory, on this machine. The
model gateway applies it to every question sent to an endpoint that is not on this
machine (`imr_assist.model.redaction`), so no caller can forget it.
"""

from .redact import Redaction, redact_text

__all__ = ["Redaction", "redact_text"]
