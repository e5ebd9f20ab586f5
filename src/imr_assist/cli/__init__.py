"""The `imr-assist` command line: one module per command, each exposing `register(app)`.

Adding a command is adding a file here; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from ..errors import InputError

app = typer.Typer(
    name="imr-assist",
    help="Read California workers' compensation IMR determination letters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_SKIP = {"common"}


@app.callback()
def _root() -> None:
    """Read California workers' compensation IMR determination letters."""


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.name in _SKIP:
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_load_commands()


def main() -> None:
    """Console entry point: user errors become one line on stderr and exit code 2."""
    try:
        app()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
