"""Errors a user can act on. The CLI prints their message on one line and exits 2."""


class InputError(Exception):
    """The input cannot be read as an IMR letter (missing, empty, binary, no text layer…)."""


class NotAnIMRLetter(InputError):
    """The text reads fine but is not an IMR determination letter."""
