"""The model gateway: the only package that imports openai, instructor, tenacity or vcrpy.

`open_model(settings, ledger) -> Model`; `Model.ask(messages, response_model, context) ->
Answer[T]` (see `gateway.py` for the steps). `endpoints.py` says which kind of server a URL
is and whether it is on this machine, `keys.py` where the key comes from, `redaction.py`
the pluggable masking step, `usage.py` tokens and cost, `cache.py` and `cassettes.py` the
answer cache and the recorded exchanges.
"""

from .config import ModelConfig, should_redact
from .endpoints import endpoint_for, is_local
from .gateway import Answer, Model, open_model
from .redaction import IdentifierRedactor, NoRedaction, Redactor
from .usage import Ledger, Usage

__all__ = [
    "Answer", "IdentifierRedactor", "Ledger", "Model", "ModelConfig", "NoRedaction", "Redactor", "Usage",
    "endpoint_for", "is_local", "open_model", "should_redact",
]  # fmt: skip
