"""The local playground: paste a page, watch every edit (``zhmend serve``).

Needs the ``serve`` extra (FastAPI + uvicorn): ``pip install 'zhmend[serve]'``. Importing this
package is cheap; FastAPI is imported by :func:`create_app`.
"""

from __future__ import annotations

from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Largest request body accepted (1 MiB); larger ones get 413 before they are read whole.
MAX_BODY = 1 << 20


def create_app(max_body: int = MAX_BODY) -> Any:
    """The playground as an ASGI app (FastAPI inside a body-size limit)."""
    from .app import create_app as _create

    return _create(max_body)


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_BODY", "create_app"]
