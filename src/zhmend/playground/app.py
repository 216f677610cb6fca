"""ASGI app of the playground: one page, ``POST /api/mend``, ``POST /api/inspect``.

The app never touches files while serving: the page and the seed example are read from the
package once, when the app is created. Request bodies are capped at :data:`MAX_BODY`.
"""

from __future__ import annotations

import dataclasses
import html
import json
from importlib import resources
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

import zhmend

from ..config import TARGETS, MendConfig
from ..errors import ZhmendError
from ..mend import mend_and_explain
from . import MAX_BODY


class SafeJSONResponse(JSONResponse):
    """JSON that survives lone surrogates (mended text may keep them when
    ``strip_invisible`` is off): UTF-8 when possible, ``\\u`` escapes otherwise."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _option_type(f: dataclasses.Field) -> Any:
    if f.name == "to":
        return Literal[TARGETS]  # type: ignore[valid-type]
    if f.type in ("bool", bool):
        return StrictBool
    return str


def _options_model() -> type[BaseModel]:
    """The request options, generated from :class:`MendConfig` so a new fixer appears here
    (and on the page) without being listed by hand."""
    fields = {
        f.name: (_option_type(f), Field(default=f.default)) for f in dataclasses.fields(MendConfig)
    }
    return create_model(  # type: ignore[call-overload, no-any-return]
        "MendOptions", __config__=ConfigDict(extra="forbid"), **fields
    )


MendOptions = _options_model()


class MendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="the page to mend")
    options: MendOptions = Field(default_factory=MendOptions)  # type: ignore[valid-type]


class InspectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class EditOut(BaseModel):
    start: int = Field(description="start in input code points")
    end: int
    before: str
    after: str
    rule: str = Field(description="fixer name(s), joined with + when edits were fused")


class EvidenceOut(BaseModel):
    # The evidence grows with the library (findings, scores); pass it through whole.
    model_config = ConfigDict(extra="allow")
    counts: dict[str, int]
    script: dict[str, Any] | None


class MendResponse(BaseModel):
    text: str
    edits: list[EditOut]
    evidence: EvidenceOut
    farm_score: float | None = Field(description="from zhmend.inspect; null when unavailable")
    options: MendOptions  # type: ignore[valid-type]


class ErrorOut(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "malformed JSON"},
    413: {"model": ErrorOut, "description": "body over 1 MiB"},
    415: {"model": ErrorOut, "description": "body not sent as application/json"},
    422: {"model": ErrorOut, "description": "valid JSON, invalid request"},
}


def _inspect_fn() -> Any:
    # zhmend.inspect is optional here: evidence from mend_and_explain stands in without it.
    return getattr(zhmend, "inspect", None)


def _to_plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def farm_score(text: str, evidence: Any) -> float | None:
    """The evidence's own score when it has one, else ``zhmend.inspect``'s, else None."""
    score = getattr(evidence, "farm_score", None)
    if score is not None:
        return float(score)
    fn = _inspect_fn()
    if fn is None:
        return None
    score = getattr(fn(text), "farm_score", None)
    return None if score is None else float(score)


def mend_payload(text: str, config: MendConfig) -> dict[str, Any]:
    result = mend_and_explain(text, config)
    return {
        **result.to_dict(),
        "farm_score": farm_score(text, result.evidence),
        "options": config.to_dict(),
    }


def inspect_payload(text: str) -> dict[str, Any]:
    fn = _inspect_fn()
    if fn is not None:
        report = _to_plain(fn(text))
        return report if isinstance(report, dict) else {"report": report}
    evidence = mend_and_explain(text).evidence
    return {"farm_score": farm_score(text, evidence), **evidence.to_dict()}


class BodyLimit:
    """Answer 413 to bodies over ``limit`` bytes, by Content-Length or while reading."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(scope, receive, send, self.limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _too_large(scope, receive, send, self.limit)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: dict, receive: Any, send: Any, limit: int) -> None:
    response = SafeJSONResponse(
        {"detail": f"request body over {limit} bytes; mend large files with `zhmend fix`"},
        status_code=413,
        headers={"connection": "close"},
    )
    await response(scope, receive, send)


def _option_controls() -> str:
    """HTML controls for every MendConfig field: a select for ``to``, a checkbox per fixer."""
    parts = []
    for f in dataclasses.fields(MendConfig):
        name = html.escape(f.name)
        if f.name == "to":
            choices = "".join(
                f'<option value="{t}"{" selected" if t == f.default else ""}>{t}</option>'
                for t in TARGETS
            )
            parts.append(f'<label>to <select name="to" id="opt-to">{choices}</select></label>')
        elif f.type in ("bool", bool):
            checked = " checked" if f.default else ""
            parts.append(
                f'<label><input type="checkbox" name="{name}" id="opt-{name}"{checked}> '
                f"{name}</label>"
            )
    return "\n".join(parts)


def render_page(seed: str) -> str:
    template = resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
    return (
        template.replace("{{VERSION}}", html.escape(zhmend.__version__))
        .replace("{{OPTIONS}}", _option_controls())
        .replace("{{MAX_BODY}}", str(MAX_BODY))
        .replace("{{SEED}}", html.escape(seed))
    )


def seed_text() -> str:
    return resources.files(__package__).joinpath("seed.txt").read_text(encoding="utf-8")


def create_app(max_body: int = MAX_BODY) -> Any:
    """The playground as an ASGI app (FastAPI inside a body-size limit); see the package."""
    page = render_page(seed_text())
    app = FastAPI(
        title="zhmend playground",
        version=zhmend.__version__,
        description="Mend noisy Chinese web text and explain every edit.",
        # The interactive docs pages load their scripts from a CDN; the playground works
        # offline, so only the OpenAPI document itself is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=SafeJSONResponse,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        is_json = media == "application/json" or media.endswith("+json")
        if request.method == "POST" and not is_json:
            return SafeJSONResponse(
                {"detail": "send the body as JSON with Content-Type: application/json"},
                status_code=415,
            )
        empty = any(e.get("type") == "missing" and e.get("loc") == ("body",) for e in errors)
        if empty or any(e.get("type") == "json_invalid" for e in errors):
            return SafeJSONResponse({"detail": "malformed JSON body"}, status_code=400)
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
            for e in errors
        )
        return SafeJSONResponse({"detail": detail or "invalid request"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers 400 itself for bodies that are not even text (bad UTF-8).
        detail = "malformed JSON body" if exc.status_code == 400 else exc.detail
        return SafeJSONResponse({"detail": detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(ZhmendError)
    async def _zhmend_error(request: Request, exc: ZhmendError) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.post("/api/mend", response_model=MendResponse, responses=_ERRORS)
    def api_mend(req: MendRequest) -> dict[str, Any]:
        """Mend ``text`` with ``options``: the text, every edit (input coordinates), evidence."""
        config = MendConfig.build(**req.options.model_dump())
        return mend_payload(req.text, config)

    @app.post("/api/inspect", response_model=dict[str, Any], responses=_ERRORS)
    def api_inspect(req: InspectRequest) -> dict[str, Any]:
        """The evidence report of ``text`` (``zhmend.inspect`` when available)."""
        return inspect_payload(req.text)

    return BodyLimit(app, max_body) if max_body else app


def openapi_app(app: Any) -> FastAPI:
    """The FastAPI app inside the limit wrapper (for its OpenAPI document)."""
    return app.app if isinstance(app, BodyLimit) else app
