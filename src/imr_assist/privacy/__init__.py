"""Privacy: send a model only what it needs, and mask identifiers in that before it leaves.

`scope.model_window` bounds what a per-item question carries (never the header, address
block, cc list or signature); `redact.redact_text(text, Profile.of(letter))` masks a text
and keeps the map back in memory, on this machine. The model gateway applies it to every
question sent to an endpoint that is not on this machine (`imr_assist.model.redaction`),
so no caller can forget it.
"""

from .redact import Profile, Redaction, redact_text
from .scope import model_window

__all__ = ["Profile", "Redaction", "model_window", "redact_text"]
