"""Which kind of server a base URL is (from `data/endpoints.toml`), and whether it is on this machine.

Two questions, each answered in exactly one place:
- `endpoint_for(url)`: what the server needs (a key? which instructor mode?), from the table;
- `is_local(url)`: does text sent there stay on this machine? Decided from the URL's host
  alone (loopback names and addresses, and 0.0.0.0, which connects to this machine), so a
  vLLM server on a remote GPU box (`https://gpu.example.org:8000/v1`) is remote whatever
  its port says. Redaction defaults and the per-token cost both read `is_local`.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ..assets import DATA_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

OPENAI = "openai"
CUSTOM = "custom"
#: The variable the openai SDK itself reads; a custom remote server's key is looked up there too.
OPENAI_KEY_ENV = "OPENAI_API_KEY"
MODES = ("tools", "json", "json_schema", "md_json", "llamacpp")


@dataclass(frozen=True)
class Endpoint:
    """One row of the endpoint table."""

    name: str
    api_base: str | None
    key_env: str | None
    self_hosted: bool
    mode: str
    match: str = ""


@lru_cache(maxsize=1)
def endpoints() -> dict[str, Endpoint]:
    data = tomllib.loads((DATA_DIR / "endpoints.toml").read_text(encoding="utf-8"))
    return {
        name: Endpoint(name, row["api_base"], row.get("key_env"), bool(row["self_hosted"]), row["mode"], row["match"])
        for name, row in data.items()
    }


def endpoint_for(base_url: str | None) -> Endpoint:
    """The table's row for `base_url` (OpenAI's when none is given), or a "custom" row."""
    table = endpoints()
    if not base_url:
        return table[OPENAI]
    for ep in table.values():
        if ep.match and ep.match in base_url:
            return ep
    return Endpoint(CUSTOM, base_url, None if is_local(base_url) else OPENAI_KEY_ENV, False, "json")


_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_local(base_url: str | None) -> bool:
    """True when `base_url` points at this machine. No URL means the provider's default
    endpoint, which is remote."""
    if not base_url:
        return False
    url = base_url if "://" in base_url else f"http://{base_url}"
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # a malformed URL (bad IPv6 brackets...) is not provably local
        return False
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
