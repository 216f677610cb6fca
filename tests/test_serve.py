"""The playground API: schema, limits, errors, concurrency, no file access, the CLI face."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette's note on its httpx-based client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import zhmend  # noqa: E402
from zhmend.config import TARGETS, MendConfig  # noqa: E402
from zhmend.playground import MAX_BODY, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = (ROOT / "samples" / "seed.txt").read_text(encoding="utf-8")
JSON = {"content-type": "application/json"}


# --- a real server on loopback, started through the CLI ------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(*extra: str, host: str = "127.0.0.1") -> Iterator[tuple[str, subprocess.Popen]]:
    """``zhmend serve`` in a child process; yields (base URL, process) once it answers."""
    port = free_port(host)
    args = [sys.executable, "-m", "zhmend.cli", "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.communicate()[1]}")
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer within 30 s")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as (base, _):
        yield base


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


# --- schema ---------------------------------------------------------------------------------


def test_openapi_documents_both_endpoints_and_every_option(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert {"/api/mend", "/api/inspect"} <= set(doc["paths"])
    options = doc["components"]["schemas"]["MendOptions"]["properties"]
    assert list(options) == MendConfig.names()
    assert options["to"]["enum"] == list(TARGETS)
    for code in ("200", "400", "413", "422"):
        assert code in doc["paths"]["/api/mend"]["post"]["responses"]


def _schemathesis_test():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())

    @schema.parametrize()
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def test_api_conforms_to_its_openapi_document(case) -> None:
        # Every generated request (valid or not) gets a documented status and a body that
        # matches the documented schema; never a 5xx.
        case.call_and_validate()

    return test_api_conforms_to_its_openapi_document


test_api_conforms_to_its_openapi_document = _schemathesis_test()


# --- results ----------------------------------------------------------------------------------


def test_mend_matches_the_library_and_replays(client: TestClient) -> None:
    r = client.post("/api/mend", json={"text": SEED_TEXT})
    assert r.status_code == 200
    body = r.json()
    expected = zhmend.mend_and_explain(SEED_TEXT)
    assert body["text"] == expected.text
    assert body["edits"] == [e.to_dict() for e in expected.edits]
    assert body["evidence"] == expected.evidence.to_dict()
    edits = [zhmend.Edit(**e) for e in body["edits"]]
    assert zhmend.replay(SEED_TEXT, edits) == body["text"]


@pytest.mark.parametrize(
    "options",
    [{"to": "keep"}, {"repair_punctuation": False}, {"strip_pinyin_annotations": False}],
)
def test_options_reach_the_mend(client: TestClient, options: dict) -> None:
    body = client.post("/api/mend", json={"text": SEED_TEXT, "options": options}).json()
    assert body["text"] == zhmend.mend(SEED_TEXT, **options)
    assert body["text"] != zhmend.mend(SEED_TEXT)
    assert body["options"] == MendConfig.build(**options).to_dict()


def test_inspect_reports_the_evidence(client: TestClient) -> None:
    r = client.post("/api/inspect", json={"text": SEED_TEXT})
    assert r.status_code == 200
    report = r.json()
    inspect = getattr(zhmend, "inspect", None)
    if inspect is None:
        assert report["counts"] == zhmend.mend_and_explain(SEED_TEXT).evidence.counts
        assert report["script"]["converted_from_simplified"] is True
    else:
        assert report == json.loads(json.dumps(inspect(SEED_TEXT).to_dict()))
    assert isinstance(report["farm_score"], float)


def test_lone_surrogates_come_back_as_valid_json(client: TestClient) -> None:
    r = client.post(
        "/api/mend",
        content=json.dumps({"text": "市\ud800委", "options": {"strip_invisible": False}}),
        headers=JSON,
    )
    assert r.status_code == 200
    assert json.loads(r.content)["text"] == "市\ud800委"


# --- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"text": ', b"{text: 1}", b'{"text": "a"}}', b"\xff\xfe{", b"", b"nul\x00l"],
)
def test_malformed_json_is_400(client: TestClient, body: bytes) -> None:
    r = client.post("/api/mend", content=body, headers=JSON)
    assert r.status_code == 400, r.text
    assert "JSON" in r.json()["detail"]


@pytest.mark.parametrize(
    "payload, word",
    [
        ({"text": "x", "options": {"fix_everything": True}}, "fix_everything"),
        ({"text": "x", "options": {"to": "latin"}}, "'auto'"),
        ({"text": "x", "options": {"repair_punctuation": "yes"}}, "repair_punctuation"),
        ({"text": 5}, "text"),
        ({}, "text"),
    ],
)
def test_invalid_requests_are_422_and_say_why(client: TestClient, payload: dict, word: str) -> None:
    r = client.post("/api/mend", json=payload)
    assert r.status_code == 422
    assert word in r.json()["detail"]


def test_form_bodies_are_415(client: TestClient) -> None:
    r = client.post("/api/mend", data={"text": "x"})
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]


def test_bodies_over_the_limit_are_413(client: TestClient) -> None:
    just_fits = json.dumps({"text": "a" * (MAX_BODY - 20)}).encode()
    assert len(just_fits) <= MAX_BODY
    assert client.post("/api/mend", content=just_fits, headers=JSON).status_code == 200
    too_big = json.dumps({"text": "a" * MAX_BODY}).encode()
    r = client.post("/api/mend", content=too_big, headers=JSON)
    assert r.status_code == 413
    assert "zhmend fix" in r.json()["detail"]


def test_chunked_bodies_over_the_limit_are_413_on_a_real_socket(server: str) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count while reading
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    with httpx.Client(timeout=30) as c:
        r = c.post(server + "/api/mend", content=chunks(), headers=JSON)
        assert r.status_code == 413
        big = b"x" * (MAX_BODY + 1)
        assert c.post(server + "/api/inspect", content=big, headers=JSON).status_code == 413
        # The server is still healthy afterwards.
        assert c.post(server + "/api/mend", json={"text": "會(huì)"}).json()["text"] == "会"


# --- no file access -------------------------------------------------------------------------


def test_requests_never_open_files(client: TestClient) -> None:
    client.post("/api/mend", json={"text": SEED_TEXT})  # warm: lazy imports and tables
    client.post("/api/inspect", json={"text": SEED_TEXT})
    client.get("/")
    seen: list[tuple] = []
    active = [True]

    def hook(event: str, args: tuple) -> None:
        if active[0] and event in ("open", "os.remove", "os.rename", "os.mkdir", "shutil.copyfile"):
            seen.append((event, args[0]))

    sys.addaudithook(hook)  # cannot be removed: switched off by the flag below
    try:
        for options in ({}, {"to": "traditional"}, {"repair_punctuation": False}):
            r = client.post("/api/mend", json={"text": SEED_TEXT, "options": options})
            assert r.status_code == 200
        assert client.post("/api/inspect", json={"text": SEED_TEXT}).status_code == 200
        assert client.get("/").status_code == 200
        assert client.post("/api/mend", content=b"{", headers=JSON).status_code == 400
    finally:
        active[0] = False
    assert seen == []


# --- concurrency on loopback ----------------------------------------------------------------


def _corpus(n: int) -> list[tuple[str, dict]]:
    """n different documents and option sets cut from the seed page."""
    rng = random.Random(7)
    lines = [line for line in SEED_TEXT.splitlines() if line.strip()]
    names = [n for n in MendConfig.names() if n != "to"]
    out = []
    for i in range(n):
        start = rng.randrange(len(lines))
        text = "\n".join(lines[start : start + rng.randint(1, 3)]) + f" 第{i}条"
        options: dict = {"to": rng.choice(TARGETS)}
        options[rng.choice(names)] = False
        out.append((text, options))
    return out


def test_200_concurrent_requests_are_all_answered_correctly(server: str) -> None:
    work = _corpus(200)

    async def one(client: httpx.AsyncClient, text: str, options: dict) -> tuple[int, dict]:
        r = await client.post(server + "/api/mend", json={"text": text, "options": options})
        return r.status_code, r.json()

    async def all_at_once() -> list[tuple[int, dict]]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            return await asyncio.gather(*(one(client, t, o) for t, o in work))

    results = asyncio.run(all_at_once())
    assert [status for status, _ in results] == [200] * len(work)
    for (text, options), (_, body) in zip(work, results, strict=True):
        assert body["text"] == zhmend.mend(text, **options)
        assert body["options"] == MendConfig.build(**options).to_dict()


# --- the page and the command ----------------------------------------------------------------


def test_page_offers_every_option_and_the_seed(client: TestClient) -> None:
    page = client.get("/").text
    for f in dataclasses.fields(MendConfig):
        assert f'name="{f.name}"' in page
    for target in TARGETS:
        assert f'<option value="{target}"' in page
    assert "5月15日,十三屆市委科技委員會(huì)" in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_packaged_seed_is_the_sample_page() -> None:
    from zhmend.playground.app import seed_text

    assert seed_text() == SEED_TEXT


def _listening_addresses(port: int) -> set[str]:
    addrs = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addrs.add(addr)
    return addrs


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_serve_binds_loopback_only_by_default(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, little-endian hex


def test_serve_warns_when_binding_elsewhere() -> None:
    with running_server("--host", "127.0.0.2", host="127.0.0.2") as (base, proc):
        assert httpx.get(base + "/").status_code == 200
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: binding to 127.0.0.2" in err


def test_serve_rejects_a_bad_port() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("zhmend: --port")
