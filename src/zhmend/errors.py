"""zhmend's own exceptions: callers catch these, never a dependency's."""

from __future__ import annotations


class ZhmendError(Exception):
    """Base class of every error zhmend raises on purpose."""


class ConfigError(ZhmendError, ValueError):
    """An option has an unknown name or a value outside its allowed set."""


class InputError(ZhmendError):
    """Input that cannot be read as text (undecodable bytes, binary data)."""


BYTES_ERROR_TEXT = (
    "zhmend works on str, not bytes. Decode first, e.g. data.decode('utf-8'), "
    "or data.decode('gb18030') for GBK pages; use errors='replace' to keep going past bad bytes."
)
