"""The `imr-assist` command line: one module per command, each exposing `register(app)`.

Adding a command is adding a file here; nothing else needs editing. Errors the library
raises on purpose (`ImrAssistError`) become one `error:` line and exit code 2 here, in
`_Group.invoke`, for every command: commands do not catch them one by one.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import ImrAssistError
from ..scrub import ScrubbingStream

_SKIP = {"common"}


class _Group(TyperGroup):
    """Runs a command; a library error is printed as one line and exits 2. Everything the
    command writes to stdout and stderr passes the secret scrubber (`imr_assist.scrub`):
    no key reaches the terminal, a pipe or a redirected file, whoever printed it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in (self, *self.commands.values()):
            _plain_flags(command)

    def invoke(self, ctx: Any) -> Any:
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = ScrubbingStream(out, records=True), ScrubbingStream(err)
        try:
            return super().invoke(ctx)
        except ImrAssistError as exc:
            from .common import fail

            raise fail(str(exc)) from None
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            sys.stdout, sys.stderr = out, err


def _plain_flags(command: Any) -> None:
    """A flag takes no value, so its help shows no `<bool>` metavar (typer shows the type of
    every option): a user reading `--json <bool>` would type `--json true`."""
    for param in command.params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    made = command.get_help_option  # -h/--help is made on demand, per context

    def help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option


#: `-h` everywhere, like most command-line tools (inherited by every subcommand's context)
CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="imr-assist",
    cls=_Group,
    help="Read California workers' compensation IMR determination letters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"imr-assist {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
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
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
