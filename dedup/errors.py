"""Errors raised by the library.

Every error a user can cause is a :class:`DedupError`; the CLI prints its message on one line and
exits 1. Each subclass also inherits the matching builtin, so callers can catch either.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error caused by input or configuration, not by a bug."""


class InputError(DedupError, ValueError):
    """An input file or record cannot be read; the message names the file and line."""


class ConfigError(DedupError, ValueError):
    """A parameter has a value outside its allowed range."""


class MissingExtraError(DedupError, ImportError):
    """An optional dependency is needed for what was asked; the message names the extra."""
