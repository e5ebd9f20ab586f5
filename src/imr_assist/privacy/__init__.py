"""Privacy: mask direct identifiers before letter text leaves the machine.

`redact.redact_text` is the one boundary every remote model call goes through; the map
back to the original stays in memory, on this machine.
"""

from .redact import Redaction, is_local_endpoint, redact_text, should_redact

__all__ = ["Redaction", "is_local_endpoint", "redact_text", "should_redact"]
