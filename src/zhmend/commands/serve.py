"""``zhmend serve``: the local playground page and its JSON API."""

from __future__ import annotations

import argparse
import sys

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..playground import DEFAULT_HOST, DEFAULT_PORT

    p = sub.add_parser(
        "serve",
        help="playground: paste a page, watch every edit (http://127.0.0.1:8765)",
        description="Serve the playground page, POST /api/mend, POST /api/inspect and "
        "/openapi.json. Binds to 127.0.0.1 unless --host says otherwise. Needs the serve "
        "extra: pip install 'zhmend[serve]'.",
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"zhmend: --port must be between 1 and 65535, not {args.port}", file=sys.stderr)
        return 2
    try:
        import uvicorn

        from ..playground.app import create_app
    except ImportError as exc:
        print(
            f"zhmend: serve needs {exc.name or 'the serve extra'}: pip install 'zhmend[serve]'",
            file=sys.stderr,
        )
        return 2
    if args.host not in LOCAL_HOSTS:
        print(
            f"zhmend: warning: binding to {args.host} makes the playground reachable from other "
            "machines; it has no authentication (use the default 127.0.0.1 for local use)",
            file=sys.stderr,
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"zhmend: playground at http://{host}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
